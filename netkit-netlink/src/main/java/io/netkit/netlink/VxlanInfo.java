package io.netkit.netlink;

import java.net.InetAddress;

/**
 * The settings of a vxlan device, as {@code ip -d link show DEV} prints them
 * ({@code vxlan id 42 remote 10.0.0.2 local 10.0.0.1 dev eth0 dstport 4789 ttl 5 ageing 300 ...}).
 *
 * @param id {@code IFLA_VXLAN_ID}: the VNI
 * @param remote {@code IFLA_VXLAN_GROUP}/{@code IFLA_VXLAN_GROUP6}: the remote VTEP ({@code remote}) or, when it
 *     is a multicast address, the group ({@code group}); null when none (FDB-driven overlays)
 * @param local {@code IFLA_VXLAN_LOCAL}/{@code IFLA_VXLAN_LOCAL6}: the source address, null when unset
 * @param deviceIndex {@code IFLA_VXLAN_LINK}: the underlay device ({@code dev NAME}), 0 for none
 * @param port {@code IFLA_VXLAN_PORT}: the destination UDP port ({@code dstport}), 0 when the kernel did not say
 * @param portLow {@code IFLA_VXLAN_PORT_RANGE} low end of the source port range, 0 for the kernel's default
 * @param portHigh {@code IFLA_VXLAN_PORT_RANGE} high end, 0 for the kernel's default
 * @param ttl {@code IFLA_VXLAN_TTL}, 0 for inherit/auto
 * @param tos {@code IFLA_VXLAN_TOS}, 1 for inherit
 * @param learning {@code IFLA_VXLAN_LEARNING}: source addresses are learned into the FDB ({@code [no]learning})
 * @param ageing {@code IFLA_VXLAN_AGEING}: FDB entry lifetime in seconds
 * @param limit {@code IFLA_VXLAN_LIMIT}: maximum FDB entries, 0 for unlimited
 * @param proxy {@code IFLA_VXLAN_PROXY}: ARP proxy
 * @param l2miss {@code IFLA_VXLAN_L2MISS}
 * @param l3miss {@code IFLA_VXLAN_L3MISS}
 * @param udpChecksum {@code IFLA_VXLAN_UDP_CSUM} (IPv4 underlay)
 * @param collectMetadata {@code IFLA_VXLAN_COLLECT_METADATA} ({@code external})
 */
public record VxlanInfo(int id, InetAddress remote, InetAddress local, int deviceIndex, int port, int portLow,
                        int portHigh, int ttl, int tos, boolean learning, int ageing, int limit, boolean proxy,
                        boolean l2miss, boolean l3miss, boolean udpChecksum, boolean collectMetadata)
        implements LinkInfo {
    /** "vxlan". */
    @Override
    public String kind() {
        return "vxlan";
    }

    /** True when {@link #remote()} is a multicast group ({@code group} rather than {@code remote}). */
    public boolean isGroup() {
        return remote != null && remote.isMulticastAddress();
    }
}
