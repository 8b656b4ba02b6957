package io.netkit.netlink.codec;

/**
 * Link attributes ({@code IFLA_*}), link-info nesting, bridge, bridge-port, macvlan and vxlan attributes,
 * operational states, and the {@code IFF_*} device flags.
 *
 * <p>Source: {@code include/uapi/linux/if_link.h}; {@code IFF_*} from {@code include/uapi/linux/if.h}.
 */
public final class IfLinkConstants {
    private IfLinkConstants() {}

    // enum IFLA_*
    public static final int IFLA_UNSPEC = 0;
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_BROADCAST = 2;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_QDISC = 6;
    public static final int IFLA_STATS = 7;
    public static final int IFLA_COST = 8;
    public static final int IFLA_PRIORITY = 9;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_WIRELESS = 11;
    public static final int IFLA_PROTINFO = 12;
    public static final int IFLA_TXQLEN = 13;
    public static final int IFLA_MAP = 14;
    public static final int IFLA_WEIGHT = 15;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKMODE = 17;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_NET_NS_PID = 19;
    public static final int IFLA_IFALIAS = 20;
    public static final int IFLA_NUM_VF = 21;
    public static final int IFLA_VFINFO_LIST = 22;
    public static final int IFLA_STATS64 = 23;
    public static final int IFLA_VF_PORTS = 24;
    public static final int IFLA_PORT_SELF = 25;
    public static final int IFLA_AF_SPEC = 26;
    public static final int IFLA_GROUP = 27;

    // IFLA_AF_SPEC > AF_INET attributes (include/uapi/linux/if_link.h) and an IPv4 devconf index
    // (include/uapi/linux/ip.h): a device's net.ipv4.conf.DEV.* values set by netlink instead of /proc/sys.
    public static final int IFLA_INET_CONF = 1;
    public static final int IPV4_DEVCONF_ARP_NOTIFY = 22;
    public static final int IFLA_NET_NS_FD = 28;
    public static final int IFLA_EXT_MASK = 29;
    public static final int IFLA_PROMISCUITY = 30;
    public static final int IFLA_NUM_TX_QUEUES = 31;
    public static final int IFLA_NUM_RX_QUEUES = 32;
    public static final int IFLA_CARRIER = 33;
    public static final int IFLA_PHYS_PORT_ID = 34;
    public static final int IFLA_CARRIER_CHANGES = 35;
    public static final int IFLA_PHYS_SWITCH_ID = 36;
    public static final int IFLA_LINK_NETNSID = 37;
    public static final int IFLA_PHYS_PORT_NAME = 38;
    public static final int IFLA_PROTO_DOWN = 39;
    public static final int IFLA_GSO_MAX_SEGS = 40;
    public static final int IFLA_GSO_MAX_SIZE = 41;
    public static final int IFLA_PAD = 42;
    public static final int IFLA_XDP = 43;
    public static final int IFLA_EVENT = 44;
    public static final int IFLA_NEW_NETNSID = 45;
    public static final int IFLA_IF_NETNSID = 46;
    public static final int IFLA_TARGET_NETNSID = IFLA_IF_NETNSID;
    public static final int IFLA_CARRIER_UP_COUNT = 47;
    public static final int IFLA_CARRIER_DOWN_COUNT = 48;
    public static final int IFLA_NEW_IFINDEX = 49;
    public static final int IFLA_MIN_MTU = 50;
    public static final int IFLA_MAX_MTU = 51;
    public static final int IFLA_PROP_LIST = 52;
    public static final int IFLA_ALT_IFNAME = 53;
    public static final int IFLA_PERM_ADDRESS = 54;
    public static final int IFLA_PROTO_DOWN_REASON = 55;
    public static final int IFLA_PARENT_DEV_NAME = 56;
    public static final int IFLA_PARENT_DEV_BUS_NAME = 57;
    public static final int IFLA_GRO_MAX_SIZE = 58;
    public static final int IFLA_TSO_MAX_SIZE = 59;
    public static final int IFLA_TSO_MAX_SEGS = 60;
    public static final int IFLA_ALLMULTI = 61;

    // IFLA_LINKINFO nested: enum IFLA_INFO_*
    public static final int IFLA_INFO_UNSPEC = 0;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int IFLA_INFO_XSTATS = 3;
    public static final int IFLA_INFO_SLAVE_KIND = 4;
    public static final int IFLA_INFO_SLAVE_DATA = 5;

    // IFLA_OPERSTATE values (RFC 2863)
    public static final int IF_OPER_UNKNOWN = 0;
    public static final int IF_OPER_NOTPRESENT = 1;
    public static final int IF_OPER_DOWN = 2;
    public static final int IF_OPER_LOWERLAYERDOWN = 3;
    public static final int IF_OPER_TESTING = 4;
    public static final int IF_OPER_DORMANT = 5;
    public static final int IF_OPER_UP = 6;

    // Bridge (IFLA_INFO_DATA of kind "bridge")
    public static final int IFLA_BR_UNSPEC = 0;
    public static final int IFLA_BR_FORWARD_DELAY = 1;
    public static final int IFLA_BR_HELLO_TIME = 2;
    public static final int IFLA_BR_MAX_AGE = 3;
    public static final int IFLA_BR_AGEING_TIME = 4;
    public static final int IFLA_BR_STP_STATE = 5;
    public static final int IFLA_BR_PRIORITY = 6;
    public static final int IFLA_BR_VLAN_FILTERING = 7;
    public static final int IFLA_BR_VLAN_PROTOCOL = 8;
    public static final int IFLA_BR_GROUP_FWD_MASK = 9;
    public static final int IFLA_BR_ROOT_ID = 10;
    public static final int IFLA_BR_BRIDGE_ID = 11;
    public static final int IFLA_BR_ROOT_PORT = 12;
    public static final int IFLA_BR_ROOT_PATH_COST = 13;
    public static final int IFLA_BR_TOPOLOGY_CHANGE = 14;
    public static final int IFLA_BR_TOPOLOGY_CHANGE_DETECTED = 15;
    public static final int IFLA_BR_HELLO_TIMER = 16;
    public static final int IFLA_BR_TCN_TIMER = 17;
    public static final int IFLA_BR_TOPOLOGY_CHANGE_TIMER = 18;
    public static final int IFLA_BR_GC_TIMER = 19;
    public static final int IFLA_BR_GROUP_ADDR = 20;
    public static final int IFLA_BR_FDB_FLUSH = 21;
    public static final int IFLA_BR_MCAST_ROUTER = 22;
    public static final int IFLA_BR_MCAST_SNOOPING = 23;
    public static final int IFLA_BR_VLAN_DEFAULT_PVID = 39;

    // Bridge port (IFLA_PROTINFO / IFLA_INFO_SLAVE_DATA of a bridge port)
    public static final int IFLA_BRPORT_UNSPEC = 0;
    public static final int IFLA_BRPORT_STATE = 1;
    public static final int IFLA_BRPORT_PRIORITY = 2;
    public static final int IFLA_BRPORT_COST = 3;
    public static final int IFLA_BRPORT_MODE = 4;
    public static final int IFLA_BRPORT_GUARD = 5;
    public static final int IFLA_BRPORT_PROTECT = 6;
    public static final int IFLA_BRPORT_FAST_LEAVE = 7;
    public static final int IFLA_BRPORT_LEARNING = 8;
    public static final int IFLA_BRPORT_UNICAST_FLOOD = 9;
    public static final int IFLA_BRPORT_PROXYARP = 10;
    public static final int IFLA_BRPORT_LEARNING_SYNC = 11;
    public static final int IFLA_BRPORT_PROXYARP_WIFI = 12;

    // Macvlan (IFLA_INFO_DATA of kind "macvlan")
    public static final int IFLA_MACVLAN_UNSPEC = 0;
    public static final int IFLA_MACVLAN_MODE = 1;
    public static final int IFLA_MACVLAN_FLAGS = 2;
    public static final int MACVLAN_MODE_PRIVATE = 1;
    public static final int MACVLAN_MODE_VEPA = 2;
    public static final int MACVLAN_MODE_BRIDGE = 4;
    public static final int MACVLAN_MODE_PASSTHRU = 8;
    public static final int MACVLAN_MODE_SOURCE = 16;

    // Vxlan (IFLA_INFO_DATA of kind "vxlan")
    public static final int IFLA_VXLAN_UNSPEC = 0;
    public static final int IFLA_VXLAN_ID = 1;
    public static final int IFLA_VXLAN_GROUP = 2;
    public static final int IFLA_VXLAN_LINK = 3;
    public static final int IFLA_VXLAN_LOCAL = 4;
    public static final int IFLA_VXLAN_TTL = 5;
    public static final int IFLA_VXLAN_TOS = 6;
    public static final int IFLA_VXLAN_LEARNING = 7;
    public static final int IFLA_VXLAN_AGEING = 8;
    public static final int IFLA_VXLAN_LIMIT = 9;
    public static final int IFLA_VXLAN_PORT_RANGE = 10;
    public static final int IFLA_VXLAN_PROXY = 11;
    public static final int IFLA_VXLAN_RSC = 12;
    public static final int IFLA_VXLAN_L2MISS = 13;
    public static final int IFLA_VXLAN_L3MISS = 14;
    /** Destination UDP port, big-endian ({@code __be16}). */
    public static final int IFLA_VXLAN_PORT = 15;
    public static final int IFLA_VXLAN_GROUP6 = 16;
    public static final int IFLA_VXLAN_LOCAL6 = 17;
    public static final int IFLA_VXLAN_UDP_CSUM = 18;
    public static final int IFLA_VXLAN_UDP_ZERO_CSUM6_TX = 19;
    public static final int IFLA_VXLAN_UDP_ZERO_CSUM6_RX = 20;
    public static final int IFLA_VXLAN_REMCSUM_TX = 21;
    public static final int IFLA_VXLAN_REMCSUM_RX = 22;
    public static final int IFLA_VXLAN_GBP = 23;
    public static final int IFLA_VXLAN_REMCSUM_NOPARTIAL = 24;
    public static final int IFLA_VXLAN_COLLECT_METADATA = 25;
    public static final int IFLA_VXLAN_LABEL = 26;
    public static final int IFLA_VXLAN_GPE = 27;
    public static final int IFLA_VXLAN_TTL_INHERIT = 28;
    public static final int IFLA_VXLAN_DF = 29;

    // Tun (IFLA_INFO_DATA of kind "tun", include/uapi/linux/if_tun.h and if_link.h)
    public static final int IFLA_TUN_UNSPEC = 0;
    public static final int IFLA_TUN_OWNER = 1;
    public static final int IFLA_TUN_GROUP = 2;
    public static final int IFLA_TUN_TYPE = 3;
    public static final int IFLA_TUN_PI = 4;
    public static final int IFLA_TUN_VNET_HDR = 5;
    public static final int IFLA_TUN_PERSIST = 6;
    public static final int IFLA_TUN_MULTI_QUEUE = 7;
    public static final int IFLA_TUN_NUM_QUEUES = 8;
    public static final int IFLA_TUN_NUM_DISABLED_QUEUES = 9;

    // Device flags (if.h, enum net_device_flags)
    public static final int IFF_UP = 1;
    public static final int IFF_BROADCAST = 1 << 1;
    public static final int IFF_DEBUG = 1 << 2;
    public static final int IFF_LOOPBACK = 1 << 3;
    public static final int IFF_POINTOPOINT = 1 << 4;
    public static final int IFF_NOTRAILERS = 1 << 5;
    public static final int IFF_RUNNING = 1 << 6;
    public static final int IFF_NOARP = 1 << 7;
    public static final int IFF_PROMISC = 1 << 8;
    public static final int IFF_ALLMULTI = 1 << 9;
    public static final int IFF_MASTER = 1 << 10;
    public static final int IFF_SLAVE = 1 << 11;
    public static final int IFF_MULTICAST = 1 << 12;
    public static final int IFF_PORTSEL = 1 << 13;
    public static final int IFF_AUTOMEDIA = 1 << 14;
    public static final int IFF_DYNAMIC = 1 << 15;
    public static final int IFF_LOWER_UP = 1 << 16;
    public static final int IFF_DORMANT = 1 << 17;
    public static final int IFF_ECHO = 1 << 18;

    /** Maximum interface name length including the terminating NUL ({@code IFNAMSIZ}, if.h). */
    public static final int IFNAMSIZ = 16;
}
