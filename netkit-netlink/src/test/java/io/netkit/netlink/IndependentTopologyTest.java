package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An independent check written against the public API only: a whole topology (a "host" and two "containers":
 * bridge, veths with their peers in the containers, vxlan, macvlan, IPv4 and IPv6 addresses, routes in a table,
 * default routes, neighbours, FDB entries, sysctls) built by netkit and compared field by field with what
 * {@code ip -j -d} and {@code bridge -j fdb} report; and the reverse: the same topology built with {@code ip},
 * read back by netkit and compared the same way. The comparison does not use netkit's own test helpers: it
 * translates each tool's vocabulary (flag names, scope/table/protocol/type names) itself.
 */
@Privileged
class IndependentTopologyTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private static final MacAddress C1_MAC = MacAddress.parse("02:00:5e:10:00:02");
    private static final MacAddress FDB_MAC = MacAddress.parse("02:00:5e:10:00:60");
    private static final MacAddress NEIGH4_MAC = MacAddress.parse("02:00:5e:10:00:50");
    private static final MacAddress NEIGH6_MAC = MacAddress.parse("02:00:5e:10:00:51");

    @Test
    void topologyBuiltByNetkitIsWhatIpReports() throws Exception {
        NetNamespace host = namespaces.create("th");
        NetNamespace c1 = namespaces.create("tc1");
        NetNamespace c2 = namespaces.create("tc2");
        RtNetlink h = host.netlink();

        // An explicit bridge address: otherwise the bridge takes its lowest port MAC, and when that port leaves
        // (setNoMaster below) the address changes and the kernel flushes br0's neighbours, permanent ones too.
        h.links().create(LinkSpec.bridge("br0").mac(MacAddress.parse("02:00:5e:10:00:01")).up());
        h.addresses().add("br0", IpPrefix.parse("172.31.0.1/24"));
        h.addresses().add("br0", IpPrefix.parse("fd00:31::1/64"), AddressOptions.defaults().noDad());
        h.links().create(LinkSpec.veth("v1", "eth0").peerNamespace(c1).peerMac(C1_MAC).peerMtu(1400).peerUp()
                .master("br0").mtu(1400).alias("container one").group(7).up());
        h.links().create(LinkSpec.veth("v2", "eth0").peerNamespace(c2).peerUp().master("br0").up());
        h.links().create(LinkSpec.veth("up0", "up1").txQueueLen(500).up());
        h.links().setUp("up1");
        h.addresses().add("up0", IpPrefix.parse("10.99.0.1/24"));
        h.links().create(LinkSpec.vxlan("vx0", 42).local(ip("10.99.0.1")).port(4789).device("up0").learning(false)
                .master("br0").up());
        h.links().create(LinkSpec.macvlan("mv0", "up1", LinkSpec.MacvlanMode.BRIDGE).mtu(1300));
        h.routes().add(RouteSpec.to(IpPrefix.parse("10.200.0.0/16")).via(ip("172.31.0.2")).table(100).metric(50));
        h.routes().add(RouteSpec.to(IpPrefix.parse("10.201.0.0/24")).device("br0").table(100));
        h.routes().add(RouteSpec.to(IpPrefix.parse("fd00:99::/48")).via(ip("fd00:31::2")).table(100));
        h.neighbors().add("br0", ip("172.31.0.50"), NEIGH4_MAC);
        h.neighbors().add("br0", ip("fd00:31::50"), NEIGH6_MAC);
        h.neighbors().addFdb("v1", FDB_MAC);
        h.neighbors().addFdb("vx0", MacAddress.parse("00:00:00:00:00:00"), ip("10.99.0.2"));
        host.sysctl().set("net.ipv4.ip_forward", "1");
        host.sysctl().setInterface("ipv6", "br0", "forwarding", "1");

        for (NetNamespace c : List.of(c1, c2)) {
            RtNetlink r = c.netlink();
            r.links().setUp("lo");
            String last = c == c1 ? "2" : "3";
            r.addresses().add("eth0", IpPrefix.parse("172.31.0." + last + "/24"));
            r.addresses().add("eth0", IpPrefix.parse("fd00:31::" + last + "/64"), AddressOptions.defaults().noDad());
            r.routes().add(RouteSpec.defaultVia(ip("172.31.0.1")));
            r.routes().add(RouteSpec.defaultVia(ip("fd00:31::1")));
        }

        // explicit expectations on the witness
        Map<String, Object> v1 = ipLink(host, "v1");
        assertThat(v1.get("master")).isEqualTo("br0");
        assertThat(v1.get("ifalias")).isEqualTo("container one");
        assertThat(num(v1.get("mtu"))).isEqualTo(1400);
        Map<String, Object> eth0 = ipLink(c1, "eth0");
        assertThat(eth0.get("address")).isEqualTo(C1_MAC.toString());
        assertThat(num(eth0.get("mtu"))).isEqualTo(1400);
        assertThat(Cmd.run("ip", "netns", "exec", host.name().orElseThrow(), "sysctl", "-n", "net.ipv4.ip_forward")
                .strip()).isEqualTo("1");
        assertThat(Cmd.run("ip", "netns", "exec", host.name().orElseThrow(), "sysctl", "-n",
                "net.ipv6.conf.br0.forwarding").strip()).isEqualTo("1");

        for (NetNamespace ns : List.of(host, c1, c2)) {
            compareEverything(ns);
        }
        assertThat(routeKeys(host, 4)).anyMatch(k -> k.startsWith("dst=10.200.0.0/16 gw=172.31.0.2"));
        assertThat(routeKeys(c1, 6)).anyMatch(k -> k.startsWith("dst=::/0 gw=fd00:31::1"));

        // changes, then the same comparison again
        h.links().setNoMaster("v2");
        h.links().setDown("v2");
        h.links().rename("v2", "v2b");
        h.links().setMac("v2b", MacAddress.parse("02:00:5e:10:00:77"));
        h.links().setMtu("v2b", 1280);
        h.links().setAlias("v1", "renamed alias");
        h.links().setGroup("v1", 0);
        h.links().create(LinkSpec.tap("tap0").up());
        h.routes().replace(RouteSpec.to(IpPrefix.parse("10.200.0.0/16")).via(ip("172.31.0.3")).table(100).metric(50));
        h.routes().delete(RouteSpec.to(IpPrefix.parse("10.201.0.0/24")).device("br0").table(100));
        h.neighbors().delete("br0", ip("172.31.0.50"));
        h.neighbors().deleteFdb("v1", FDB_MAC);
        h.addresses().delete("br0", IpPrefix.parse("fd00:31::1/64"));
        c2.netlink().routes().delete(RouteSpec.defaultVia(ip("fd00:31::1")));
        for (NetNamespace ns : List.of(host, c1, c2)) {
            compareEverything(ns);
        }
        assertThat(routeKeys(host, 4)).anyMatch(k -> k.startsWith("dst=10.200.0.0/16 gw=172.31.0.3"))
                .noneMatch(k -> k.startsWith("dst=10.201.0.0/24"));
        assertThat(ipLink(host, "v2b").get("address")).isEqualTo("02:00:5e:10:00:77");
    }

    @Test
    void topologyBuiltByIpIsWhatNetkitReads() throws Exception {
        NetNamespace host = namespaces.create("rh");
        NetNamespace c1 = namespaces.create("rc1");
        String h = host.name().orElseThrow();
        String c = c1.name().orElseThrow();
        ipIn(h, "link", "add", "br0", "type", "bridge");
        ipIn(h, "link", "set", "br0", "up");
        ipIn(h, "addr", "add", "172.31.0.1/24", "brd", "+", "dev", "br0");
        ipIn(h, "addr", "add", "fd00:31::1/64", "dev", "br0", "nodad");
        ipIn(h, "link", "add", "v1", "mtu", "1400", "group", "9", "type", "veth", "peer", "name", "eth0",
                "address", C1_MAC.toString(), "netns", c);
        ipIn(h, "link", "set", "v1", "master", "br0", "alias", "from ip", "up");
        ipIn(h, "link", "add", "up0", "txqueuelen", "600", "type", "veth", "peer", "name", "up1");
        ipIn(h, "link", "set", "up0", "up");
        ipIn(h, "addr", "add", "10.99.0.1/24", "dev", "up0", "label", "up0:ul");
        ipIn(h, "link", "add", "vx0", "type", "vxlan", "id", "42", "local", "10.99.0.1", "dev", "up0",
                "dstport", "4789", "nolearning");
        ipIn(h, "link", "set", "vx0", "master", "br0", "up");
        ipIn(h, "link", "add", "mv0", "link", "up1", "type", "macvlan", "mode", "bridge");
        ipIn(h, "route", "add", "10.200.0.0/16", "via", "172.31.0.2", "table", "100", "metric", "50");
        ipIn(h, "route", "add", "10.201.0.0/24", "dev", "br0", "table", "100", "proto", "static");
        ipIn(h, "route", "add", "blackhole", "10.202.0.0/24", "table", "100");
        ipIn(h, "neigh", "add", "172.31.0.50", "lladdr", NEIGH4_MAC.toString(), "dev", "br0", "nud", "permanent");
        ipIn(h, "neigh", "add", "fd00:31::50", "lladdr", NEIGH6_MAC.toString(), "dev", "br0", "nud", "permanent");
        Cmd.run("bridge", "-n", h, "fdb", "add", FDB_MAC.toString(), "dev", "v1", "master", "static");
        Cmd.run("bridge", "-n", h, "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "10.99.0.2",
                "self", "permanent");
        Cmd.run("ip", "netns", "exec", h, "sysctl", "-q", "-w", "net.ipv4.conf.br0.forwarding=1");
        ipIn(c, "link", "set", "lo", "up");
        ipIn(c, "link", "set", "eth0", "up");
        ipIn(c, "addr", "add", "172.31.0.2/24", "dev", "eth0");
        ipIn(c, "addr", "add", "fd00:31::2/64", "dev", "eth0", "nodad");
        ipIn(c, "route", "add", "default", "via", "172.31.0.1");
        ipIn(c, "-6", "route", "add", "default", "via", "fd00:31::1", "metric", "10");

        RtNetlink r = host.netlink();
        Link v1 = r.links().get("v1");
        assertThat(v1.alias()).isEqualTo("from ip");
        assertThat(v1.group()).isEqualTo(9);
        assertThat(v1.mtu()).isEqualTo(1400);
        assertThat(v1.kind()).isEqualTo("veth");
        assertThat(v1.masterIndex()).isEqualTo(r.links().get("br0").index());
        assertThat(v1.linkNetnsId()).isNotNegative();
        assertThat(r.links().get("vx0").kind()).isEqualTo("vxlan");
        assertThat(r.links().get("mv0").kind()).isEqualTo("macvlan");
        assertThat(r.links().get("mv0").linkIndex()).isEqualTo(r.links().get("up1").index());
        assertThat(r.links().get("up0").txQueueLen()).isEqualTo(600);
        assertThat(c1.netlink().links().get("eth0").mac()).isEqualTo(C1_MAC);
        assertThat(r.addresses().list("up0")).anyMatch(a -> "up0:ul".equals(a.label())
                && a.prefix().equals(IpPrefix.parse("10.99.0.1/24")));
        assertThat(r.routes().list(100)).anyMatch(rt -> rt.type() == Route.TYPE_BLACKHOLE);
        assertThat(r.neighbors().list("br0")).anyMatch(n -> NEIGH6_MAC.equals(n.mac()));
        assertThat(r.neighbors().listFdb("v1")).anyMatch(n -> FDB_MAC.equals(n.mac()));
        assertThat(host.sysctl().get("net.ipv4.conf.br0.forwarding")).isEqualTo("1");
        assertThat(host.sysctl().getInterface("ipv4", "br0", "forwarding")).isEqualTo("1");

        compareEverything(host);
        compareEverything(c1);
    }

    // ------------------------------------------------------------------ comparison

    /**
     * The kernel changes some state on its own (IPv6 multicast neighbours appear when MLD joins a group,
     * operstate settles after carrier), so two snapshots taken a moment apart may differ legitimately. A real
     * mismatch persists, so the comparison is repeated for up to two seconds and the last difference reported.
     */
    private static void compareEverything(NetNamespace ns) {
        AssertionError last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                compareOnce(ns);
                return;
            } catch (AssertionError e) {
                last = e;
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw last;
    }

    private static void compareOnce(NetNamespace ns) {
        compareLinks(ns);
        assertThat(netkitAddresses(ns)).as("addresses in %s", ns).isEqualTo(ipAddresses(ns));
        for (int family : new int[] {4, 6}) {
            assertThat(netkitRoutes(ns, family)).as("IPv%d routes in %s", family, ns).isEqualTo(routeKeys(ns, family));
        }
        assertThat(netkitNeighbors(ns)).as("neighbours in %s", ns).isEqualTo(ipNeighbors(ns));
        assertThat(netkitFdb(ns)).as("fdb in %s", ns).isEqualTo(bridgeFdb(ns));
    }

    private static final Object[][] IFF = {
        {0x1, "UP"}, {0x2, "BROADCAST"}, {0x4, "DEBUG"}, {0x8, "LOOPBACK"}, {0x10, "POINTOPOINT"},
        {0x20, "NOTRAILERS"}, {0x80, "NOARP"}, {0x100, "PROMISC"}, {0x200, "ALLMULTI"}, {0x400, "MASTER"},
        {0x800, "SLAVE"}, {0x1000, "MULTICAST"}, {0x2000, "PORTSEL"}, {0x4000, "AUTOMEDIA"}, {0x8000, "DYNAMIC"},
        {0x10000, "LOWER_UP"}, {0x20000, "DORMANT"}, {0x40000, "ECHO"},
    };

    private static Set<String> flagNames(int flags) {
        Set<String> out = new TreeSet<>();
        if ((flags & 0x1) != 0 && (flags & 0x40) == 0) {
            out.add("NO-CARRIER");
        }
        for (Object[] f : IFF) {
            if ((flags & (Integer) f[0]) != 0) {
                out.add((String) f[1]);
            }
        }
        return out;
    }

    private static void compareLinks(NetNamespace ns) {
        List<Link> mine = ns.netlink().links().list();
        Map<Integer, Link> byIndex = mine.stream().collect(Collectors.toMap(Link::index, l -> l));
        List<Map<String, Object>> theirs = IpJson.ip("-d", "-n", ns.name().orElseThrow(), "link", "show");
        assertThat(new TreeSet<>(byIndex.keySet())).as("link indexes in %s", ns)
                .isEqualTo(theirs.stream().map(m -> num(m.get("ifindex"))).collect(Collectors.toCollection(TreeSet::new)));
        for (Map<String, Object> ip : theirs) {
            Link l = byIndex.get(num(ip.get("ifindex")));
            String what = "link " + ip.get("ifname") + " in " + ns;
            assertThat(l.name()).as(what).isEqualTo(ip.get("ifname"));
            assertThat(l.mtu()).as(what + " mtu").isEqualTo(num(ip.get("mtu")));
            assertThat(l.txQueueLen()).as(what + " txqlen").isEqualTo(num(ip.getOrDefault("txqlen", 0L)));
            Object group = ip.get("group");
            assertThat(l.group()).as(what + " group").isEqualTo("default".equals(group) ? 0 : Integer.parseInt(group.toString()));
            Set<String> flags = flagNames(l.flags());
            Link lower = l.linkNetnsId() < 0 ? byIndex.get(l.linkIndex()) : null;
            if (lower != null && lower != l && !lower.isUp()) {
                flags.add("M-DOWN");   // ip's own derivation: the lower device (veth peer, macvlan parent) is down
            }
            assertThat(flags).as(what + " flags").isEqualTo(new TreeSet<>(strings(ip.get("flags"))));
            assertThat(l.operState().name()).as(what + " operstate").isEqualTo(ip.get("operstate"));
            String linkType = switch (l.type()) {
                case 1 -> "ether";
                case 772 -> "loopback";
                case 65534 -> "none";
                default -> "type " + l.type();
            };
            assertThat(linkType).as(what + " link_type").isEqualTo(ip.get("link_type"));
            if (l.mac() != null) {
                assertThat(l.mac().toString()).as(what + " address").isEqualTo(ip.get("address"));
            } else {
                assertThat(ip.get("address")).as(what + " address").isNull();
            }
            String master = l.masterIndex() == 0 ? null : byIndex.get(l.masterIndex()).name();
            assertThat(master).as(what + " master").isEqualTo(ip.get("master"));
            assertThat(l.alias()).as(what + " alias").isEqualTo(ip.get("ifalias"));
            assertThat(l.linkNetnsId()).as(what + " link_netnsid")
                    .isEqualTo(ip.containsKey("link_netnsid") ? num(ip.get("link_netnsid")) : -1);
            if (ip.containsKey("link_index")) {
                assertThat(l.linkIndex()).as(what + " link_index").isEqualTo(num(ip.get("link_index")));
            } else if (ip.containsKey("link")) {
                Object peer = ip.get("link");
                assertThat(peer == null ? 0 : byIndex.get(l.linkIndex()) == null ? -1 : l.linkIndex())
                        .as(what + " link").isEqualTo(peer == null ? 0 : indexOf(byIndex, (String) peer));
            } else {
                assertThat(l.linkIndex() == 0 || l.linkIndex() == l.index()).as(what + " has no link: " + l.linkIndex())
                        .isTrue();
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> info = (Map<String, Object>) ip.get("linkinfo");
            assertThat(l.kind()).as(what + " kind").isEqualTo(info == null ? null : info.get("info_kind"));
        }
    }

    private static int indexOf(Map<Integer, Link> byIndex, String name) {
        return byIndex.values().stream().filter(l -> l.name().equals(name)).findFirst().orElseThrow().index();
    }

    private static final Map<Integer, String> SCOPES = Map.of(0, "global", 200, "site", 253, "link", 254, "host",
            255, "nowhere");

    private static Set<String> netkitAddresses(NetNamespace ns) {
        Set<String> out = new TreeSet<>();
        for (Address a : ns.netlink().addresses().list()) {
            String label = a.isIpv4() ? a.label() : null;
            out.add(addrKey(a.index(), a.isIpv4() ? "inet" : "inet6", IpAddresses.format(a.prefix().address()),
                    a.prefix().prefixLength(), a.broadcast() == null ? null : IpAddresses.format(a.broadcast()),
                    SCOPES.getOrDefault(a.scope(), String.valueOf(a.scope())), label, addrFlags(a.flags())));
        }
        return out;
    }

    private static final Object[][] IFA_FLAGS = {
        {0x02, "nodad"}, {0x08, "dadfailed"}, {0x10, "home"}, {0x20, "deprecated"}, {0x40, "tentative"},
        {0x100, "mngtmpaddr"}, {0x200, "noprefixroute"}, {0x400, "autojoin"}, {0x800, "stable-privacy"},
    };

    private static Set<String> addrFlags(int flags) {
        Set<String> out = new TreeSet<>();
        for (Object[] f : IFA_FLAGS) {
            if ((flags & (Integer) f[0]) != 0) {
                out.add((String) f[1]);
            }
        }
        if ((flags & 0x80) == 0) {
            out.add("dynamic");
        }
        return out;
    }

    private static Set<String> ipAddresses(NetNamespace ns) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> link : IpJson.ip("-n", ns.name().orElseThrow(), "addr", "show")) {
            for (Object o : (List<?>) link.get("addr_info")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> a = (Map<String, Object>) o;
                Set<String> flags = new TreeSet<>();
                for (Object[] f : IFA_FLAGS) {
                    if (Boolean.TRUE.equals(a.get(f[1]))) {
                        flags.add((String) f[1]);
                    }
                }
                if (Boolean.TRUE.equals(a.get("dynamic"))) {
                    flags.add("dynamic");
                }
                out.add(addrKey(num(link.get("ifindex")), (String) a.get("family"), (String) a.get("local"),
                        num(a.get("prefixlen")), (String) a.get("broadcast"), (String) a.get("scope"),
                        (String) a.get("label"), flags));
            }
        }
        return out;
    }

    private static String addrKey(int index, String family, String local, int len, String brd, String scope,
                                  String label, Set<String> flags) {
        return index + " " + family + " " + local + "/" + len + " brd=" + brd + " scope=" + scope + " label=" + label
                + " flags=" + flags;
    }

    private static final Map<Integer, String> TABLES = Map.of(254, "main", 255, "local", 253, "default");
    private static final Map<Integer, String> PROTOCOLS = Map.of(1, "redirect", 2, "kernel", 3, "boot", 4, "static",
            9, "ra", 16, "dhcp");
    private static final Map<Integer, String> TYPES = Map.of(1, "unicast", 2, "local", 3, "broadcast", 4, "anycast",
            5, "multicast", 6, "blackhole", 7, "unreachable", 8, "prohibit", 9, "throw", 10, "nat");

    private static List<String> netkitRoutes(NetNamespace ns, int family) {
        Map<Integer, String> names = ns.netlink().links().list().stream()
                .collect(Collectors.toMap(Link::index, Link::name));
        List<String> out = new ArrayList<>();
        for (Route r : ns.netlink().routes().list(0)) {
            if ((family == 4) != (r.family() == 2)) {
                continue;
            }
            out.add(routeKey(r.destination().toString(), r.gateway() == null ? null : IpAddresses.format(r.gateway()),
                    r.outputIndex() == 0 ? null : names.get(r.outputIndex()),
                    TABLES.getOrDefault(r.table(), String.valueOf(r.table())),
                    PROTOCOLS.getOrDefault(r.protocol(), String.valueOf(r.protocol())),
                    SCOPES.getOrDefault(r.scope(), String.valueOf(r.scope())),
                    TYPES.getOrDefault(r.type(), String.valueOf(r.type())), r.priority(),
                    r.preferredSource() == null ? null : IpAddresses.format(r.preferredSource())));
        }
        out.sort(null);
        return out;
    }

    static List<String> routeKeys(NetNamespace ns, int family) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r : IpJson.ip("-" + family, "-n", ns.name().orElseThrow(), "route", "show",
                "table", "all")) {
            String dst = (String) r.get("dst");
            if ("default".equals(dst)) {
                dst = family == 4 ? "0.0.0.0/0" : "::/0";
            } else if (!dst.contains("/")) {
                dst = dst + (family == 4 ? "/32" : "/128");
            }
            Object table = r.getOrDefault("table", "main");
            out.add(routeKey(dst, (String) r.get("gateway"), (String) r.get("dev"), table.toString(),
                    (String) r.getOrDefault("protocol", "boot"), (String) r.getOrDefault("scope", "global"),
                    (String) r.getOrDefault("type", "unicast"), num(r.getOrDefault("metric", 0L)),
                    (String) r.get("prefsrc")));
        }
        out.sort(null);
        return out;
    }

    private static String routeKey(String dst, String gw, String dev, String table, String proto, String scope,
                                   String type, int metric, String prefsrc) {
        return "dst=" + dst + " gw=" + gw + " dev=" + dev + " table=" + table + " proto=" + proto + " scope=" + scope
                + " type=" + type + " metric=" + metric + " src=" + prefsrc;
    }

    private static final Object[][] NUD = {
        {0x01, "INCOMPLETE"}, {0x02, "REACHABLE"}, {0x04, "STALE"}, {0x08, "DELAY"}, {0x10, "PROBE"},
        {0x20, "FAILED"}, {0x40, "NOARP"}, {0x80, "PERMANENT"},
    };

    /** Only entries that cannot change between the two reads: permanent and noarp ones. */
    private static boolean stable(int state) {
        return (state & 0xC0) != 0;
    }

    private static Set<String> netkitNeighbors(NetNamespace ns) {
        Map<Integer, String> names = ns.netlink().links().list().stream()
                .collect(Collectors.toMap(Link::index, Link::name));
        Set<String> out = new TreeSet<>();
        for (Neighbor n : ns.netlink().neighbors().list()) {
            if (!stable(n.state())) {
                continue;
            }
            Set<String> st = new TreeSet<>();
            for (Object[] f : NUD) {
                if ((n.state() & (Integer) f[0]) != 0) {
                    st.add((String) f[1]);
                }
            }
            out.add(names.get(n.index()) + " " + IpAddresses.format(n.address()) + " lladdr="
                    + (n.mac() == null ? null : n.mac().toString()) + " " + st);
        }
        return out;
    }

    private static Set<String> ipNeighbors(NetNamespace ns) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> n : IpJson.ip("-n", ns.name().orElseThrow(), "neigh", "show", "nud", "all")) {
            Set<String> st = new TreeSet<>(strings(n.get("state")));
            if (!st.contains("PERMANENT") && !st.contains("NOARP")) {
                continue;
            }
            out.add(n.get("dev") + " " + n.get("dst") + " lladdr=" + n.get("lladdr") + " " + st);
        }
        return out;
    }

    private static Set<String> netkitFdb(NetNamespace ns) {
        Map<Integer, String> names = ns.netlink().links().list().stream()
                .collect(Collectors.toMap(Link::index, Link::name));
        Set<String> out = new TreeSet<>();
        for (Neighbor n : ns.netlink().neighbors().listFdb()) {
            if (!stable(n.state())) {
                continue;
            }
            String state = (n.state() & 0x80) != 0 ? "permanent" : "static";
            boolean self = (n.flags() & Neighbor.NTF_SELF) != 0;
            out.add(fdbKey(names.get(n.index()), n.mac().toString(),
                    n.address() == null ? null : IpAddresses.format(n.address()), n.vlan(),
                    n.masterIndex() == 0 ? null : names.get(n.masterIndex()), self, state));
        }
        return out;
    }

    private static Set<String> bridgeFdb(NetNamespace ns) {
        Set<String> out = new TreeSet<>();
        String json = Cmd.run("bridge", "-j", "-n", ns.name().orElseThrow(), "fdb", "show").strip();
        if (json.isEmpty()) {
            return out;
        }
        for (Object o : (List<?>) IpJson.parse(json)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> f = (Map<String, Object>) o;
            Object state = f.get("state");
            if (!"permanent".equals(state) && !"static".equals(state)) {
                continue;
            }
            out.add(fdbKey((String) f.get("ifname"), (String) f.get("mac"), (String) f.get("dst"),
                    num(f.getOrDefault("vlan", 0L)), (String) f.get("master"), strings(f.get("flags")).contains("self"),
                    (String) state));
        }
        return out;
    }

    private static String fdbKey(String dev, String mac, String dst, int vlan, String master, boolean self,
                                 String state) {
        return dev + " " + mac + " dst=" + dst + " vlan=" + vlan + " master=" + master + " self=" + self + " " + state;
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> ipLink(NetNamespace ns, String name) {
        List<Map<String, Object>> l = IpJson.ip("-d", "-n", ns.name().orElseThrow(), "link", "show", "dev", name);
        assertThat(l).hasSize(1);
        return new TreeMap<>(l.get(0));
    }

    private static void ipIn(String ns, String... args) {
        String[] argv = new String[args.length + 3];
        argv[0] = "ip";
        argv[1] = "-n";
        argv[2] = ns;
        System.arraycopy(args, 0, argv, 3, args.length);
        Cmd.run(argv);
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            for (Object x : l) {
                out.add(String.valueOf(x));
            }
        }
        return out;
    }

    private static int num(Object o) {
        return ((Number) o).intValue();
    }

    private static InetAddress ip(String literal) {
        return IpAddresses.parse(literal);
    }
}
