package io.netkit.netlink;

import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The watcher's view of the kernel's objects, keyed as the kernel keys them, so each notification can be classified
 * as new, changed, deleted or already known (a duplicate, which is dropped). Used by one thread.
 */
final class WatchState {
    private final TreeMap<Integer, Link> links = new TreeMap<>();
    private final Map<AddressKey, Address> addresses = new LinkedHashMap<>();
    private final Map<RouteKey, Route> routes = new LinkedHashMap<>();
    private final Map<NeighborKey, Neighbor> neighbors = new LinkedHashMap<>();

    private record AddressKey(int index, int family, IpPrefix prefix) {
        static AddressKey of(Address a) {
            return new AddressKey(a.index(), a.family(), a.prefix());
        }
    }

    /** A route's identity: the kernel keeps several routes to one destination that differ in these fields. */
    private record RouteKey(int family, int table, IpPrefix destination, int priority, int type, InetAddress gateway,
                            int outputIndex) {
        static RouteKey of(Route r) {
            return new RouteKey(r.family(), r.table(), r.destination(), r.priority(), r.type(), r.gateway(),
                    r.outputIndex());
        }

        boolean sameSlot(RouteKey o) {
            return family == o.family && table == o.table && destination.equals(o.destination) && priority == o.priority;
        }
    }

    private record NeighborKey(int index, int family, InetAddress address, MacAddress mac, int vlan) {
        static NeighborKey of(Neighbor n) {
            // ARP/NDP entries are keyed by IP; FDB entries by MAC, VLAN and (vxlan) remote
            return new NeighborKey(n.index(), n.family(), n.address(), n.isFdb() ? n.mac() : null, n.vlan());
        }
    }

    void reset(RtState s) {
        links.clear();
        addresses.clear();
        routes.clear();
        neighbors.clear();
        for (Link l : s.links()) {
            links.put(l.index(), l);
        }
        for (Address a : s.addresses()) {
            addresses.put(AddressKey.of(a), a);
        }
        for (Route r : s.routes()) {
            routes.put(RouteKey.of(r), r);
        }
        for (Neighbor n : s.neighbors()) {
            neighbors.put(NeighborKey.of(n), n);
        }
    }

    RtState snapshot() {
        return new RtState(new ArrayList<>(links.values()), new ArrayList<>(addresses.values()),
                new ArrayList<>(routes.values()), new ArrayList<>(neighbors.values()));
    }

    /** Applies {@code m}; the event it means, or null when it changes nothing this view holds. */
    RtEvent apply(RtMessage m) {
        if (m instanceof RtMessage.NewLink n) {
            Link prev = links.put(n.link().index(), n.link());
            return prev == null ? new RtEvent.LinkEvent(RtEvent.Change.NEW, n.link())
                    : sameExceptRaw(prev, n.link()) ? null : new RtEvent.LinkEvent(RtEvent.Change.CHANGED, n.link());
        } else if (m instanceof RtMessage.DelLink d) {
            return links.remove(d.link().index()) == null ? null : new RtEvent.LinkEvent(RtEvent.Change.DELETED, d.link());
        } else if (m instanceof RtMessage.NewAddress n) {
            Address prev = addresses.put(AddressKey.of(n.address()), n.address());
            return prev == null ? new RtEvent.AddressEvent(RtEvent.Change.NEW, n.address())
                    : prev.equals(n.address()) ? null : new RtEvent.AddressEvent(RtEvent.Change.CHANGED, n.address());
        } else if (m instanceof RtMessage.DelAddress d) {
            return addresses.remove(AddressKey.of(d.address())) == null ? null
                    : new RtEvent.AddressEvent(RtEvent.Change.DELETED, d.address());
        } else if (m instanceof RtMessage.NewRoute n) {
            RouteKey k = RouteKey.of(n.route());
            Route prev = null;
            if (n.replaced()) {   // NLM_F_REPLACE: it took the place of the route in the same slot
                for (Iterator<Map.Entry<RouteKey, Route>> it = routes.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<RouteKey, Route> e = it.next();
                    if (e.getKey().sameSlot(k)) {
                        prev = e.getValue();
                        it.remove();
                    }
                }
            }
            Route same = routes.put(k, n.route());
            prev = same != null ? same : prev;
            return prev == null ? new RtEvent.RouteEvent(RtEvent.Change.NEW, n.route())
                    : prev.equals(n.route()) ? null : new RtEvent.RouteEvent(RtEvent.Change.CHANGED, n.route());
        } else if (m instanceof RtMessage.DelRoute d) {
            return routes.remove(RouteKey.of(d.route())) == null ? null
                    : new RtEvent.RouteEvent(RtEvent.Change.DELETED, d.route());
        } else if (m instanceof RtMessage.NewNeighbor n) {
            Neighbor prev = neighbors.put(NeighborKey.of(n.neighbor()), n.neighbor());
            return prev == null ? new RtEvent.NeighborEvent(RtEvent.Change.NEW, n.neighbor())
                    : prev.equals(n.neighbor()) ? null : new RtEvent.NeighborEvent(RtEvent.Change.CHANGED, n.neighbor());
        } else if (m instanceof RtMessage.DelNeighbor d) {
            return neighbors.remove(NeighborKey.of(d.neighbor())) == null ? null
                    : new RtEvent.NeighborEvent(RtEvent.Change.DELETED, d.neighbor());
        }
        return null;
    }

    private static final RecordComponent[] LINK_FIELDS = Link.class.getRecordComponents();

    /**
     * Equal in every decoded field. The raw rest ({@link Link#unknown()}) is left out: notifications carry attributes a
     * dump leaves out ({@code IFLA_EVENT}) and counters ({@code IFLA_CARRIER_CHANGES}) that say nothing new.
     */
    static boolean sameExceptRaw(Link a, Link b) {
        if (a.equals(b)) {
            return true;
        }
        try {
            for (RecordComponent c : LINK_FIELDS) {
                if (c.getName().equals("unknown")) {
                    continue;
                }
                if (!Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                    return false;
                }
            }
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
