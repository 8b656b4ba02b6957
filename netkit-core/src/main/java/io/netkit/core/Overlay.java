package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Address;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtNetlink;
import java.net.InetAddress;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One host's part of a VXLAN overlay: containers on different hosts in one flat network, as flannel's VXLAN
 * backend builds it. The host owns one subnet of the cluster CIDR, on a netkit {@link Network} bridge as usual; one
 * VXLAN device (learning off) carries the traffic to other hosts, and each remote host is three kernel entries on it.
 * A control plane (netkit-cluster over etcd, or the caller's own) tells every host about the others with
 * {@link #addPeer} and {@link #removePeer}; nothing here needs a store.
 *
 * <pre>{@code
 * try (Overlay ov = Overlay.vxlan("nkvx0").on(host).vni(1).underlay("192.168.50.1")
 *         .cidr("10.244.0.0/16").subnet("10.244.1.0/24").bridge("nkov0").create()) {
 *     ov.mtu();                    // 1450: the underlay link's 1500 - 50 (IPv4 + UDP + VXLAN + inner Ethernet)
 *     ov.addPeer(OverlayPeer.of("10.244.2.0/24", "192.168.50.2", "0a:58:0a:f4:02:00"));
 *     Endpoint c1 = ov.attach("c1");   // 10.244.1.2, reaches 10.244.2.x with its own source address
 * }
 * }</pre>
 *
 * <p>In {@code ip} terms:
 * <pre>
 * (Network.bridge("nkov0").subnet("10.244.1.0/24").mtu(1450).masqueradeExcept("10.244.0.0/16"))
 * iptables -t nat -A POSTROUTING -s 10.244.1.0/24 ! -d 10.244.0.0/16 ! -o nkov0 -j MASQUERADE   # ipMasq
 * ip link add nkvx0 type vxlan id 1 dstport 4789 local 192.168.50.1 dev eth0 nolearning
 * ip link set nkvx0 mtu 1450 address MAC up; ip addr add 10.244.1.0/32 dev nkvx0
 * # per remote host (addPeer)
 * ip neigh replace 10.244.2.0 lladdr 0a:58:0a:f4:02:00 dev nkvx0 nud permanent
 * bridge fdb append 0a:58:0a:f4:02:00 dev nkvx0 dst 192.168.50.2 self permanent
 * ip route replace 10.244.2.0/24 via 10.244.2.0 dev nkvx0 onlink
 * </pre>
 *
 * <p>The kernel is the source of truth: the device carries a netkit record in its alias, {@link #peers()} reads
 * the routes, neighbours and FDB entries back, and {@link Builder#create()} adopts the device and bridge an earlier
 * process left (same settings), keeping the VTEP MAC the other hosts know, and finishes a create or close that was
 * killed at any step (or undoes it first, for other settings) from the record ahead it wrote. Thread-safe.
 */
public final class Overlay implements AutoCloseable {
    /** IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14): what an IPv4 underlay takes from the MTU. */
    public static final int IPV4_OVERHEAD = 50;
    /** The IANA VXLAN port, the default. */
    public static final int DEFAULT_PORT = 4789;

    private static final String K_KIND = "overlay";
    private static final String K_VNI = "vni";
    private static final String K_PORT = "port";
    private static final String K_LOCAL = "local";
    private static final String K_CIDR = "cidr";
    private static final String K_SUBNET = "subnet";
    private static final String K_BRIDGE = "bridge";

    private final Host host;
    private final String device;
    private final int vni;
    private final int port;
    private final InetAddress underlay;
    private final IpPrefix cidr;
    private final IpPrefix subnet;
    private final int mtu;
    private final MacAddress vtepMac;
    private final Network network;
    private final boolean adopted;
    private final OverlayPeers peerEntries;
    private volatile boolean closed;

    Overlay(Host host, String device, int vni, int port, InetAddress underlay, IpPrefix cidr, IpPrefix subnet,
                    int mtu, MacAddress vtepMac, Network network, boolean adopted) {
        this.host = host;
        this.device = device;
        this.vni = vni;
        this.port = port;
        this.underlay = underlay;
        this.cidr = cidr;
        this.subnet = subnet;
        this.mtu = mtu;
        this.vtepMac = vtepMac;
        this.network = network;
        this.adopted = adopted;
        this.peerEntries = new OverlayPeers(host, device);
    }

    /**
     * Starts describing the overlay whose VXLAN device is called {@code device} (1..15 bytes).
     * Equivalent to {@code ip link add DEVICE type vxlan ...} once {@link Builder#create()} runs.
     */
    public static Builder vxlan(String device) {
        return new Builder(io.netkit.netlink.InterfaceNames.validate(device));
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The host (namespace) the overlay's device and bridge live in. */
    public Host host() {
        return host;
    }

    /** The VXLAN device's name. */
    public String device() {
        return device;
    }

    /** The VXLAN network identifier ({@code id}). */
    public int vni() {
        return vni;
    }

    /** The UDP port VXLAN packets are sent to and received on ({@code dstport}). */
    public int port() {
        return port;
    }

    /** This host's underlay address ({@code local}): where the other hosts send its VXLAN packets. */
    public InetAddress underlay() {
        return underlay;
    }

    /** The cluster CIDR all hosts' subnets are part of; traffic within it is not masqueraded. */
    public IpPrefix cidr() {
        return cidr;
    }

    /** This host's container subnet (on {@link #network()}'s bridge). */
    public IpPrefix subnet() {
        return subnet;
    }

    /** The MTU of the VXLAN device, the bridge and the containers' links: the underlay link's MTU minus 50. */
    public int mtu() {
        return mtu;
    }

    /** The VXLAN device's MAC address, which the other hosts put in their neighbour and FDB entries. */
    public MacAddress vtepMac() {
        return vtepMac;
    }

    /** This host as the others must see it: what a control plane publishes for {@link #addPeer} elsewhere. */
    public OverlayPeer self() {
        return new OverlayPeer(subnet, underlay, vtepMac);
    }

    /** The host's container network (the bridge with this host's subnet). */
    public Network network() {
        return network;
    }

    /** Whether {@link Builder#create()} found this overlay's device and bridge in place (an earlier process made them). */
    public boolean adopted() {
        return adopted;
    }

    /** Attaches a container to this host's subnet; see {@link Network#attach(String)}. */
    public Endpoint attach(String namespace) {
        return network.attach(namespace);
    }

    /** Attaches a container as {@code spec} says; see {@link Network#attach(EndpointSpec)}. */
    public Endpoint attach(EndpointSpec spec) {
        return network.attach(spec);
    }

    // ------------------------------------------------------------------------------------------------ peers

    /**
     * Programs the way to remote host {@code peer}, or brings it up to date (a new underlay address or VTEP MAC);
     * calling it again with the same peer changes nothing. Equivalent to:
     * <pre>
     * ip neigh replace VTEP lladdr MAC dev DEVICE nud permanent
     * bridge fdb append MAC dev DEVICE dst UNDERLAY self permanent     (stale entries of the peer deleted)
     * ip route replace SUBNET via VTEP dev DEVICE onlink
     * </pre>
     *
     * @throws IllegalArgumentException if the peer's subnet is outside the cluster CIDR, overlaps this host's, or its
     *     underlay address is this host's own
     */
    public synchronized void addPeer(OverlayPeer peer) {
        Objects.requireNonNull(peer, "peer == null");
        String op = "add overlay peer " + peer + " on " + device;
        checkOpen(op);
        checkPeer(op, peer);
        peerEntries.add(op, peer);
    }

    /**
     * Removes everything {@link #addPeer} made for the host owning {@code subnet}: its route, neighbour entry and
     * FDB entries. Removing a peer that is not there changes nothing. Equivalent to:
     * {@code ip route del SUBNET dev DEVICE; ip neigh del VTEP dev DEVICE; bridge fdb del MAC dev DEVICE dst UNDERLAY self}.
     *
     * @return whether there was anything to remove
     */
    public synchronized boolean removePeer(IpPrefix subnet) {
        Objects.requireNonNull(subnet, "subnet == null");
        String op = "remove overlay peer " + subnet + " from " + device;
        checkOpen(op);
        return peerEntries.remove(op, subnet);
    }

    /** As {@link #removePeer(IpPrefix)} for {@code peer}'s subnet. */
    public boolean removePeer(OverlayPeer peer) {
        return removePeer(Objects.requireNonNull(peer, "peer == null").subnet());
    }

    /**
     * Makes the remote hosts exactly {@code peers}: adds or updates each, removes every other one this device has
     * (a control plane's resync after it lost track, e.g. after a reconnect to its store).
     */
    public synchronized void sync(Collection<OverlayPeer> peers) {
        Objects.requireNonNull(peers, "peers == null");
        Set<IpPrefix> wanted = peers.stream().map(OverlayPeer::subnet).collect(Collectors.toSet());
        for (OverlayPeer p : peers()) {
            if (!wanted.contains(p.subnet())) {
                removePeer(p.subnet());
            }
        }
        for (IpPrefix stale : peerEntries.routedSubnets()) {
            if (!wanted.contains(stale)) {
                removePeer(stale);
            }
        }
        for (OverlayPeer p : peers) {
            addPeer(p);
        }
    }

    /**
     * The remote hosts as the kernel has them on the device: for every route {@code SUBNET via VTEP dev DEVICE},
     * the neighbour entry of {@code VTEP} and the FDB entry of its MAC ({@code ip route}, {@code ip neigh},
     * {@code bridge fdb} of the device). A peer whose entries are incomplete is left out. Sorted by subnet.
     */
    public List<OverlayPeer> peers() {
        return peerEntries.list();
    }

    private void checkPeer(String op, OverlayPeer peer) {
        IpPrefix s = peer.subnet();
        if (s.prefixLength() < cidr.prefixLength() || !cidr.contains(s.address())) {
            throw new IllegalArgumentException(op + ": subnet " + s + " is outside the cluster CIDR " + cidr);
        }
        if (s.contains(subnet.address()) || subnet.contains(s.address())) {
            throw new IllegalArgumentException(op + ": subnet " + s + " overlaps this host's own subnet " + subnet);
        }
        if (peer.underlay().equals(underlay)) {
            throw new IllegalArgumentException(op + ": underlay address " + IpAddresses.format(underlay)
                    + " is this host's own");
        }
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the overlay is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ close

    /**
     * Removes this host's part of the overlay: the VXLAN device (its routes, neighbour and FDB entries go with it),
     * then the network ({@link Network#close()}: containers, bridge, rules). Idempotent. Equivalent to
     * {@code ip link del DEVICE} and the network's teardown.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        // Recorded ahead: a close killed at any step is finished by the next create of this overlay (or undone by one
        // with other settings) instead of leaving a network no overlay names.
        try (OverlayIntent intent = OverlayIntent.acquire(host, device)) {
            try {
                Optional<Link> l = host.netns().netlink().links().find(device);
                intent.write(new OverlayIntent.Ahead(record(), l.map(Link::group).orElse(0)));
                Faults.point("overlay:close-recorded-ahead");
                if (l.isPresent()) {
                    host.netns().netlink().links().delete(device);
                }
                Faults.point("overlay:close-device-deleted");
            } catch (RuntimeException e) {
                failure = e;
            }
            try {
                network.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure == null) {
                intent.remove();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            throw new NetkitException("close overlay " + device + " on " + host, "remove device and network", failure);
        }
    }

    /** The record netkit keeps on the device (its alias). */
    private Map<String, String> record() {
        return record(vni, port, underlay, cidr, subnet, network.name());
    }

    static Map<String, String> record(int vni, int port, InetAddress underlay, IpPrefix cidr, IpPrefix subnet, String br) {
        Map<String, String> rec = new LinkedHashMap<>();
        rec.put(K_KIND, "vxlan");
        rec.put(K_VNI, Integer.toString(vni));
        rec.put(K_PORT, Integer.toString(port));
        rec.put(K_LOCAL, IpAddresses.format(underlay));
        rec.put(K_CIDR, cidr.toString());
        rec.put(K_SUBNET, subnet.toString());
        rec.put(K_BRIDGE, br);
        return rec;
    }

    @Override
    public String toString() {
        return "Overlay[" + device + " vni " + vni + " " + subnet + " of " + cidr + " at " + IpAddresses.format(underlay)
                + " mtu " + mtu + "]";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Describes one host's overlay before {@link #create()}: {@link #underlay}, {@link #cidr} and {@link #subnet} are
     * required.
     */
    public static final class Builder {
        private final String device;
        private Host host = Host.current();
        private int vni = 1;
        private int port = DEFAULT_PORT;
        private InetAddress underlay;
        private IpPrefix cidr;
        private IpPrefix subnet;
        private String bridge;
        private MacAddress vtepMac;
        private boolean masquerade = true;

        private Builder(String device) {
            this.device = device;
        }

        /** The host (namespace) to build on; {@link Host#current()} by default. */
        public Builder on(Host host) {
            this.host = Objects.requireNonNull(host, "host == null");
            return this;
        }

        /** The VXLAN network identifier, 0..16777215 (default 1, as flannel). Equivalent to {@code ... id VNI}. */
        public Builder vni(int vni) {
            if (vni < 0 || vni > 0xffffff) {
                throw new IllegalArgumentException("vni " + vni + " out of range: expected 0..16777215");
            }
            this.vni = vni;
            return this;
        }

        /** The UDP port (default 4789; flannel uses the kernel's 8472). Equivalent to {@code ... dstport PORT}. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " out of range: expected 1..65535");
            }
            this.port = port;
            return this;
        }

        /**
         * This host's underlay address, which a link of the host must hold (its MTU sets the overlay's).
         * Equivalent to {@code ... local ADDRESS dev LINK}.
         */
        public Builder underlay(String address) {
            return underlay(IpAddresses.parse(Objects.requireNonNull(address, "underlay == null")));
        }

        /** See {@link #underlay(String)}. */
        public Builder underlay(InetAddress address) {
            Objects.requireNonNull(address, "underlay == null");
            if (!(address instanceof java.net.Inet4Address)) {
                throw new IllegalArgumentException("underlay address " + IpAddresses.format(address)
                        + ": only an IPv4 underlay is supported so far");
            }
            this.underlay = address;
            return this;
        }

        /** The cluster CIDR, e.g. "10.244.0.0/16": every host's subnet lies in it. */
        public Builder cidr(String cidr) {
            this.cidr = prefix("cluster CIDR", cidr, "10.244.0.0/16");
            return this;
        }

        /** This host's container subnet inside the cluster CIDR, e.g. "10.244.1.0/24". */
        public Builder subnet(String subnet) {
            this.subnet = prefix("subnet", subnet, "10.244.1.0/24");
            return this;
        }

        /** See {@link #subnet(String)}. */
        public Builder subnet(IpPrefix subnet) {
            return subnet(Objects.requireNonNull(subnet, "subnet == null").toString());
        }

        /** The name of the host's container bridge (default: the device's name with "br" in front, cut to 15 bytes). */
        public Builder bridge(String name) {
            this.bridge = io.netkit.netlink.InterfaceNames.validate(name);
            return this;
        }

        /** The VXLAN device's MAC (default: the adopted device's, or a random locally administered one). */
        public Builder vtepMac(MacAddress mac) {
            this.vtepMac = Objects.requireNonNull(mac, "vtepMac == null");
            return this;
        }

        /**
         * Whether containers' traffic leaving the cluster CIDR is masqueraded behind the host's address (default
         * true, flannel's {@code ipMasq}); traffic between containers of the overlay keeps its source address either
         * way. Without it, only {@code net.ipv4.ip_forward=1} is set.
         */
        public Builder masquerade(boolean masquerade) {
            this.masquerade = masquerade;
            return this;
        }

        private static IpPrefix prefix(String what, String text, String example) {
            Objects.requireNonNull(text, what + " == null");
            IpPrefix p;
            try {
                p = IpPrefix.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid " + what + " \"" + text + "\": expected an IPv4 CIDR like "
                        + example + " (" + e.getMessage() + ")", e);
            }
            if (!p.isIpv4() || !p.network().equals(p)) {
                throw new IllegalArgumentException("invalid " + what + " \"" + text + "\": expected an IPv4 CIDR with "
                        + "zero host bits, like " + example);
            }
            return p;
        }

        /**
         * Builds this host's overlay, or adopts the one an earlier process left with the same settings: the network
         * (bridge, subnet, masquerade except the cluster CIDR), the VXLAN device with the VTEP address
         * (the subnet's network address /32) on it. All or nothing; a create or close of this device killed at any step
         * is finished here (or, if its settings differ, undone first).
         *
         * @throws IllegalArgumentException for a missing or inconsistent setting, an underlay address no link of the
         *     host holds, or a device of that name with other settings
         * @throws NetkitException naming the failed step
         */
        public Overlay create() {
            return new OverlayCreation(device, host, vni, port, underlay, cidr, subnet, bridge, vtepMac, masquerade)
                    .create();
        }
    }
}
