package io.netkit.netlink;

import java.net.InetAddress;

/**
 * A neighbour table entry ({@code RTM_NEWNEIGH}): an ARP/NDP entry ({@code ip neigh show}) or, with family
 * {@code AF_BRIDGE} (7), a forwarding database entry ({@code bridge fdb show}).
 *
 * @param index the interface index ({@code ndm_ifindex})
 * @param family {@code AF_INET} (2), {@code AF_INET6} (10) or {@code AF_BRIDGE} (7)
 * @param address {@code NDA_DST}: the IP address of an ARP/NDP entry, the remote VTEP of a vxlan FDB entry,
 *     or null (plain bridge FDB entries)
 * @param mac {@code NDA_LLADDR}, or null (incomplete entries)
 * @param state {@code ndm_state}: {@code NUD_PERMANENT} (0x80), {@code NUD_REACHABLE} (0x02),
 *     {@code NUD_STALE} (0x04), {@code NUD_NOARP} (0x40), ...
 * @param flags {@code ndm_flags}: {@code NTF_SELF} (0x02), {@code NTF_MASTER} (0x04), ...
 * @param vlan {@code NDA_VLAN}, 0 for none
 * @param masterIndex {@code NDA_MASTER} (the bridge of an FDB entry), 0 for none
 * @param port {@code NDA_PORT}: the UDP port of a vxlan FDB entry's remote VTEP ({@code port}), 0 for the
 *     device's own port
 * @param vni {@code NDA_VNI}: the VNI of a vxlan FDB entry ({@code vni}), -1 for the device's own VNI
 * @param viaIndex {@code NDA_IFINDEX}: the interface a vxlan FDB entry's remote is reached through
 *     ({@code via DEV}, {@code viaIf} in {@code bridge -j fdb}), 0 for none
 */
public record Neighbor(int index, int family, InetAddress address, MacAddress mac, int state, int flags, int vlan,
                       int masterIndex, int port, int vni, int viaIndex) {
    /** {@code NUD_INCOMPLETE} from {@code include/uapi/linux/neighbour.h}. */
    public static final int NUD_INCOMPLETE = 0x01;
    /** {@code NUD_REACHABLE}. */
    public static final int NUD_REACHABLE = 0x02;
    /** {@code NUD_STALE}. */
    public static final int NUD_STALE = 0x04;
    /** {@code NUD_NOARP}. */
    public static final int NUD_NOARP = 0x40;
    /** {@code NUD_PERMANENT}. */
    public static final int NUD_PERMANENT = 0x80;
    /** {@code NTF_SELF}: the entry lives in the device itself (vxlan FDB). */
    public static final int NTF_SELF = 0x02;
    /** {@code NTF_MASTER}: the entry lives in the master bridge's FDB. */
    public static final int NTF_MASTER = 0x04;
    /** {@code AF_BRIDGE}. */
    public static final int AF_BRIDGE = 7;

    /** An entry without vxlan details (no port, VNI or via-interface). */
    public Neighbor(int index, int family, InetAddress address, MacAddress mac, int state, int flags, int vlan,
                    int masterIndex) {
        this(index, family, address, mac, state, flags, vlan, masterIndex, 0, -1, 0);
    }

    /** True for a bridge FDB entry. */
    public boolean isFdb() {
        return family == AF_BRIDGE;
    }
}
