package io.netkit.netlink;

import java.net.InetAddress;

/**
 * One next hop of a multipath route ({@code RTA_MULTIPATH}, a {@code struct rtnexthop} each): one
 * {@code nexthop via GW dev DEV weight W} of {@code ip route add DEST nexthop ... nexthop ...}.
 *
 * @param gateway {@code RTA_GATEWAY} inside the next hop, or null for a device-only hop
 * @param outputIndex {@code rtnh_ifindex}, the output interface
 * @param weight the weight, 1..256 ({@code rtnh_hops + 1})
 * @param flags {@code rtnh_flags}: {@code RTNH_F_DEAD} (1), {@code RTNH_F_PERVASIVE} (2), {@code RTNH_F_ONLINK}
 *     (4), {@code RTNH_F_LINKDOWN} (16), ...
 */
public record NextHop(InetAddress gateway, int outputIndex, int weight, int flags) {
    /** Checks the weight. */
    public NextHop {
        if (weight < 1 || weight > 256) {
            throw new IllegalArgumentException("next hop weight out of range: " + weight + " (expected 1..256)");
        }
    }
}
