package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.*;

import io.netkit.netlink.codec.NlAttrReader;
import java.net.InetAddress;

/**
 * Decodes the {@code IFLA_INFO_DATA} of the kinds netkit types ({@link LinkInfo}); the layouts are those of
 * {@code include/uapi/linux/if_link.h} and what {@code ip -d} prints from them.
 */
final class LinkInfos {
    private LinkInfos() {}

    /** True for the kinds whose {@code IFLA_INFO_DATA} {@link #decode} turns into a {@link LinkInfo}. */
    static boolean typed(String kind) {
        return "vxlan".equals(kind) || "macvlan".equals(kind) || "macvtap".equals(kind) || "tun".equals(kind)
                || "bridge".equals(kind);
    }

    /** The typed settings of {@code kind} from its {@code IFLA_INFO_DATA} nest (positioned before the first attribute). */
    static LinkInfo decode(String kind, NlAttrReader data) {
        switch (kind) {
            case "vxlan":
                return vxlan(data);
            case "macvlan":
            case "macvtap":
                return macvlan(data);
            case "tun":
                return tun(data);
            case "bridge":
                return bridge(data);
            default:
                return null;
        }
    }

    /** The settings of a link of {@code kind} that sent no {@code IFLA_INFO_DATA} at all (all defaults). */
    static LinkInfo empty(String kind) {
        return typed(kind) ? decode(kind, new NlAttrReader()) : null;
    }

    private static VxlanInfo vxlan(NlAttrReader a) {
        int id = 0;
        InetAddress remote = null;
        InetAddress local = null;
        int dev = 0;
        int port = 0;
        int low = 0;
        int high = 0;
        int ttl = 0;
        int tos = 0;
        boolean learning = false;
        int ageing = 0;
        int limit = 0;
        boolean proxy = false;
        boolean l2miss = false;
        boolean l3miss = false;
        boolean csum = false;
        boolean metadata = false;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_VXLAN_ID: id = a.u32(); break;
                case IFLA_VXLAN_GROUP: remote = Addresses.ip(a, 4); break;
                case IFLA_VXLAN_GROUP6: remote = Addresses.ip(a, 16); break;
                case IFLA_VXLAN_LOCAL: local = Addresses.ip(a, 4); break;
                case IFLA_VXLAN_LOCAL6: local = Addresses.ip(a, 16); break;
                case IFLA_VXLAN_LINK: dev = a.u32(); break;
                case IFLA_VXLAN_PORT: port = a.be16(); break;
                case IFLA_VXLAN_PORT_RANGE:
                    if (a.payloadLength() < 4) {
                        throw new io.netkit.netlink.codec.MalformedMessageException(
                                "IFLA_VXLAN_PORT_RANGE of " + a.payloadLength() + " byte(s), expected 4", a.offset());
                    }
                    int p = a.payloadOffset();
                    low = ((a.buffer().get(p) & 0xFF) << 8) | (a.buffer().get(p + 1) & 0xFF);
                    high = ((a.buffer().get(p + 2) & 0xFF) << 8) | (a.buffer().get(p + 3) & 0xFF);
                    break;
                case IFLA_VXLAN_TTL: ttl = a.u8(); break;
                case IFLA_VXLAN_TOS: tos = a.u8(); break;
                case IFLA_VXLAN_LEARNING: learning = a.u8() != 0; break;
                case IFLA_VXLAN_AGEING: ageing = a.u32(); break;
                case IFLA_VXLAN_LIMIT: limit = a.u32(); break;
                case IFLA_VXLAN_PROXY: proxy = a.u8() != 0; break;
                case IFLA_VXLAN_L2MISS: l2miss = a.u8() != 0; break;
                case IFLA_VXLAN_L3MISS: l3miss = a.u8() != 0; break;
                case IFLA_VXLAN_UDP_CSUM: csum = a.u8() != 0; break;
                case IFLA_VXLAN_COLLECT_METADATA: metadata = a.u8() != 0; break;
                default: break;
            }
        }
        return new VxlanInfo(id, remote, local, dev, port, low, high, ttl, tos, learning, ageing, limit, proxy, l2miss,
                l3miss, csum, metadata);
    }

    private static MacvlanInfo macvlan(NlAttrReader a) {
        int mode = 0;
        int flags = 0;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_MACVLAN_MODE: mode = a.u32(); break;
                case IFLA_MACVLAN_FLAGS: flags = a.u16(); break;
                default: break;
            }
        }
        return new MacvlanInfo(mode, flags);
    }

    private static TunInfo tun(NlAttrReader a) {
        int type = 0;
        long owner = -1;
        long group = -1;
        boolean pi = false;
        boolean vnet = false;
        boolean persist = false;
        boolean mq = false;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_TUN_TYPE: type = a.u8(); break;
                case IFLA_TUN_OWNER: owner = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_TUN_GROUP: group = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_TUN_PI: pi = a.u8() != 0; break;
                case IFLA_TUN_VNET_HDR: vnet = a.u8() != 0; break;
                case IFLA_TUN_PERSIST: persist = a.u8() != 0; break;
                case IFLA_TUN_MULTI_QUEUE: mq = a.u8() != 0; break;
                default: break;
            }
        }
        return new TunInfo(type, owner, group, pi, vnet, persist, mq);
    }

    private static BridgeInfo bridge(NlAttrReader a) {
        long forwardDelay = 0;
        long hello = 0;
        long maxAge = 0;
        long ageing = 0;
        int stp = 0;
        int priority = 0;
        boolean vlanFiltering = false;
        int vlanProtocol = 0;
        int pvid = 0;
        boolean snooping = false;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_BR_FORWARD_DELAY: forwardDelay = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_BR_HELLO_TIME: hello = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_BR_MAX_AGE: maxAge = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_BR_AGEING_TIME: ageing = Integer.toUnsignedLong(a.u32()); break;
                case IFLA_BR_STP_STATE: stp = a.u32(); break;
                case IFLA_BR_PRIORITY: priority = a.u16(); break;
                case IFLA_BR_VLAN_FILTERING: vlanFiltering = a.u8() != 0; break;
                case IFLA_BR_VLAN_PROTOCOL: vlanProtocol = a.be16(); break;
                case IFLA_BR_VLAN_DEFAULT_PVID: pvid = a.u16(); break;
                case IFLA_BR_MCAST_SNOOPING: snooping = a.u8() != 0; break;
                default: break;
            }
        }
        return new BridgeInfo(forwardDelay, hello, maxAge, ageing, stp, priority, vlanFiltering, vlanProtocol, pvid,
                snooping);
    }
}
