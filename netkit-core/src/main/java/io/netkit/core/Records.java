package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.core.internal.Names;
import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The records netkit keeps in interface aliases ({@code ip link set DEV alias 'netkit:v1 key=value ...'}), as typed
 * values, with their one parser and one encoder. Aliases can be written by anyone with CAP_NET_ADMIN, so a record read
 * back from the kernel is untrusted input: {@link #parse} validates it exactly as strictly as {@code create()} and
 * {@code attach()} validate their arguments, and throws {@link BadRecordException} (never another exception type)
 * for anything else. A bad record is reported and ignored, never obeyed.
 *
 * <pre>
 * bridge:   netkit:v1 id=1a2b3c4d subnet=172.16.0.0/24 gw=172.16.0.1 masq=1 group=G reap=R mtu=0 [pool=A-B] [pub=1] [del=1] [new=1]
 * endpoint: netkit:v1 net=br0 nid=1a2b3c4d addr=172.16.0.2/24 if=eth0 ino=4026532... ns=NAME|path=/proc/.. own=1 [pub=t8080:80]
 * detached: netkit:v1 net=br0 nid=1a2b3c4d detached=1 [ns=NAME ino=.. own=1]
 * </pre>
 */
final class Records {
    // Keys of the records (see Alias for the format).
    static final String K_ID = "id";
    static final String K_SUBNET = "subnet";
    static final String K_GATEWAY = "gw";
    static final String K_MASQUERADE = "masq";
    static final String K_GROUP = "group";
    static final String K_REAP = "reap";
    static final String K_MTU = "mtu";
    static final String K_DELETING = "del";
    static final String K_CREATING = "new";
    static final String K_NET = "net";
    static final String K_NET_ID = "nid";
    static final String K_NS = "ns";
    static final String K_PATH = "path";
    static final String K_INODE = "ino";
    static final String K_ADDRESS = "addr";
    static final String K_IFNAME = "if";
    static final String K_OWN = "own";
    static final String K_DETACHED = "detached";
    static final String K_PUBLISH = "pub";
    static final String K_MASQUERADE_EXCEPT = "nomasq";
    /** IPv6 (dual stack): the bridge's IPv6 subnet, gateway and NAT66 flag; an endpoint's IPv6 address. */
    static final String K_SUBNET6 = "subnet6";
    static final String K_GATEWAY6 = "gw6";
    static final String K_MASQUERADE6 = "masq6";
    static final String K_ADDRESS6 = "a6";
    /** {@code pub6=0}: published ports are mapped on the host's IPv4 addresses only. */
    static final String K_PUBLISH6 = "pub6";
    /** {@code fw=nft}: the network's rules are native nf_tables; absent (or {@code fw=ipt}) means iptables. */
    static final String K_FIREWALL = "fw";
    /** The allocation ranges ({@link AddressRange}) of the IPv4 and IPv6 subnets: {@code pool=FIRST-LAST}. */
    static final String K_POOL = "pool";
    static final String K_POOL6 = "pool6";

    private Records() {}

    /** A record that does not pass validation; the message says what is wrong. */
    static final class BadRecordException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadRecordException(String message) {
            super(message);
        }
    }

    /** Any of the three record kinds. */
    sealed interface Record permits BridgeRecord, EndpointRecord, DetachedRecord {}

    /**
     * A network's bridge. {@code publishing}: ports were published on the network at some time (every attach and
     * detach then re-applies its rules); {@code deleting}: a teardown began (any later process finishes it);
     * {@code creating}: {@code create()} has not finished (a later process finding it so undoes it).
     */
    record BridgeRecord(String id, IpPrefix subnet, InetAddress gateway, boolean masquerade, int group, int reapGroup,
                        int mtu, boolean publishing, boolean deleting, IpPrefix masqueradeExcept, boolean creating,
                        Ipv6Config v6, AddressRange pool, FirewallBackend firewall) implements Record {
        BridgeRecord {
            if (firewall == null || firewall == FirewallBackend.AUTO) {
                throw new IllegalArgumentException("firewall backend " + firewall + " of a bridge record must be resolved");
            }
        }

        BridgeRecord(String id, IpPrefix subnet, InetAddress gateway, boolean masquerade, int group, int reapGroup,
                     int mtu, boolean publishing, boolean deleting, IpPrefix masqueradeExcept, boolean creating) {
            this(id, subnet, gateway, masquerade, group, reapGroup, mtu, publishing, deleting, masqueradeExcept, creating, null,
                    null, FirewallBackend.IPTABLES);
        }

        BridgeRecord(String id, IpPrefix subnet, InetAddress gateway, boolean masquerade, int group, int reapGroup,
                     int mtu, boolean publishing, boolean deleting, IpPrefix masqueradeExcept, boolean creating,
                     Ipv6Config v6) {
            this(id, subnet, gateway, masquerade, group, reapGroup, mtu, publishing, deleting, masqueradeExcept, creating,
                    v6, null, FirewallBackend.IPTABLES);
        }

        BridgeRecord withPublishing() {
            return new BridgeRecord(id, subnet, gateway, masquerade, group, reapGroup, mtu, true, deleting, masqueradeExcept,
                    creating, v6, pool, firewall);
        }

        BridgeRecord withDeleting() {
            return new BridgeRecord(id, subnet, gateway, masquerade, group, reapGroup, mtu, publishing, true, masqueradeExcept,
                    creating, v6, pool, firewall);
        }

        BridgeRecord created() {
            return new BridgeRecord(id, subnet, gateway, masquerade, group, reapGroup, mtu, publishing, deleting,
                    masqueradeExcept, false, v6, pool, firewall);
        }

        String encode() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(K_ID, id);
            if (subnet != null) { // null on an IPv6-only network
                m.put(K_SUBNET, subnet.toString());
                m.put(K_GATEWAY, IpAddresses.format(gateway));
            }
            m.put(K_MASQUERADE, masquerade ? "1" : "0");
            m.put(K_GROUP, Integer.toString(group));
            m.put(K_REAP, Integer.toString(reapGroup));
            m.put(K_MTU, Integer.toString(mtu));
            if (masqueradeExcept != null) {
                m.put(K_MASQUERADE_EXCEPT, masqueradeExcept.toString());
            }
            if (pool != null) {
                m.put(K_POOL, pool.toString());
            }
            if (v6 != null) {
                m.put(K_SUBNET6, v6.subnet().toString());
                m.put(K_GATEWAY6, IpAddresses.format(v6.gateway()));
                m.put(K_MASQUERADE6, v6.masquerade() ? "1" : "0");
                if (!v6.publish()) {
                    m.put(K_PUBLISH6, "0");
                }
                if (v6.pool() != null) {
                    m.put(K_POOL6, v6.pool().toString());
                }
            }
            if (firewall == FirewallBackend.NFTABLES) {
                m.put(K_FIREWALL, "nft");
            }
            if (publishing) {
                m.put(K_PUBLISH, "1");
            }
            if (deleting) {
                m.put(K_DELETING, "1");
            }
            if (creating) {
                m.put(K_CREATING, "1");
            }
            return Alias.encode(m);
        }
    }

    /**
     * A network's IPv6 side (dual stack): subnet, gateway on the bridge, and whether it masquerades (NAT66). Its keys
     * are {@code subnet6=}, {@code gw6=}, {@code masq6=} in the bridge's record.
     */
    record Ipv6Config(IpPrefix subnet, InetAddress gateway, boolean masquerade, boolean publish, AddressRange pool) {
        Ipv6Config(IpPrefix subnet, InetAddress gateway, boolean masquerade) {
            this(subnet, gateway, masquerade, true, null);
        }

        Ipv6Config(IpPrefix subnet, InetAddress gateway, boolean masquerade, boolean publish) {
            this(subnet, gateway, masquerade, publish, null);
        }
    }

    /**
     * An attached endpoint, on its host-side veth. Exactly one of {@code nsName} and {@code nsPath} is set; an endpoint
     * whose namespace netkit created ({@code own}) has a name.
     */
    record EndpointRecord(String network, String networkId, IpPrefix address, String interfaceName, long inode,
                          String nsName, String nsPath, boolean own, List<PortMapping> published, InetAddress address6)
            implements Record {
        EndpointRecord(String network, String networkId, IpPrefix address, String interfaceName, long inode,
                       String nsName, String nsPath, boolean own, List<PortMapping> published) {
            this(network, networkId, address, interfaceName, inode, nsName, nsPath, own, published, null);
        }

        EndpointRecord withPublished(List<PortMapping> mappings) {
            return new EndpointRecord(network, networkId, address, interfaceName, inode, nsName, nsPath, own,
                    List.copyOf(mappings), address6);
        }

        /** The namespace's name, else its path. */
        String holder() {
            return nsName != null ? nsName : nsPath;
        }

        /** Encodes the record, with a message about published ports if it is too long for an alias. */
        String encode(String label) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(K_NET, network);
            m.put(K_NET_ID, networkId);
            if (address != null) { // null on an IPv6-only network
                m.put(K_ADDRESS, address.toString());
            }
            if (address6 != null) {
                // Without the prefix length (the network's): the record has 255 bytes for everything.
                m.put(K_ADDRESS6, IpAddresses.format(address6));
            }
            m.put(K_IFNAME, interfaceName);
            m.put(K_INODE, Long.toString(inode));
            if (nsName != null) {
                m.put(K_NS, nsName);
            } else {
                m.put(K_PATH, nsPath);
            }
            m.put(K_OWN, own ? "1" : "0");
            if (!published.isEmpty()) {
                m.put(K_PUBLISH, PortMapping.encode(published));
            }
            try {
                return Alias.encode(m);
            } catch (IllegalArgumentException e) {
                if (published.isEmpty()) {
                    throw e;
                }
                throw new IllegalArgumentException("cannot record " + published.size() + " published port(s) for endpoint "
                        + label + ": netkit keeps them in the host-side veth's alias, which the kernel limits to "
                        + Alias.MAX_BYTES + " bytes (IFALIASZ), and the record would not fit (" + e.getMessage()
                        + "); publish fewer ports or use a shorter namespace name", e);
            }
        }
    }

    /**
     * A detached endpoint's veth, waiting in the network's reap group for deletion. It still names the namespace
     * netkit created for the endpoint ({@code own}) until that namespace is deleted, so a process killed in between
     * leaves nothing unfindable.
     */
    record DetachedRecord(String network, String networkId, String nsName, long inode, boolean own) implements Record {
        String encode() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put(K_NET, network);
            m.put(K_NET_ID, networkId);
            m.put(K_DETACHED, "1");
            if (own && nsName != null) {
                m.put(K_NS, nsName);
                m.put(K_INODE, Long.toString(inode));
                m.put(K_OWN, "1");
            }
            return Alias.encode(m);
        }
    }

    /**
     * Parses the alias of a link: empty if it is not a netkit record at all (no {@code netkit:v1} prefix, or a record
     * of another kind such as a sandbox's uplink), the typed record if it is valid.
     *
     * @throws BadRecordException if it is a netkit record that does not validate (the message says why)
     */
    static Optional<Record> parse(String alias) {
        Map<String, String> m = Alias.decode(alias).orElse(null);
        if (m == null) {
            return Optional.empty();
        }
        if (m.containsKey(K_SUBNET) || m.containsKey(K_ID)) {
            return Optional.of(parseBridge(m));
        }
        if (m.containsKey(K_DETACHED)) {
            return Optional.of(parseDetached(m));
        }
        if (m.containsKey(K_NET_ID) || m.containsKey(K_ADDRESS)) {
            return Optional.of(parseEndpoint(m));
        }
        return Optional.empty();
    }

    /** Whether {@code alias} is a record netkit wrote (valid or not). */
    static boolean isNetkit(String alias) {
        return Alias.decode(alias).isPresent();
    }

    static BridgeRecord parseBridge(Map<String, String> m) {
        String id = id(m, K_ID);
        // An IPv6-only network has no IPv4 subnet (and no gateway); every other network has both.
        boolean ipv6Only = !m.containsKey(K_SUBNET) && !m.containsKey(K_GATEWAY) && m.containsKey(K_SUBNET6);
        IpPrefix subnet = ipv6Only ? null : subnet(required(m, K_SUBNET));
        InetAddress gw = ipv6Only ? null : address(required(m, K_GATEWAY), K_GATEWAY);
        String gwProblem = ipv6Only ? null : gatewayProblem(subnet, gw);
        if (gwProblem != null) {
            throw new BadRecordException(gwProblem);
        }
        boolean masq = flag(m, K_MASQUERADE);
        int group = group(m, K_GROUP);
        int reap = group(m, K_REAP);
        if (group == reap) {
            throw new BadRecordException("group and reap are both " + group + " (they must differ)");
        }
        int mtu = m.containsKey(K_MTU) ? (int) number(m, K_MTU, 0, 65535) : 0;
        if (mtu != 0 && mtu < 68) {
            throw new BadRecordException("mtu " + mtu + " out of range: expected 0 or 68..65535");
        }
        Ipv6Config v6 = null;
        if (m.containsKey(K_SUBNET6) || m.containsKey(K_GATEWAY6)) {
            IpPrefix s6 = prefix6(required(m, K_SUBNET6), K_SUBNET6);
            String p6 = Ipv6.subnetProblem(s6);
            if (p6 != null) {
                throw new BadRecordException(K_SUBNET6 + "=" + s6 + ": " + p6);
            }
            InetAddress gw6 = address6(required(m, K_GATEWAY6), K_GATEWAY6);
            String g6 = Ipv6.gatewayProblem(s6, gw6);
            if (g6 != null) {
                throw new BadRecordException(g6);
            }
            v6 = new Ipv6Config(s6, gw6, flag(m, K_MASQUERADE6), !m.containsKey(K_PUBLISH6) || flag(m, K_PUBLISH6),
                    pool(m, K_POOL6, s6));
        }
        IpPrefix except = m.containsKey(K_MASQUERADE_EXCEPT) ? subnet(m.get(K_MASQUERADE_EXCEPT)) : null;
        FirewallBackend fw;
        String f = m.getOrDefault(K_FIREWALL, "ipt");
        if (f.equals("nft")) {
            fw = FirewallBackend.NFTABLES;
        } else if (f.equals("ipt")) {
            fw = FirewallBackend.IPTABLES;
        } else {
            String shown = f.replaceAll("[^\\x21-\\x7e]", "?");
            throw new BadRecordException(K_FIREWALL + "=" + (shown.length() > 16 ? shown.substring(0, 16) + "..." : shown)
                    + ": expected nft or ipt");
        }
        return new BridgeRecord(id, subnet, gw, masq, group, reap, mtu, flag(m, K_PUBLISH), flag(m, K_DELETING), except,
                flag(m, K_CREATING), v6, pool(m, K_POOL, subnet), fw);
    }

    private static AddressRange pool(Map<String, String> m, String key, IpPrefix subnet) {
        if (!m.containsKey(key)) {
            return null;
        }
        AddressRange r;
        try {
            r = AddressRange.parse(m.get(key));
        } catch (IllegalArgumentException e) {
            throw new BadRecordException(key + "=" + m.get(key) + ": " + e.getMessage());
        }
        String problem = r.problemIn(subnet);
        if (problem != null) {
            throw new BadRecordException(key + "=" + m.get(key) + ": " + problem);
        }
        return r;
    }

    static EndpointRecord parseEndpoint(Map<String, String> m) {
        String net = ifname(m, K_NET);
        String nid = id(m, K_NET_ID);
        // An endpoint of an IPv6-only network has only a6= (checked against its network by KernelSnapshot).
        IpPrefix addr = !m.containsKey(K_ADDRESS) && m.containsKey(K_ADDRESS6) ? null : prefix(required(m, K_ADDRESS), K_ADDRESS);
        if (addr != null && (addr.prefixLength() < 8 || addr.prefixLength() > 30)) {
            throw new BadRecordException(K_ADDRESS + "=" + addr + ": prefix length must be 8..30");
        }
        String ifname = m.containsKey(K_IFNAME) ? ifname(m, K_IFNAME) : "eth0";
        long ino = inode(m);
        String ns = m.get(K_NS);
        String path = m.get(K_PATH);
        if ((ns == null) == (path == null)) {
            throw new BadRecordException("exactly one of ns= and path= is required");
        }
        if (ns != null) {
            namespaceName(ns);
        } else {
            namespacePath(path);
        }
        boolean own = flag(m, K_OWN);
        if (own && ns == null) {
            throw new BadRecordException("own=1 without ns= (netkit creates only named namespaces)");
        }
        List<PortMapping> pub;
        try {
            pub = PortMapping.decode(m.get(K_PUBLISH));
        } catch (RuntimeException e) {
            throw new BadRecordException(K_PUBLISH + "=" + m.get(K_PUBLISH) + ": " + e.getMessage());
        }
        InetAddress a6 = m.containsKey(K_ADDRESS6) ? address6(m.get(K_ADDRESS6), K_ADDRESS6) : null;
        return new EndpointRecord(net, nid, addr, ifname, ino, ns, path, own, pub, a6);
    }

    static DetachedRecord parseDetached(Map<String, String> m) {
        String net = ifname(m, K_NET);
        String nid = id(m, K_NET_ID);
        boolean own = flag(m, K_OWN);
        String ns = null;
        long ino = 0;
        if (own) {
            ns = required(m, K_NS);
            namespaceName(ns);
            ino = inode(m);
        }
        return new DetachedRecord(net, nid, ns, ino, own);
    }

    /** What is wrong with {@code gateway} in {@code subnet}, or {@code null}; shared with {@link Network.Builder#create()}. */
    static String gatewayProblem(IpPrefix subnet, InetAddress gateway) {
        if (!(gateway instanceof Inet4Address) || !subnet.contains(gateway)) {
            return "gateway " + IpAddresses.format(gateway) + " is outside subnet " + subnet
                    + "; choose an address inside it, or leave the gateway out to get the subnet's first address";
        }
        int size = 1 << (32 - subnet.prefixLength());
        int off = Ipv4.toInt(gateway) - Ipv4.toInt(subnet.address());
        if (off == 0 || off == size - 1) {
            return "gateway " + IpAddresses.format(gateway) + " is the " + (off == 0 ? "network" : "broadcast")
                    + " address of " + subnet + "; choose an address between them, e.g. "
                    + IpAddresses.format(Ipv4.fromInt(Ipv4.toInt(subnet.address()) + 1));
        }
        return null;
    }

    /** What is wrong with {@code subnet} as a network's subnet, or {@code null}; shared with {@link Network.Builder}. */
    static String subnetProblem(IpPrefix p) {
        if (!p.isIpv4()) {
            return "only IPv4 subnets are supported so far";
        }
        if (p.prefixLength() < 8 || p.prefixLength() > 30) {
            return "prefix length must be 8..30 (a /31 or /32 has no room for a gateway and endpoints)";
        }
        if (!p.network().equals(p)) {
            return "host bits are set (did you mean " + p.network() + "?)";
        }
        return null;
    }

    // ---------------------------------------------------------------- field parsers

    private static String required(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null || v.isEmpty()) {
            throw new BadRecordException(key + "= is missing");
        }
        return v;
    }

    private static String id(Map<String, String> m, String key) {
        String v = required(m, key);
        if (!Names.isHex(v, 8)) {
            throw new BadRecordException(key + "=" + v + ": expected 8 lowercase hex digits");
        }
        return v;
    }

    private static IpPrefix subnet(String v) {
        IpPrefix p = prefix(v, K_SUBNET);
        String problem = subnetProblem(p);
        if (problem != null) {
            throw new BadRecordException(K_SUBNET + "=" + v + ": " + problem);
        }
        return p;
    }

    private static IpPrefix prefix(String v, String key) {
        try {
            IpPrefix p = IpPrefix.parse(v);
            if (!p.isIpv4()) {
                throw new BadRecordException(key + "=" + v + ": not IPv4");
            }
            return p;
        } catch (BadRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecordException(key + "=" + v + ": " + e.getMessage());
        }
    }

    private static InetAddress address(String v, String key) {
        try {
            InetAddress a = IpAddresses.parse(v);
            if (!(a instanceof Inet4Address)) {
                throw new BadRecordException(key + "=" + v + ": not IPv4");
            }
            return a;
        } catch (BadRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecordException(key + "=" + v + ": " + e.getMessage());
        }
    }

    private static IpPrefix prefix6(String v, String key) {
        try {
            IpPrefix p = IpPrefix.parse(v);
            if (p.isIpv4()) {
                throw new BadRecordException(key + "=" + v + ": not IPv6");
            }
            return p;
        } catch (BadRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecordException(key + "=" + v + ": " + e.getMessage());
        }
    }

    private static InetAddress address6(String v, String key) {
        try {
            InetAddress a = IpAddresses.parse(v);
            if (!(a instanceof Inet6Address)) {
                throw new BadRecordException(key + "=" + v + ": not IPv6");
            }
            return a;
        } catch (BadRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadRecordException(key + "=" + v + ": " + e.getMessage());
        }
    }

    private static boolean flag(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null || v.equals("0")) {
            return false;
        }
        if (v.equals("1")) {
            return true;
        }
        throw new BadRecordException(key + "=" + v + ": expected 0 or 1");
    }

    private static long number(Map<String, String> m, String key, long min, long max) {
        String v = required(m, key);
        if (!Names.isDecimal(v, 19)) {
            throw new BadRecordException(key + "=" + v + ": expected a decimal number");
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new BadRecordException(key + "=" + v + ": out of range");
        }
        if (n < min || n > max) {
            throw new BadRecordException(key + "=" + v + ": out of range " + min + ".." + max);
        }
        return n;
    }

    private static int group(Map<String, String> m, String key) {
        return (int) number(m, key, 1, Integer.MAX_VALUE);
    }

    private static long inode(Map<String, String> m) {
        return number(m, K_INODE, 1, Long.MAX_VALUE);
    }

    private static String ifname(Map<String, String> m, String key) {
        String v = required(m, key);
        if (!InterfaceNames.isValid(v)) {
            throw new BadRecordException(key + "=" + v + ": not a valid interface name");
        }
        return v;
    }

    static void namespaceName(String ns) {
        if (ns.isEmpty() || ns.equals(".") || ns.equals("..") || ns.contains("/") || ns.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            throw new BadRecordException("ns=" + ns + ": not a namespace name (a file name in /run/netns)");
        }
        for (int i = 0; i < ns.length(); i++) {
            char c = ns.charAt(i);
            if (c == 0 || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new BadRecordException("ns=" + ns + ": contains whitespace or control characters");
            }
        }
    }

    private static void namespacePath(String path) {
        java.nio.file.Path p;
        try {
            p = java.nio.file.Path.of(path);
        } catch (RuntimeException e) {
            throw new BadRecordException("path=" + path + ": " + e.getMessage());
        }
        if (!p.isAbsolute() || !p.normalize().equals(p) || path.contains("..")) {
            throw new BadRecordException("path=" + path + ": expected an absolute, normalized path");
        }
        if (path.startsWith("/proc/1/") || path.startsWith("/proc/self/") || path.startsWith("/proc/thread-self/")) {
            throw new BadRecordException("path=" + path + ": names the machine's or this process's own namespace");
        }
    }
}
