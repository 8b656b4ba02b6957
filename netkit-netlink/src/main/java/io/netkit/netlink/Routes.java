package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REPLACE;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET6;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_DST;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_GATEWAY;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_MULTIPATH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_PREF;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_OIF;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_PREFSRC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_PRIORITY;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_TABLE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELROUTE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_F_CLONED;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETROUTE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWROUTE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RT_SCOPE_NOWHERE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RT_TABLE_UNSPEC;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Route operations of one {@link RtNetlink} handle, i.e. {@code ip route} in that handle's namespace.
 *
 * <pre>{@code
 * Routes routes = c1.netlink().routes();
 * routes.add(RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1")));        // ip route add default via 172.16.0.1
 * routes.list();   // [Route[family=2, destination=0.0.0.0/0, gateway=/172.16.0.1, outputIndex=2, table=254, ...], ...]
 * }</pre>
 *
 * <p>Thread-safe. A missing output device is a {@link LinkNotFoundException}.
 */
public final class Routes {
    /** {@code RTNH_F_ONLINK} from {@code include/uapi/linux/rtnetlink.h}. */
    private static final int RTNH_F_ONLINK = 4;

    private final RtNetlink rt;

    Routes(RtNetlink rt) {
        this.rt = rt;
    }

    /**
     * Watches this namespace's routes: a snapshot, then every change as an {@link RtEvent.RouteEvent}, with a
     * {@link RtEvent.Resynced} after an overrun. Shorthand for {@code watch(WatchSpec.of(RtTopic.ROUTES), listener)};
     * see {@link RtNetlink#watch(WatchSpec, RtListener)}. Equivalent to: {@code ip monitor route}.
     */
    public RtWatch watch(RtListener listener) {
        return rt.watch(WatchSpec.of(RtTopic.ROUTES), listener);
    }

    /**
     * Adds a route. Equivalent to: {@code ip route add DEST [via GW] [dev DEV] [table T] [metric M] [src S]}.
     *
     * @throws NetlinkException with {@code EEXIST} if the same route exists, {@code ENETUNREACH} if the gateway
     *     is not reachable on any link
     */
    public void add(RouteSpec route) {
        modify("add route", route, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    }

    /** Adds the route or replaces the one with the same destination, table and metric. Equivalent to: {@code ip route replace ...}. */
    public void replace(RouteSpec route) {
        modify("replace route", route, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
    }

    /**
     * Deletes the route that matches {@code route} (gateway, device, metric and table when given).
     * Equivalent to: {@code ip route del DEST [via GW] [dev DEV] [table T] [metric M]}.
     *
     * @throws NetlinkException with {@code ESRCH} if there is no such route
     */
    public void delete(RouteSpec route) {
        modify("delete route", route, RTM_DELROUTE, 0);
    }

    private void modify(String operation, RouteSpec r, int type, int flags) {
        Objects.requireNonNull(r, "route == null");
        int oif = r.device != null ? rt.links().get(r.device).index() : 0;
        int[] hopIndexes = new int[r.nextHops.size()];
        for (int i = 0; i < hopIndexes.length; i++) {
            String dev = r.nextHops.get(i).device();
            hopIndexes[i] = dev != null ? rt.links().get(dev).index() : 0;
        }
        boolean delete = type == RTM_DELROUTE;
        int scope = delete ? (r.scope >= 0 ? r.scope : RT_SCOPE_NOWHERE) : r.effectiveScope();
        int rtType = delete && r.type == Route.TYPE_UNICAST ? 0 : r.type;
        int protocol = delete && r.protocol == Route.PROTOCOL_BOOT ? 0 : r.protocol;
        IpPrefix dst = r.destination;
        rt.socket().execute(operation, r.toString(), type, flags, w -> {
            w.rtMsg(dst.family(), dst.prefixLength(), 0, 0,
                    Integer.compareUnsigned(r.table, 256) < 0 ? r.table : RT_TABLE_UNSPEC,
                    protocol, scope, rtType, r.onLink ? RTNH_F_ONLINK : 0);
            w.attrU32(RTA_TABLE, r.table);
            if (dst.prefixLength() > 0) {
                w.attrBytes(RTA_DST, dst.address().getAddress());
            }
            if (r.gateway != null) {
                w.attrBytes(RTA_GATEWAY, r.gateway.getAddress());
            }
            if (oif != 0) {
                w.attrU32(RTA_OIF, oif);
            }
            if (!r.nextHops.isEmpty()) {
                w.beginNested(RTA_MULTIPATH);
                for (int i = 0; i < r.nextHops.size(); i++) {
                    RouteSpec.Hop h = r.nextHops.get(i);
                    w.beginNextHop(h.onLink() ? RTNH_F_ONLINK : 0, h.weight() - 1, hopIndexes[i]);
                    if (h.gateway() != null) {
                        w.attrBytes(RTA_GATEWAY, h.gateway().getAddress());
                    }
                    w.endNested();
                }
                w.endNested();
            }
            if (r.metric >= 0) {
                w.attrU32(RTA_PRIORITY, (int) r.metric);
            }
            if (r.source != null) {
                w.attrBytes(RTA_PREFSRC, r.source.getAddress());
            }
        });
    }

    /**
     * The IPv4 and IPv6 routes of the main table (cached clones left out). Equivalent to:
     * {@code ip route show; ip -6 route show}.
     */
    public List<Route> list() {
        return list(Route.TABLE_MAIN);
    }

    /**
     * The IPv4 and IPv6 routes of {@code table}, or of every table for 0. Equivalent to:
     * {@code ip route show table T; ip -6 route show table T} ({@code table all} for 0).
     */
    public List<Route> list(int table) {
        List<Route> out = new ArrayList<>();
        for (Route r : rt.socket().dump("list routes", RTM_GETROUTE,
                w -> w.rtMsg(AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0), Routes::decode)) {
            if (table == 0 || r.table() == table) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * Decodes the {@code RTM_NEWROUTE} message {@code m} is positioned on; null for other messages, families other
     * than IPv4/IPv6, and cloned (cache) entries.
     *
     * @throws MalformedMessageException if it is malformed
     */
    public static Route decode(NlMsgReader m) {
        if (m.type() != RTM_NEWROUTE) {
            return null;
        }
        int family = m.u8(0);
        if (family != AF_INET && family != AF_INET6) {
            return null;
        }
        int flags = m.s32(8);
        if ((flags & RTM_F_CLONED) != 0) {
            return null;
        }
        int dstLen = m.u8(1);
        int tos = m.u8(3);
        int table = m.u8(4);
        int protocol = m.u8(5);
        int scope = m.u8(6);
        int type = m.u8(7);
        int size = family == AF_INET ? 4 : 16;
        if (dstLen > size * 8) {
            throw new MalformedMessageException("RTM_NEWROUTE destination length " + dstLen, m.offset());
        }
        InetAddress dst = null;
        InetAddress gateway = null;
        InetAddress prefsrc = null;
        int oif = 0;
        int priority = 0;
        int pref = -1;
        List<NextHop> hops = List.of();
        NlAttrReader a = m.attributes(RTMSG_LEN);
        while (a.next()) {
            switch (a.type()) {
                case RTA_DST:
                    dst = Addresses.ip(a, size);
                    break;
                case RTA_GATEWAY:
                    gateway = Addresses.ip(a, size);
                    break;
                case RTA_PREFSRC:
                    prefsrc = Addresses.ip(a, size);
                    break;
                case RTA_OIF:
                    oif = a.u32();
                    break;
                case RTA_PRIORITY:
                    priority = a.u32();
                    break;
                case RTA_TABLE:
                    table = a.u32();
                    break;
                case RTA_PREF:
                    pref = a.u8();
                    break;
                case RTA_MULTIPATH:
                    hops = nextHops(a, size);
                    break;
                default:
                    break;
            }
        }
        if (dst == null) {
            dst = IpAddresses.of(new byte[size]);
        }
        return new Route(family, new IpPrefix(dst, dstLen), gateway, oif, table, protocol, scope, type, priority,
                prefsrc, tos, flags, pref, hops);
    }

    /** The {@code struct rtnexthop}s of an {@code RTA_MULTIPATH} attribute, each with its own attributes. */
    private static List<NextHop> nextHops(NlAttrReader a, int size) {
        java.nio.ByteBuffer buf = a.buffer();
        int pos = a.payloadOffset();
        int end = pos + a.payloadLength();
        List<NextHop> out = new ArrayList<>(2);
        while (end - pos >= 8) {
            int len = buf.getShort(pos) & 0xFFFF;
            if (len < 8 || len > end - pos) {
                throw new MalformedMessageException("rtnexthop length " + len + " with " + (end - pos)
                        + " byte(s) left", pos);
            }
            int flags = buf.get(pos + 2) & 0xFF;
            int hops = buf.get(pos + 3) & 0xFF;
            int ifindex = buf.getInt(pos + 4);
            InetAddress gw = null;
            NlAttrReader inner = new NlAttrReader(buf, pos + 8, pos + len);
            while (inner.next()) {
                if (inner.type() == RTA_GATEWAY) {
                    gw = Addresses.ip(inner, size);
                }
            }
            out.add(new NextHop(gw, ifindex, hops + 1, flags));
            pos += (len + 3) & ~3;
        }
        return out;
    }
}
