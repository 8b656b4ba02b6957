package io.netkit.netlink;

import static io.netkit.netlink.codec.NeighbourConstants.NDA_DST;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_IFINDEX;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_PORT;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_VNI;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_LLADDR;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_MASTER;
import static io.netkit.netlink.codec.NeighbourConstants.NDA_VLAN;
import static io.netkit.netlink.codec.NeighbourConstants.NTF_MASTER;
import static io.netkit.netlink.codec.NeighbourConstants.NTF_SELF;
import static io.netkit.netlink.codec.NeighbourConstants.NUD_PERMANENT;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_APPEND;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REPLACE;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_BRIDGE;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET6;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.NDMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWNEIGH;

import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Neighbour operations of one {@link RtNetlink} handle: the ARP/NDP table ({@code ip neigh}) and the bridge
 * forwarding database ({@code bridge fdb}), e.g. the static entries of a vxlan overlay.
 *
 * <pre>{@code
 * Neighbors n = host.netlink().neighbors();
 * n.add("br0", IpAddresses.parse("172.16.0.2"), MacAddress.parse("02:42:ac:10:00:02"));
 * n.addFdb("vx0", MacAddress.parse("00:00:00:00:00:00"), IpAddresses.parse("10.0.0.2"));   // flood to VTEP
 * }</pre>
 *
 * <p>Thread-safe. A missing link is a {@link LinkNotFoundException}.
 */
public final class Neighbors {
    private final RtNetlink rt;

    Neighbors(RtNetlink rt) {
        this.rt = rt;
    }

    /**
     * Watches this namespace's neighbors: a snapshot, then every change as an {@link RtEvent.NeighborEvent}, with a
     * {@link RtEvent.Resynced} after an overrun. Shorthand for {@code watch(WatchSpec.of(RtTopic.NEIGHBORS), listener)};
     * see {@link RtNetlink#watch(WatchSpec, RtListener)}. Equivalent to: {@code ip monitor neigh}.
     */
    public RtWatch watch(RtListener listener) {
        return rt.watch(WatchSpec.of(RtTopic.NEIGHBORS), listener);
    }

    /**
     * Adds a permanent ARP (IPv4) or NDP (IPv6) entry.
     * Equivalent to: {@code ip neigh add IP lladdr MAC dev LINK nud permanent}.
     *
     * @throws NetlinkException with {@code EEXIST} if an entry for {@code ip} exists
     */
    public void add(String link, InetAddress ip, MacAddress mac) {
        modify("add neighbor", link, ip, mac, NLM_F_CREATE | NLM_F_EXCL);
    }

    /** Adds or replaces a permanent entry. Equivalent to: {@code ip neigh replace IP lladdr MAC dev LINK nud permanent}. */
    public void replace(String link, InetAddress ip, MacAddress mac) {
        modify("replace neighbor", link, ip, mac, NLM_F_CREATE | NLM_F_REPLACE);
    }

    private void modify(String operation, String link, InetAddress ip, MacAddress mac, int flags) {
        Objects.requireNonNull(ip, "ip == null");
        Objects.requireNonNull(mac, "mac == null");
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        int family = IpAddresses.isIpv4(ip) ? AF_INET : AF_INET6;
        rt.socket().execute(operation, IpAddresses.format(ip) + " dev " + link, RTM_NEWNEIGH, flags, w -> {
            w.ndMsg(family, index, NUD_PERMANENT, 0, 0);
            w.attrBytes(NDA_DST, ip.getAddress());
            w.attrBytes(NDA_LLADDR, mac.bytes());
        });
    }

    /**
     * Deletes the entry for {@code ip}. Equivalent to: {@code ip neigh del IP dev LINK}.
     *
     * @throws NetlinkException with {@code ENOENT} if there is none
     */
    public void delete(String link, InetAddress ip) {
        Objects.requireNonNull(ip, "ip == null");
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        int family = IpAddresses.isIpv4(ip) ? AF_INET : AF_INET6;
        rt.socket().execute("delete neighbor", IpAddresses.format(ip) + " dev " + link, RTM_DELNEIGH, 0, w -> {
            w.ndMsg(family, index, 0, 0, 0);
            w.attrBytes(NDA_DST, ip.getAddress());
        });
    }

    /** All ARP and NDP entries of the namespace. Equivalent to: {@code ip neigh show}. */
    public List<Neighbor> list() {
        List<Neighbor> out = new ArrayList<>();
        for (Neighbor n : rt.socket().dump("list neighbors", RTM_GETNEIGH, w -> w.ndMsg(AF_UNSPEC, 0, 0, 0, 0),
                Neighbors::decode)) {
            if (n.family() == AF_INET || n.family() == AF_INET6) {
                out.add(n);
            }
        }
        return out;
    }

    /** The ARP and NDP entries of {@code link}. Equivalent to: {@code ip neigh show dev LINK}. */
    public List<Neighbor> list(String link) {
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        List<Neighbor> out = new ArrayList<>();
        for (Neighbor n : list()) {
            if (n.index() == index) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Adds a static entry to the FDB of the bridge that {@code link} is a port of (or, if {@code link} has no master,
     * to the device's own FDB). Equivalent to: {@code bridge fdb add MAC dev LINK master|self permanent}.
     */
    public void addFdb(String link, MacAddress mac) {
        Objects.requireNonNull(mac, "mac == null");
        Link l = rt.links().get(InterfaceNames.validateExisting(link));
        int flags = l.hasMaster() ? NTF_MASTER : NTF_SELF;
        fdb("add fdb entry", mac + " dev " + link, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, l.index(), flags, mac, null);
    }

    /**
     * Adds a forwarding entry to a vxlan device's own FDB: frames for {@code mac} go to the VTEP {@code remote}.
     * With {@code 00:00:00:00:00:00} it adds {@code remote} to the flood list (entries are appended, so several
     * remotes can share one MAC). Equivalent to: {@code bridge fdb append MAC dev LINK dst REMOTE self permanent}.
     */
    public void addFdb(String link, MacAddress mac, InetAddress remote) {
        Objects.requireNonNull(mac, "mac == null");
        Objects.requireNonNull(remote, "remote == null");
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        fdb("add fdb entry", mac + " dst " + IpAddresses.format(remote) + " dev " + link, RTM_NEWNEIGH,
                NLM_F_CREATE | NLM_F_APPEND, index, NTF_SELF, mac, remote);
    }

    /** Deletes an FDB entry added by {@link #addFdb(String, MacAddress)}. Equivalent to: {@code bridge fdb del MAC dev LINK master|self}. */
    public void deleteFdb(String link, MacAddress mac) {
        Objects.requireNonNull(mac, "mac == null");
        Link l = rt.links().get(InterfaceNames.validateExisting(link));
        int flags = l.hasMaster() ? NTF_MASTER : NTF_SELF;
        fdb("delete fdb entry", mac + " dev " + link, RTM_DELNEIGH, 0, l.index(), flags, mac, null);
    }

    /** Deletes a vxlan FDB entry. Equivalent to: {@code bridge fdb del MAC dev LINK dst REMOTE self}. */
    public void deleteFdb(String link, MacAddress mac, InetAddress remote) {
        Objects.requireNonNull(mac, "mac == null");
        Objects.requireNonNull(remote, "remote == null");
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        fdb("delete fdb entry", mac + " dst " + IpAddresses.format(remote) + " dev " + link, RTM_DELNEIGH, 0, index,
                NTF_SELF, mac, remote);
    }

    private void fdb(String operation, String target, int type, int flags, int index, int ntf, MacAddress mac,
                     InetAddress remote) {
        rt.socket().execute(operation, target, type, flags, w -> {
            w.ndMsg(AF_BRIDGE, index, NUD_PERMANENT, ntf, 0);
            w.attrBytes(NDA_LLADDR, mac.bytes());
            if (remote != null) {
                w.attrBytes(NDA_DST, remote.getAddress());
            }
        });
    }

    /** The whole bridge forwarding database of the namespace. Equivalent to: {@code bridge fdb show}. */
    public List<Neighbor> listFdb() {
        return rt.socket().dump("list fdb", RTM_GETNEIGH, w -> w.ndMsg(AF_BRIDGE, 0, 0, 0, 0), Neighbors::decode);
    }

    /** The FDB entries of {@code link} (a bridge port or vxlan device). Equivalent to: {@code bridge fdb show dev LINK}. */
    public List<Neighbor> listFdb(String link) {
        int index = rt.links().get(InterfaceNames.validateExisting(link)).index();
        List<Neighbor> out = new ArrayList<>();
        for (Neighbor n : listFdb()) {
            if (n.index() == index) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Decodes the {@code RTM_NEWNEIGH} message {@code m} is positioned on; null for other messages.
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if it is malformed
     */
    public static Neighbor decode(NlMsgReader m) {
        if (m.type() != RTM_NEWNEIGH) {
            return null;
        }
        int family = m.u8(0);
        int index = m.s32(4);
        int state = m.u16(8);
        int flags = m.u8(10);
        InetAddress dst = null;
        MacAddress mac = null;
        int vlan = 0;
        int master = 0;
        int port = 0;
        int vni = -1;
        int via = 0;
        NlAttrReader a = m.attributes(NDMSG_LEN);
        while (a.next()) {
            switch (a.type()) {
                case NDA_DST:
                    if (a.payloadLength() == 4 || a.payloadLength() == 16) {
                        dst = IpAddresses.of(a.bytes());
                    }
                    break;
                case NDA_LLADDR:
                    if (a.payloadLength() == 6) {
                        mac = MacAddress.of(a.bytes());
                    }
                    break;
                case NDA_VLAN:
                    vlan = a.u16();
                    break;
                case NDA_MASTER:
                    master = a.u32();
                    break;
                case NDA_PORT:
                    port = a.be16();
                    break;
                case NDA_VNI:
                    vni = a.u32();
                    break;
                case NDA_IFINDEX:
                    via = a.u32();
                    break;
                default:
                    break;
            }
        }
        return new Neighbor(index, family, dst, mac, state, flags, vlan, master, port, vni, via);
    }
}
