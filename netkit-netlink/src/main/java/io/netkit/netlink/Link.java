package io.netkit.netlink;

import java.util.Objects;
import java.util.Optional;

/**
 * A network interface as the kernel reports it ({@code RTM_NEWLINK}): what {@code ip -d link show} prints.
 * Values are snapshots; read again for fresh state.
 *
 * <pre>{@code
 * Link l = ns.netlink().links().get("veth1");
 * l.name(); l.kind(); l.mtu(); l.mac(); l.isUp();   // "veth1", "veth", 1500, 02:..., true
 * }</pre>
 *
 * @param index the interface index ({@code ifi_index})
 * @param name {@code IFLA_IFNAME}
 * @param kind {@code IFLA_INFO_KIND} ("veth", "bridge", "vxlan", "macvlan", "tun", ...), or null for links
 *     without one (loopback, physical NICs)
 * @param flags {@code ifi_flags}: {@code IFF_UP} (1), {@code IFF_BROADCAST} (2), {@code IFF_LOOPBACK} (8),
 *     {@code IFF_RUNNING} (0x40), {@code IFF_PROMISC} (0x100), {@code IFF_MULTICAST} (0x1000),
 *     {@code IFF_LOWER_UP} (0x10000), ...
 * @param mtu {@code IFLA_MTU}
 * @param mac {@code IFLA_ADDRESS} when it is a 6-byte Ethernet address, else null (tun, ip tunnels)
 * @param masterIndex {@code IFLA_MASTER} (the bridge this link is a port of), 0 for none
 * @param alias {@code IFLA_IFALIAS}, or null when none is set
 * @param group {@code IFLA_GROUP} (0 is the default group)
 * @param linkNetnsId {@code IFLA_LINK_NETNSID}: the namespace id (as seen from the reporting namespace) where
 *     the link's peer or parent lives, -1 for none
 * @param linkIndex {@code IFLA_LINK}: the peer (veth) or parent (macvlan) index, 0 for none; a vxlan device's
 *     underlay device is {@link VxlanInfo#deviceIndex()} ({@code IFLA_VXLAN_LINK}), not this
 * @param operState {@code IFLA_OPERSTATE}
 * @param txQueueLen {@code IFLA_TXQLEN}
 * @param type {@code ifi_type}, an {@code ARPHRD_*} value: 1 Ethernet, 772 loopback, 65534 none (tun)
 * @param unknown every attribute not decoded into a field above, raw; {@code IFLA_LINKINFO} is kept here too
 *     when it carries more than {@link #info()} holds (bridge-port data, settings of kinds netkit does not type)
 * @param info the kind-specific settings ({@code IFLA_INFO_DATA}) of the kinds netkit types (vxlan, macvlan,
 *     macvtap, tun, bridge), or null; read them through {@link #vxlan()}, {@link #macvlan()}, {@link #tun()},
 *     {@link #bridge()}
 */
public record Link(int index, String name, String kind, int flags, int mtu, MacAddress mac, int masterIndex,
                   String alias, int group, int linkNetnsId, int linkIndex, OperState operState,
                   int txQueueLen, int type, RawAttributes unknown, LinkInfo info) {
    /** {@code IFF_UP} from {@code include/uapi/linux/if.h}. */
    public static final int IFF_UP = 0x1;
    /** {@code IFF_BROADCAST}. */
    public static final int IFF_BROADCAST = 0x2;
    /** {@code IFF_LOOPBACK}. */
    public static final int IFF_LOOPBACK = 0x8;
    /** {@code IFF_POINTOPOINT}. */
    public static final int IFF_POINTOPOINT = 0x10;
    /** {@code IFF_NOARP}. */
    public static final int IFF_NOARP = 0x80;
    /** {@code IFF_RUNNING}. */
    public static final int IFF_RUNNING = 0x40;
    /** {@code IFF_PROMISC}. */
    public static final int IFF_PROMISC = 0x100;
    /** {@code IFF_MULTICAST}. */
    public static final int IFF_MULTICAST = 0x1000;
    /** {@code IFF_LOWER_UP}. */
    public static final int IFF_LOWER_UP = 0x10000;

    /** Checks the non-null components. */
    public Link {
        Objects.requireNonNull(name, "name == null");
        Objects.requireNonNull(operState, "operState == null");
        Objects.requireNonNull(unknown, "unknown == null");
    }

    /** A link without kind-specific settings ({@code info} null). */
    public Link(int index, String name, String kind, int flags, int mtu, MacAddress mac, int masterIndex, String alias,
                int group, int linkNetnsId, int linkIndex, OperState operState, int txQueueLen, int type,
                RawAttributes unknown) {
        this(index, name, kind, flags, mtu, mac, masterIndex, alias, group, linkNetnsId, linkIndex, operState,
                txQueueLen, type, unknown, null);
    }

    /** The vxlan settings (id, remote, local, device, port, ...) when this is a vxlan device. */
    public Optional<VxlanInfo> vxlan() {
        return info instanceof VxlanInfo v ? Optional.of(v) : Optional.empty();
    }

    /** The macvlan/macvtap settings (mode) when this is such a device. */
    public Optional<MacvlanInfo> macvlan() {
        return info instanceof MacvlanInfo m ? Optional.of(m) : Optional.empty();
    }

    /** The tun/tap settings (type, owner, persist, ...) when this is a tun or tap device. */
    public Optional<TunInfo> tun() {
        return info instanceof TunInfo t ? Optional.of(t) : Optional.empty();
    }

    /** The bridge settings (STP, forward delay, ageing, VLAN filtering, ...) when this is a bridge. */
    public Optional<BridgeInfo> bridge() {
        return info instanceof BridgeInfo b ? Optional.of(b) : Optional.empty();
    }

    /** True when administratively up ({@code IFF_UP}), as {@code ip link set NAME up} makes it. */
    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }

    /** True when the carrier is on ({@code IFF_LOWER_UP}). */
    public boolean isLowerUp() {
        return (flags & IFF_LOWER_UP) != 0;
    }

    /** True if this link is a port of a master (bridge). */
    public boolean hasMaster() {
        return masterIndex != 0;
    }
}
