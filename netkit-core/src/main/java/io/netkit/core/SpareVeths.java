package io.netkit.core;

import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.Spares;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The container's veth pair made ahead of time, with the spare namespace (issue 14): creating the pair (two
 * {@code register_netdevice} with their sysfs and sysctl entries, ≈ 0.35 ms of kernel time under rtnl) is most of an
 * attach's kernel work, and it does not depend on the address. So after an attach on a network, the next container's
 * namespace is made with {@code eth0} in it and the host end ({@code nkv...}, down, in no bridge, link group 0, no
 * alias) in the network's host namespace: {@code ip -n SPARE link add eth0 [mtu M] type veth peer name nkvX netns HOST}.
 * The attach that takes it only plugs the host end in ({@link io.netkit.netlink.Links#plug}: master, group, alias,
 * up in one request) instead of creating the pair and then setting the alias.
 *
 * <p>Safety: the waiting pair belongs to no network (group 0, no record: no netkit process takes it for an endpoint)
 * and lives only as long as the unnamed spare namespace, which only this process holds: if the process dies, the
 * kernel deletes the namespace and with it the pair. An intent ({@link Intents}) names the host end before the pair
 * is made, so the next process's recovery deletes a dead process's pair at once ({@link Reconcile}) instead of
 * waiting for the kernel; the attach that takes the pair turns that intent into its own (naming the namespace too,
 * one write), so a kill before the plug is undone by deleting both. A failed attach deletes the pair it took; deleting
 * the network deletes its waiting pair at once ({@link #discard}). Only for namespaces netkit creates, the default
 * interface name {@code eth0}, no fixed MAC and a generated host name; {@code -Dnetkit.veth.spare=false} turns it off
 * (then the spare namespace is made bare, as before).
 */
final class SpareVeths {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SpareVeths.class);
    }

    /** Whether {@code name} has the shape of a generated host name ({@link Attach#hostNames}), as pairs made ahead do. */
    static boolean generated(String name) {
        return name.startsWith(Network.HOST_VETH_PREFIX)
                && Names.isHex(name.substring(Network.HOST_VETH_PREFIX.length()), 8);
    }

    /** The interface name the spare's container end has. */
    static final String IFNAME = "eth0";

    /** Which attaches a spare serves: one network's (by id), at one MTU (0 = the kernel's default). */
    record Key(String networkId, int mtu) {
        // Written out: a record's generated equals and hashCode link through invokedynamic at their first call,
        // ~6 ms of a fresh JVM's first attach.
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.mtu == mtu && k.networkId.equals(networkId);
        }

        @Override
        public int hashCode() {
            return networkId.hashCode() * 31 + mtu;
        }
    }

    /**
     * The pair a spare carries: the host end's name, the container end's index in the spare namespace, and the
     * intent that names the host end while the pair waits (it becomes the attach's intent).
     */
    record Made(String hostIf, int peerIndex, Intents.Intent intent) {
    }

    /** Ids of networks this process deleted or is deleting (by any handle): no pair is made for them any more. */
    private static final Set<String> DELETING = ConcurrentHashMap.newKeySet();

    private SpareVeths() {
    }

    /** {@code -Dnetkit.veth.spare} (read at every attach: tests switch it). */
    static boolean enabled() {
        return !"false".equals(System.getProperty("netkit.veth.spare"));
    }

    /** The key of the spare {@code spec}'s attach can take, or null if it cannot take one with a pair. */
    static Key keyFor(Network net, EndpointSpec spec, int linkMtu) {
        if (!enabled() || spec.createName() == null || spec.hostInterface() != null || spec.mac() != null
                || !IFNAME.equals(spec.interfaceName())) {
            return null;
        }
        return new Key(net.id, linkMtu);
    }

    /**
     * The extra step of a spare for {@code key} (on its namespace's thread): creates {@code eth0} there with its peer,
     * under a fresh host name, in {@code net}'s host namespace, echoed (the container end's index comes back).
     */
    static Function<NetNamespace, Object> ahead(Network net, Key key) {
        return n -> {
            if (net.isDeleted() || DELETING.contains(net.id)) {   // a deletion's discard may have run before this
                throw new IllegalStateException("network " + net.name + " was deleted");
            }
            String hostIf = Attach.hostNames.get();
            LinkSpec pair = LinkSpec.veth(IFNAME, hostIf).peerNamespace(net.host.netns());
            if (key.mtu() > 0) {
                pair = pair.mtu(key.mtu()).peerMtu(key.mtu());
            }
            // Write-ahead: if this process dies, the next one's recovery deletes the host end at once (the kernel
            // would too, with the namespace, but only once it gets to clean that up).
            Intents.Intent intent = net.intents.begin(hostIf, null, 0);
            try {
                Link eth0 = n.netlink().links().create(pair);
                Faults.point("spare:pair-made");
                return new Made(hostIf, eth0.index(), intent);
            } catch (RuntimeException | Error e) {
                intent.end();
                throw e;
            }
        };
    }

    /**
     * Plugs the veth pair made ahead of time ({@link SpareVeths}) into the bridge: master, group, alias (the
     * record) and up in one request, then hairpin mode for a publishing endpoint. Returns the container end's index,
     * or 0 if the pair is gone (its host namespace was recreated, or someone deleted it): then the caller creates
     * one as usual, under the same host name. On any other failure the host end is deleted (with it the container
     * end) before the failure propagates.
     */
    static int plug(Network net, Made spare, int bridgeIndex, String alias, boolean hairpin, NetNamespace ns) {
        String hostIf = spare.hostIf();
        try {
            net.hostLinks().plug(hostIf, bridgeIndex, net.group, alias);
            if (hairpin) {
                net.hostLinks().setHairpin(hostIf, true);
            }
            return spare.peerIndex();
        } catch (LinkNotFoundException gone) {
            Log.LOG.debug("veth {} made ahead of time is gone; creating the pair", hostIf);
            try {
                ns.netlink().links().delete(IFNAME);   // normally went with its peer
            } catch (LinkNotFoundException alsoGone) {
                // as expected
            }
            return 0;
        } catch (RuntimeException e) {
            try {
                net.hostLinks().delete(hostIf);
            } catch (LinkNotFoundException alsoGone) {
                // nothing to remove
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** After an attach on {@code net} returned: the next namespace is made (when idle) with a pair for {@code key}. */
    static void attachEnded(Network net, Key key) {
        if (key == null) {
            Spares.attachEnded(() -> Attach.CONTAINERS.prepareNext());
        } else {
            Spares.attachEnded(() -> {
                if (!net.isDeleted() && !DELETING.contains(net.id)) {
                    Attach.CONTAINERS.prepareNext(key, ahead(net, key));
                }
            });
        }
    }

    /**
     * Network {@code net} is being deleted: no pair is made for it from now on, and its waiting pairs' host ends join
     * the network's link group, so that the teardown's group deletion takes them at once (a later {@code ip link} in
     * the host namespace shows none); their namespaces are discarded (which would take the pairs too, but only once
     * the kernel cleans them up). Returns the names of those host ends, for {@link #deleteLeft} when the teardown does
     * not run (another process deleted the network).
     */
    static List<String> discard(Network net) {
        DELETING.add(net.id);
        List<String> moved = new ArrayList<>();
        Attach.CONTAINERS.discard(k -> k instanceof Key key && key.networkId().equals(net.id), (ns, made) -> {
            if (made instanceof Made m) {
                try {
                    net.hostLinks().find(m.hostIf()).filter(SpareVeths::waiting)
                            .ifPresent(l -> net.hostLinks().setGroup(m.hostIf(), net.group));
                    moved.add(m.hostIf());
                    m.intent().end();   // in the group without a record, any recovery deletes it
                } catch (RuntimeException e) {
                    Log.LOG.debug("veth {} made ahead of time not moved to link group {}: {}", m.hostIf(), net.group,
                            e.toString());
                }
            }
        });
        return moved;
    }

    /** Deletes the host ends {@link #discard} moved, those still there (a teardown that did not run). */
    static void deleteLeft(Network net, List<String> moved) {
        for (String hostIf : moved) {
            try {
                net.hostLinks().find(hostIf).filter(l -> "veth".equals(l.kind()) && l.masterIndex() == 0
                        && l.group() == net.group && (l.alias() == null || l.alias().isEmpty()))
                        .ifPresent(l -> net.hostLinks().delete(hostIf));
            } catch (LinkNotFoundException gone) {
                // gone meanwhile
            } catch (RuntimeException e) {
                Log.LOG.debug("veth {} made ahead of time not deleted: {}", hostIf, e.toString());
            }
        }
    }

    /**
     * Deletes a waiting pair by its host end (its container end goes with it), if it is still there and not plugged:
     * after a kill between naming a spare and plugging its pair, the intent names it.
     */
    static void deleteHostEnd(Network net, String hostIf) {
        if (!generated(hostIf)) {
            return;   // never a pair made ahead (those have generated names): a link the user named is left alone
        }
        try {
            net.hostLinks().find(hostIf).filter(SpareVeths::waiting).ifPresent(l -> net.hostLinks().delete(hostIf));
        } catch (LinkNotFoundException gone) {
            // gone meanwhile
        } catch (RuntimeException e) {
            Log.LOG.debug("veth {} made ahead of time not deleted: {}", hostIf, e.toString());
        }
    }

    /** Whether {@code l} looks as a pair made ahead of time does before an attach plugs it: a veth in no group or bridge. */
    static boolean waiting(Link l) {
        return "veth".equals(l.kind()) && l.group() == 0 && l.masterIndex() == 0
                && (l.alias() == null || l.alias().isEmpty());
    }
}
