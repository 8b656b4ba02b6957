package io.netkit.netlink;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What {@link Links#create(LinkSpec)} should make: an immutable description of one {@code ip link add} command.
 * Every option returns a new spec; names and values are validated here, before anything reaches the kernel.
 *
 * <pre>{@code
 * // ip link add veth1 mtu 1450 group 7 up type veth peer name eth0 netns c1 address 02:42:ac:10:00:02
 * LinkSpec.veth("veth1", "eth0").mtu(1450).group(7).up()
 *         .peerNamespace(c1).peerMac(MacAddress.parse("02:42:ac:10:00:02")).peerMtu(1450).peerUp();
 * // ip link add br0 type bridge; ip link add vx0 type vxlan id 42 dstport 4789 remote 10.0.0.2 dev eth0
 * LinkSpec.bridge("br0").up();
 * LinkSpec.vxlan("vx0", 42).remote(IpAddresses.parse("10.0.0.2")).device("eth0").master("br0");
 * }</pre>
 */
public final class LinkSpec {

    /** Modes of a macvlan link ({@code MACVLAN_MODE_*} in {@code include/uapi/linux/if_link.h}). */
    public enum MacvlanMode {
        /** {@code private} (1): no traffic between macvlans of one parent. */
        PRIVATE(1),
        /** {@code vepa} (2): traffic between macvlans goes out via the external switch. */
        VEPA(2),
        /** {@code bridge} (4): macvlans of one parent talk directly. */
        BRIDGE(4),
        /** {@code passthru} (8): one macvlan takes over the parent. */
        PASSTHRU(8),
        /** {@code source} (16). */
        SOURCE(16);

        private final int value;

        MacvlanMode(int value) {
            this.value = value;
        }

        /** The kernel's {@code IFLA_MACVLAN_MODE} value. */
        public int value() {
            return value;
        }
    }

    /**
     * All options; a private mutable record of the fields, copied before every change. Each option method writes the
     * copy out ({@code clone}, set, wrap) rather than passing a lambda to a shared helper: a fresh JVM links every
     * distinct lambda once (~0.2 ms each), and a first attach calls several of these.
     */
    static final class Fields implements Cloneable {
        String kind;
        String name;
        int mtu;
        MacAddress mac;
        String masterName;
        int masterIndex;
        boolean up;
        String alias;
        boolean hairpin;
        boolean hasGroup;
        int group;
        int txQueueLen = -1;
        NetNamespace namespace;
        // veth
        String peerName;
        NetNamespace peerNamespace;
        MacAddress peerMac;
        int peerMtu;
        boolean peerUp;
        // vxlan
        int vni = -1;
        InetAddress remote;
        InetAddress local;
        int port;
        String device;
        Boolean learning;
        int ttl = -1;
        // macvlan, vlan
        String parent;
        MacvlanMode macvlanMode;
        int vlanId = -1;

        @Override
        protected Fields clone() {
            try {
                return (Fields) super.clone();
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    final Fields f;

    private LinkSpec(Fields f) {
        this.f = f;
    }

    private static LinkSpec of0(String kind, String name) {
        Fields f = new Fields();
        f.kind = kind;
        f.name = InterfaceNames.validate(name);
        return new LinkSpec(f);
    }

    /**
     * A veth pair {@code name} / {@code peerName}; the peer is created in the same namespace unless
     * {@link #peerNamespace(NetNamespace)} says otherwise, directly under its final name (no later move).
     * Equivalent to: {@code ip link add NAME type veth peer name PEER [netns NS]}.
     */
    public static LinkSpec veth(String name, String peerName) {
        LinkSpec s = of0("veth", name);
        s.f.peerName = InterfaceNames.validate(peerName);
        return s;
    }

    /** A bridge. Equivalent to: {@code ip link add NAME type bridge}. */
    public static LinkSpec bridge(String name) {
        return of0("bridge", name);
    }

    /**
     * A VXLAN device with network identifier {@code vni} (0..16777215), UDP port 4789 unless {@link #port(int)} says
     * otherwise. Equivalent to: {@code ip link add NAME type vxlan id VNI dstport 4789}.
     */
    public static LinkSpec vxlan(String name, int vni) {
        if (vni < 0 || vni > 0xffffff) {
            throw new IllegalArgumentException("vni out of range for \"" + name + "\": " + vni + " (expected 0..16777215)");
        }
        LinkSpec s = of0("vxlan", name);
        s.f.vni = vni;
        return s;
    }

    /**
     * A macvlan on top of {@code parent}. Equivalent to: {@code ip link add NAME link PARENT type macvlan mode MODE}.
     */
    public static LinkSpec macvlan(String name, String parent, MacvlanMode mode) {
        LinkSpec s = of0("macvlan", name);
        s.f.parent = InterfaceNames.validateExisting(parent);
        s.f.macvlanMode = Objects.requireNonNull(mode, "mode == null");
        return s;
    }

    /**
     * A persistent layer-3 TUN device (no packet-info header), made with {@code TUNSETIFF} + {@code TUNSETPERSIST}
     * on {@code /dev/net/tun} as iproute2 does. Equivalent to: {@code ip tuntap add NAME mode tun}.
     */
    public static LinkSpec tun(String name) {
        return of0("tun", name);
    }

    /** A persistent layer-2 TAP device. Equivalent to: {@code ip tuntap add NAME mode tap}. */
    public static LinkSpec tap(String name) {
        return of0("tap", name);
    }

    /** A dummy device (needs the kernel's {@code dummy} driver). Equivalent to: {@code ip link add NAME type dummy}. */
    public static LinkSpec dummy(String name) {
        return of0("dummy", name);
    }

    /**
     * An 802.1Q VLAN device (needs the kernel's {@code 8021q} driver).
     * Equivalent to: {@code ip link add NAME link PARENT type vlan id ID}.
     */
    public static LinkSpec vlan(String name, String parent, int id) {
        if (id < 0 || id > 4094) {
            throw new IllegalArgumentException("vlan id out of range for \"" + name + "\": " + id + " (expected 0..4094)");
        }
        LinkSpec s = of0("vlan", name);
        s.f.parent = InterfaceNames.validateExisting(parent);
        s.f.vlanId = id;
        return s;
    }

    /**
     * A link of any other {@code kind} without kind-specific options ({@code "ifb"}, {@code "dummy"}, ...).
     * Equivalent to: {@code ip link add NAME type KIND}.
     */
    public static LinkSpec of(String kind, String name) {
        Objects.requireNonNull(kind, "kind == null");
        if (!validKind(kind)) {
            throw new IllegalArgumentException("invalid link kind \"" + kind + "\": expected lower-case letters, digits, '_' or '-'");
        }
        if (kind.equals("veth") || kind.equals("vxlan") || kind.equals("macvlan") || kind.equals("vlan")) {
            throw new IllegalArgumentException("link kind \"" + kind + "\" needs its own factory: LinkSpec." + kind + "(...)");
        }
        return of0(kind, name);
    }

    /**
     * {@code [a-z][a-z0-9_-]{0,31}}, checked by hand: a fresh JVM's first regular expression costs ~2.5 ms, and every
     * link creation passes here.
     */
    private static boolean validKind(String kind) {
        if (kind.isEmpty() || kind.length() > 32 || kind.charAt(0) < 'a' || kind.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < kind.length(); i++) {
            char c = kind.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private void require(String option, String... kinds) {
        for (String k : kinds) {
            if (k.equals(f.kind)) {
                return;
            }
        }
        throw new IllegalStateException(option + " applies to " + String.join("/", kinds) + " links, not to "
                + f.kind + " \"" + f.name + "\"");
    }

    private static int checkMtu(String what, int mtu) {
        if (mtu < 1) {
            throw new IllegalArgumentException(what + " must be positive: " + mtu);
        }
        return mtu;
    }

    /** The link's name. */
    public String name() {
        return f.name;
    }

    /** The kind: "veth", "bridge", "vxlan", "macvlan", "tun", "tap", "dummy", "vlan" or the one given to {@link #of}. */
    public String kind() {
        return f.kind;
    }

    /** The veth peer's name, or null for other kinds. */
    public String peerName() {
        return f.peerName;
    }

    /** Sets the MTU. Equivalent to: {@code ip link add ... mtu N}. */
    public LinkSpec mtu(int mtu) {
        checkMtu("mtu of \"" + f.name + "\"", mtu);
        Fields x = f.clone();
        x.mtu = mtu;
        return new LinkSpec(x);
    }

    /** Sets the MAC address. Equivalent to: {@code ip link add ... address MAC}. */
    public LinkSpec mac(MacAddress mac) {
        requireUnicast(mac, "mac");
        if (f.kind.equals("tun")) {
            throw new IllegalStateException("mac does not apply to tun \"" + f.name + "\": a tun device has no link-layer address");
        }
        Fields x = f.clone();
        x.mac = mac;
        return new LinkSpec(x);
    }

    /** The kernel refuses multicast and all-zero link addresses with a bare EADDRNOTAVAIL: say so before sending. */
    static MacAddress requireUnicast(MacAddress mac, String what) {
        Objects.requireNonNull(mac, what + " == null");
        if (mac.isMulticast() || mac.value() == 0) {
            throw new IllegalArgumentException("invalid " + what + " \"" + mac + "\": a link address must be unicast and"
                    + " not all zero (the first octet must be even); use e.g. MacAddress.random() or 02:xx:xx:xx:xx:xx");
        }
        return mac;
    }

    /** Makes the new link a port of the bridge {@code master}. Equivalent to: {@code ip link add ... master BR}. */
    public LinkSpec master(String master) {
        InterfaceNames.validateExisting(master);
        Fields x = f.clone();
        x.masterName = master;
        x.masterIndex = 0;
        return new LinkSpec(x);
    }

    /** Makes the new link a port of the bridge with index {@code masterIndex}. */
    public LinkSpec master(int masterIndex) {
        if (masterIndex <= 0) {
            throw new IllegalArgumentException("masterIndex must be positive: " + masterIndex);
        }
        Fields x = f.clone();
        x.masterIndex = masterIndex;
        x.masterName = null;
        return new LinkSpec(x);
    }

    /** Brings the link up on creation. Equivalent to: {@code ip link add ... up}. */
    public LinkSpec up() {
        Fields x = f.clone();
        x.up = true;
        return new LinkSpec(x);
    }

    /**
     * Sets the alias ({@code IFLA_IFALIAS}, at most 255 bytes, no NUL). The kernel ignores the alias on creation,
     * so netkit sends it as a second request right after. Equivalent to: {@code ip link set NAME alias TEXT}.
     */
    public LinkSpec alias(String alias) {
        checkAlias(alias);
        Fields x = f.clone();
        x.alias = alias;
        return new LinkSpec(x);
    }

    /**
     * Switches the new link's bridge port hairpin mode on (it needs a {@link #master}): the kernel ignores
     * {@code IFLA_PROTINFO} on creation, so netkit sends it in the alias request that follows (one request for both).
     * Equivalent to: {@code ip link set NAME type bridge_slave hairpin on} (see {@link Links#setHairpin}).
     */
    public LinkSpec hairpin() {
        Fields x = f.clone();
        x.hairpin = true;
        return new LinkSpec(x);
    }

    static String checkAlias(String alias) {
        Objects.requireNonNull(alias, "alias == null");
        if (alias.getBytes(StandardCharsets.UTF_8).length > 255 || alias.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid alias \"" + alias + "\": at most 255 bytes, no NUL");
        }
        return alias;
    }

    /** Puts the link into link group {@code group} (see {@link Links#deleteGroup(int)}). Equivalent to: {@code ip link add ... group G}. */
    public LinkSpec group(int group) {
        Fields x = f.clone();
        x.hasGroup = true;
        x.group = group;
        return new LinkSpec(x);
    }

    /** Sets the transmit queue length. Equivalent to: {@code ip link add ... txqueuelen N}. */
    public LinkSpec txQueueLen(int txQueueLen) {
        if (txQueueLen < 0) {
            throw new IllegalArgumentException("txQueueLen must not be negative: " + txQueueLen);
        }
        Fields x = f.clone();
        x.txQueueLen = txQueueLen;
        return new LinkSpec(x);
    }

    /**
     * Creates the link itself in namespace {@code ns} instead of the handle's ({@code IFLA_NET_NS_FD}); a
     * {@link #master(String)} is then looked up in {@code ns}, a macvlan parent or vxlan device in the handle's
     * namespace, as the kernel does. Equivalent to: {@code ip link add NAME netns NS ...}. Not for tun/tap.
     */
    public LinkSpec namespace(NetNamespace ns) {
        Objects.requireNonNull(ns, "ns == null");
        if (f.kind.equals("tun") || f.kind.equals("tap")) {
            throw new IllegalStateException("namespace applies to rtnetlink links, not to " + f.kind + " \"" + f.name
                    + "\": create it with that namespace's own handle (ns.netlink())");
        }
        Fields x = f.clone();
        x.namespace = ns;
        return new LinkSpec(x);
    }

    /** Creates the veth peer directly in {@code ns}. Equivalent to: {@code ... peer name PEER netns NS}. */
    public LinkSpec peerNamespace(NetNamespace ns) {
        Objects.requireNonNull(ns, "ns == null");
        require("peerNamespace", "veth");
        Fields x = f.clone();
        x.peerNamespace = ns;
        return new LinkSpec(x);
    }

    /** Sets the veth peer's MAC address. Equivalent to: {@code ... peer name PEER address MAC}. */
    public LinkSpec peerMac(MacAddress mac) {
        requireUnicast(mac, "peerMac");
        require("peerMac", "veth");
        Fields x = f.clone();
        x.peerMac = mac;
        return new LinkSpec(x);
    }

    /** Sets the veth peer's MTU. Equivalent to: {@code ... peer name PEER mtu N}. */
    public LinkSpec peerMtu(int mtu) {
        require("peerMtu", "veth");
        checkMtu("peerMtu of \"" + f.peerName + "\"", mtu);
        Fields x = f.clone();
        x.peerMtu = mtu;
        return new LinkSpec(x);
    }

    /** Brings the veth peer up on creation. Equivalent to: {@code ... peer name PEER up}. */
    public LinkSpec peerUp() {
        require("peerUp", "veth");
        Fields x = f.clone();
        x.peerUp = true;
        return new LinkSpec(x);
    }

    /** The remote VTEP of a vxlan link. Equivalent to: {@code ... type vxlan id VNI remote IP}. */
    public LinkSpec remote(InetAddress remote) {
        Objects.requireNonNull(remote, "remote == null");
        require("remote", "vxlan");
        if (f.local != null && IpAddresses.isIpv4(f.local) != IpAddresses.isIpv4(remote)) {
            throw new IllegalArgumentException("remote " + IpAddresses.format(remote) + " and local "
                    + IpAddresses.format(f.local) + " of \"" + f.name + "\" must be of one family");
        }
        Fields x = f.clone();
        x.remote = remote;
        return new LinkSpec(x);
    }

    /** The local VTEP address of a vxlan link. Equivalent to: {@code ... type vxlan id VNI local IP}. */
    public LinkSpec local(InetAddress local) {
        Objects.requireNonNull(local, "local == null");
        require("local", "vxlan");
        if (f.remote != null && IpAddresses.isIpv4(f.remote) != IpAddresses.isIpv4(local)) {
            throw new IllegalArgumentException("local " + IpAddresses.format(local) + " and remote "
                    + IpAddresses.format(f.remote) + " of \"" + f.name + "\" must be of one family");
        }
        Fields x = f.clone();
        x.local = local;
        return new LinkSpec(x);
    }

    /** The UDP destination port of a vxlan link (default 4789). Equivalent to: {@code ... dstport PORT}. */
    public LinkSpec port(int port) {
        require("port", "vxlan");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range for \"" + f.name + "\": " + port + " (expected 1..65535)");
        }
        Fields x = f.clone();
        x.port = port;
        return new LinkSpec(x);
    }

    /** The underlay device of a vxlan link. Equivalent to: {@code ... type vxlan ... dev DEVICE}. */
    public LinkSpec device(String device) {
        InterfaceNames.validateExisting(device);
        require("device", "vxlan");
        Fields x = f.clone();
        x.device = device;
        return new LinkSpec(x);
    }

    /** Whether a vxlan link learns remote MACs (kernel default: yes). Equivalent to: {@code ... [no]learning}. */
    public LinkSpec learning(boolean learning) {
        require("learning", "vxlan");
        Fields x = f.clone();
        x.learning = learning;
        return new LinkSpec(x);
    }

    /** The TTL of a vxlan link's outer packets (0 = inherit). Equivalent to: {@code ... ttl N}. */
    public LinkSpec ttl(int ttl) {
        require("ttl", "vxlan");
        if (ttl < 0 || ttl > 255) {
            throw new IllegalArgumentException("ttl out of range for \"" + f.name + "\": " + ttl + " (expected 0..255)");
        }
        Fields x = f.clone();
        x.ttl = ttl;
        return new LinkSpec(x);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ip link add ").append(f.name);
        if (f.namespace != null) {
            sb.append(" netns ").append(f.namespace.name().orElse(f.namespace.path().toString()));
        }
        if (f.parent != null) {
            sb.append(" link ").append(f.parent);
        }
        if (f.mtu != 0) {
            sb.append(" mtu ").append(f.mtu);
        }
        if (f.mac != null) {
            sb.append(" address ").append(f.mac);
        }
        if (f.txQueueLen >= 0) {
            sb.append(" txqueuelen ").append(f.txQueueLen);
        }
        if (f.hasGroup) {
            sb.append(" group ").append(Integer.toUnsignedString(f.group));
        }
        if (f.masterName != null || f.masterIndex != 0) {
            sb.append(" master ").append(f.masterName != null ? f.masterName : "#" + f.masterIndex);
        }
        if (f.up) {
            sb.append(" up");
        }
        sb.append(" type ").append(f.kind);
        switch (f.kind) {
            case "veth":
                sb.append(" peer name ").append(f.peerName);
                if (f.peerNamespace != null) {
                    sb.append(" netns ").append(f.peerNamespace.name().orElse(f.peerNamespace.path().toString()));
                }
                if (f.peerMtu != 0) {
                    sb.append(" mtu ").append(f.peerMtu);
                }
                if (f.peerMac != null) {
                    sb.append(" address ").append(f.peerMac);
                }
                if (f.peerUp) {
                    sb.append(" up");
                }
                break;
            case "vxlan":
                sb.append(" id ").append(f.vni).append(" dstport ").append(f.port == 0 ? 4789 : f.port);
                if (f.remote != null) {
                    sb.append(" remote ").append(IpAddresses.format(f.remote));
                }
                if (f.local != null) {
                    sb.append(" local ").append(IpAddresses.format(f.local));
                }
                if (f.device != null) {
                    sb.append(" dev ").append(f.device);
                }
                if (f.learning != null && !f.learning) {
                    sb.append(" nolearning");
                }
                if (f.ttl >= 0) {
                    sb.append(" ttl ").append(f.ttl);
                }
                break;
            case "macvlan":
                sb.append(" mode ").append(f.macvlanMode.name().toLowerCase(java.util.Locale.ROOT));
                break;
            case "vlan":
                sb.append(" id ").append(f.vlanId);
                break;
            default:
                break;
        }
        if (f.alias != null || f.hairpin) {
            sb.append("; ip link set ").append(f.name);
            if (f.alias != null) {
                sb.append(" alias ").append(f.alias);
            }
            if (f.hairpin) {
                sb.append(" type bridge_slave hairpin on");
            }
        }
        return sb.toString();
    }
}
