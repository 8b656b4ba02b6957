package io.netkit.netlink;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * A route as the kernel reports it ({@code RTM_NEWROUTE}): one line of {@code ip route show table all}.
 *
 * <pre>{@code
 * ns.netlink().routes().list();   // [Route[family=2, destination=0.0.0.0/0, gateway=/172.16.0.1, ...], ...]
 * }</pre>
 *
 * @param family {@code AF_INET} (2) or {@code AF_INET6} (10)
 * @param destination {@code RTA_DST}/{@code rtm_dst_len}; {@code 0.0.0.0/0} or {@code ::/0} for a default route
 * @param gateway {@code RTA_GATEWAY}, or null for a device (link-scope) route
 * @param outputIndex {@code RTA_OIF}, 0 for none
 * @param table {@code RTA_TABLE} (254 main, 255 local, 253 default)
 * @param protocol {@code rtm_protocol}: 2 kernel, 3 boot (what {@code ip route add} uses), 4 static
 * @param scope {@code rtm_scope}: 0 universe, 253 link, 254 host
 * @param type {@code rtm_type}: 1 unicast, 2 local, 3 broadcast, 6 blackhole, 7 unreachable, 8 prohibit
 * @param priority {@code RTA_PRIORITY} (the metric) as the kernel's unsigned 32 bits, 0 when unset; metrics above
 *     2^31-1 read negative here, {@link #metric()} gives the unsigned value, and {@link RouteSpec#metric(int)}
 *     takes either back
 * @param preferredSource {@code RTA_PREFSRC}, or null
 * @param tos {@code rtm_tos} ({@code tos}/{@code dsfield}), 0 for any
 * @param flags {@code rtm_flags}: {@code RTNH_F_ONLINK} (4), {@code RTNH_F_LINKDOWN} (16), {@code RTM_F_OFFLOAD}
 *     (0x4000), ...
 * @param pref {@code RTA_PREF} (IPv6 router preference): 0 medium, 1 high, 3 low; -1 when the kernel did not say
 * @param nextHops the next hops of a multipath route ({@code RTA_MULTIPATH}), empty for a single-path route
 *     (whose hop is {@link #gateway()}/{@link #outputIndex()}); both gateway and outputIndex are then null/0
 */
public record Route(int family, IpPrefix destination, InetAddress gateway, int outputIndex, int table, int protocol,
                    int scope, int type, int priority, InetAddress preferredSource, int tos, int flags, int pref,
                    List<NextHop> nextHops) {
    /** {@code RT_TABLE_MAIN} from {@code include/uapi/linux/rtnetlink.h}. */
    public static final int TABLE_MAIN = 254;
    /** {@code RT_TABLE_LOCAL}. */
    public static final int TABLE_LOCAL = 255;
    /** {@code RT_SCOPE_UNIVERSE}. */
    public static final int SCOPE_UNIVERSE = 0;
    /** {@code RT_SCOPE_LINK}. */
    public static final int SCOPE_LINK = 253;
    /** {@code RT_SCOPE_HOST}. */
    public static final int SCOPE_HOST = 254;
    /** {@code RTN_UNICAST}. */
    public static final int TYPE_UNICAST = 1;
    /** {@code RTN_LOCAL}. */
    public static final int TYPE_LOCAL = 2;
    /** {@code RTN_BLACKHOLE}. */
    public static final int TYPE_BLACKHOLE = 6;
    /** {@code RTN_UNREACHABLE}. */
    public static final int TYPE_UNREACHABLE = 7;
    /** {@code RTN_PROHIBIT}. */
    public static final int TYPE_PROHIBIT = 8;
    /** {@code RTPROT_KERNEL}: routes the kernel made (prefix routes of addresses). */
    public static final int PROTOCOL_KERNEL = 2;
    /** {@code RTPROT_BOOT}: what {@code ip route add} and netkit use by default. */
    public static final int PROTOCOL_BOOT = 3;
    /** {@code RTPROT_STATIC}. */
    public static final int PROTOCOL_STATIC = 4;

    /** Checks the non-null components. */
    public Route {
        Objects.requireNonNull(destination, "destination == null");
        nextHops = List.copyOf(nextHops);
    }

    /** A single-path route without tos, flags or preference. */
    public Route(int family, IpPrefix destination, InetAddress gateway, int outputIndex, int table, int protocol,
                 int scope, int type, int priority, InetAddress preferredSource) {
        this(family, destination, gateway, outputIndex, table, protocol, scope, type, priority, preferredSource, 0, 0,
                -1, List.of());
    }

    /** The metric as the unsigned 32-bit value {@code ip route} prints (0..4294967295). */
    public long metric() {
        return Integer.toUnsignedLong(priority);
    }

    /** The table id as the unsigned 32-bit value {@code ip route} prints. */
    public long tableId() {
        return Integer.toUnsignedLong(table);
    }

    /** True for a multipath route ({@code nexthop ... nexthop ...}). */
    public boolean isMultipath() {
        return !nextHops.isEmpty();
    }

    /** True for {@code default} ({@code 0.0.0.0/0} or {@code ::/0}). */
    public boolean isDefault() {
        return destination.prefixLength() == 0;
    }
}
