package io.netkit.netlink;

import static io.netkit.netlink.IpWitness.ip;
import static io.netkit.netlink.IpWitness.ipIn;
import static io.netkit.netlink.IpWitness.map;
import static io.netkit.netlink.IpWitness.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Addresses, routes and neighbours against the real kernel, witnessed by {@code ip -j} and {@code bridge -j}. */
@Privileged
class AddressesRoutesKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    NetNamespace ns;
    RtNetlink rt;

    @BeforeEach
    void setUp() {
        ns = namespaces.create("net");
        rt = ns.netlink();
        rt.links().create(LinkSpec.veth("v0", "v0p").up().peerUp());
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> ipAddrs(String dev) {
        return (List<Map<String, Object>>) ip(ns, "addr", "show", "dev", dev).get(0).get("addr_info");
    }

    @Test
    void ipv4AddressGetsBroadcastAndMatchesIp() {
        rt.addresses().add("v0", IpPrefix.parse("172.16.0.1/24"));
        rt.addresses().add("v0", IpPrefix.parse("172.16.1.1/31"));
        rt.addresses().add("v0", IpPrefix.parse("172.16.2.1/24"), AddressOptions.defaults().label("v0:gw").noBroadcast());
        List<Address> mine = rt.addresses().list("v0").stream().filter(Address::isIpv4).toList();
        assertThat(mine).extracting(a -> a.prefix().toString())
                .containsExactly("172.16.0.1/24", "172.16.1.1/31", "172.16.2.1/24");
        assertThat(IpAddresses.format(mine.get(0).broadcast())).isEqualTo("172.16.0.255");
        assertThat(mine.get(1).broadcast()).isNull();
        assertThat(mine.get(2).label()).isEqualTo("v0:gw");
        List<Map<String, Object>> ips = ipAddrs("v0").stream().filter(m -> "inet".equals(m.get("family"))).toList();
        assertThat(ips).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Address a = mine.get(i);
            Map<String, Object> m = ips.get(i);
            assertThat(m.get("local")).isEqualTo(IpAddresses.format(a.prefix().address()));
            assertThat(num(m.get("prefixlen"))).isEqualTo(a.prefix().prefixLength());
            assertThat(m.get("broadcast")).isEqualTo(a.broadcast() == null ? null : IpAddresses.format(a.broadcast()));
            assertThat(m.get("label")).isEqualTo(a.label());
            assertThat(m.get("scope")).isEqualTo("global");
            assertThat(a.scope()).isZero();
            assertThat(a.index()).isEqualTo(rt.links().get("v0").index());
        }
        assertThatThrownBy(() -> rt.addresses().add("v0", IpPrefix.parse("172.16.0.1/24")))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
        rt.addresses().delete("v0", IpPrefix.parse("172.16.0.1/24"));
        assertThat(ipAddrs("v0").stream().map(m -> m.get("local")).toList()).doesNotContain("172.16.0.1");
        assertThatThrownBy(() -> rt.addresses().delete("v0", IpPrefix.parse("172.16.0.1/24")))
                .isInstanceOfSatisfying(NetlinkException.class,
                        e -> assertThat(e.errnoName()).isEqualTo("EADDRNOTAVAIL"));
        assertThatThrownBy(() -> rt.addresses().add("nosuch", IpPrefix.parse("10.0.0.1/8")))
                .isInstanceOf(LinkNotFoundException.class);
        assertThatThrownBy(() -> rt.addresses().add("v0", IpPrefix.parse("10.0.0.1/8"),
                AddressOptions.defaults().label("eth9:x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"eth9:x\"");
    }

    @Test
    void ipv6AddressesAndWhatIpAddsReadsBack() {
        rt.addresses().add("v0", IpPrefix.parse("fd00:1::1/64"), AddressOptions.defaults().noDad());
        ipIn(ns, "addr", "add", "10.7.0.1/16", "brd", "+", "dev", "v0p", "label", "v0p:ip");
        ipIn(ns, "addr", "add", "fd00:2::5/64", "dev", "v0p", "nodad");
        ipIn(ns, "addr", "add", "127.0.0.2/8", "dev", "lo");
        List<Address> all = rt.addresses().list();
        Map<String, Address> byLocal = all.stream()
                .collect(Collectors.toMap(a -> IpAddresses.format(a.prefix().address()), a -> a));
        Address v6 = byLocal.get("fd00:1::1");
        assertThat(v6.family()).isEqualTo(10);
        assertThat(v6.flags() & Address.IFA_F_NODAD).isNotZero();
        assertThat(v6.flags() & Address.IFA_F_PERMANENT).isNotZero();
        assertThat(v6.broadcast()).isNull();
        Address fromIp = byLocal.get("10.7.0.1");
        assertThat(fromIp.prefix()).isEqualTo(IpPrefix.parse("10.7.0.1/16"));
        assertThat(IpAddresses.format(fromIp.broadcast())).isEqualTo("10.7.255.255");
        assertThat(fromIp.label()).isEqualTo("v0p:ip");
        assertThat(byLocal.get("fd00:2::5").prefix().toString()).isEqualTo("fd00:2::5/64");
        assertThat(byLocal.get("127.0.0.2").scope()).isEqualTo(Route.SCOPE_HOST);
        // every address ip shows, netkit shows with the same attributes
        int count = 0;
        for (Map<String, Object> dev : ip(ns, "addr", "show")) {
            for (Object o : (List<?>) dev.get("addr_info")) {
                Map<String, Object> m = map(o);
                Address a = byLocal.get((String) m.get("local"));
                assertThat(a).as("%s", m).isNotNull();
                assertThat(a.index()).isEqualTo(num(dev.get("ifindex")));
                assertThat(num(m.get("prefixlen"))).isEqualTo(a.prefix().prefixLength());
                assertThat(m.get("family")).isEqualTo(a.isIpv4() ? "inet" : "inet6");
                assertThat(m.get("broadcast")).isEqualTo(a.broadcast() == null ? null : IpAddresses.format(a.broadcast()));
                assertThat(m.get("scope")).isEqualTo(switch (a.scope()) {
                    case 0 -> "global";
                    case 253 -> "link";
                    case 254 -> "host";
                    default -> String.valueOf(a.scope());
                });
                count++;
            }
        }
        assertThat(count).isEqualTo(all.size());
        rt.addresses().flush("v0p", 0);
        assertThat(rt.addresses().list("v0p")).isEmpty();
    }

    @Test
    void routesDefaultGatewayDeviceTablesReplaceDelete() {
        rt.addresses().add("v0", IpPrefix.parse("172.16.0.2/24"));
        InetAddress gw = IpAddresses.parse("172.16.0.1");
        rt.routes().add(RouteSpec.defaultVia(gw));
        rt.routes().add(RouteSpec.to(IpPrefix.parse("10.9.0.0/16")).via(gw).table(100).metric(7));
        rt.routes().add(RouteSpec.to(IpPrefix.parse("10.10.0.0/24")).device("v0p"));
        rt.routes().add(RouteSpec.to(IpPrefix.parse("10.11.0.0/24")).type(Route.TYPE_BLACKHOLE));
        rt.routes().add(RouteSpec.to(IpPrefix.parse("10.12.0.0/24")).via(gw).source(IpAddresses.parse("172.16.0.2"))
                .table(70000));
        int v0 = rt.links().get("v0").index();

        Route def = rt.routes().list().stream().filter(Route::isDefault).findFirst().orElseThrow();
        assertThat(def.gateway()).isEqualTo(gw);
        assertThat(def.outputIndex()).isEqualTo(v0);
        assertThat(def.table()).isEqualTo(Route.TABLE_MAIN);
        assertThat(def.protocol()).isEqualTo(Route.PROTOCOL_BOOT);
        assertThat(def.scope()).isEqualTo(Route.SCOPE_UNIVERSE);
        Route t100 = rt.routes().list(100).get(0);
        assertThat(t100.destination()).isEqualTo(IpPrefix.parse("10.9.0.0/16"));
        assertThat(t100.priority()).isEqualTo(7);
        Route dev = rt.routes().list().stream().filter(r -> r.destination().toString().equals("10.10.0.0/24"))
                .findFirst().orElseThrow();
        assertThat(dev.gateway()).isNull();
        assertThat(dev.scope()).isEqualTo(Route.SCOPE_LINK);
        assertThat(rt.routes().list(70000).get(0).preferredSource()).isEqualTo(IpAddresses.parse("172.16.0.2"));

        // ip agrees on every IPv4 route of every table
        List<Route> mine = rt.routes().list(0).stream().filter(r -> r.family() == 2).toList();
        List<Map<String, Object>> ips = ip(ns, "-4", "route", "show", "table", "all");
        assertThat(ips).hasSize(mine.size());
        for (Map<String, Object> m : ips) {
            String dst = (String) m.get("dst");
            Route r = mine.stream().filter(x -> (x.isDefault() ? "default"
                    : x.destination().prefixLength() == 32 ? IpAddresses.format(x.destination().address())
                    : x.destination().toString()).equals(dst) && sameTable(x, m)).findFirst().orElseThrow(
                            () -> new AssertionError("netkit lacks " + m + " in " + mine));
            assertThat(m.get("gateway")).as("%s", m).isEqualTo(r.gateway() == null ? null : IpAddresses.format(r.gateway()));
            assertThat(m.get("metric") == null ? 0 : num(m.get("metric"))).isEqualTo(r.priority());
            assertThat(m.get("prefsrc")).isEqualTo(r.preferredSource() == null ? null : IpAddresses.format(r.preferredSource()));
        }

        rt.routes().replace(RouteSpec.defaultVia(IpAddresses.parse("172.16.0.254")));
        assertThat(ip(ns, "route", "show", "default").get(0).get("gateway")).isEqualTo("172.16.0.254");
        assertThatThrownBy(() -> rt.routes().add(RouteSpec.defaultVia(gw)))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
        rt.routes().delete(RouteSpec.defaultVia(IpAddresses.parse("172.16.0.254")));
        rt.routes().delete(RouteSpec.to(IpPrefix.parse("10.9.0.0/16")).table(100));
        assertThat(ip(ns, "route", "show", "default")).isEmpty();
        assertThat(ip(ns, "route", "show", "table", "100")).isEmpty();
        assertThatThrownBy(() -> rt.routes().delete(RouteSpec.to(IpPrefix.parse("10.9.0.0/16")).table(100)))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errnoName()).isEqualTo("ESRCH"));
        assertThatThrownBy(() -> rt.routes().add(RouteSpec.defaultVia(IpAddresses.parse("192.0.2.1"))))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errnoName()).isEqualTo("ENETUNREACH"));
        assertThatThrownBy(() -> rt.routes().add(RouteSpec.to(IpPrefix.parse("10.1.0.0/16")).device("nosuch")))
                .isInstanceOf(LinkNotFoundException.class);
    }

    private static boolean sameTable(Route r, Map<String, Object> m) {
        Object t = m.get("table");
        String want = r.table() == Route.TABLE_MAIN ? "main" : r.table() == Route.TABLE_LOCAL ? "local"
                : String.valueOf(r.table());
        return java.util.Objects.equals(t == null ? "main" : t, want);
    }

    @Test
    void ipv6RoutesAndIpCreatedRoutes() {
        rt.addresses().add("v0", IpPrefix.parse("fd00:1::2/64"), AddressOptions.defaults().noDad());
        rt.routes().add(RouteSpec.to(IpPrefix.parse("fd00:99::/48")).via(IpAddresses.parse("fd00:1::1")).metric(50));
        ipIn(ns, "addr", "add", "10.3.0.1/24", "dev", "v0p");
        ipIn(ns, "route", "add", "10.4.0.0/16", "via", "10.3.0.254", "table", "55", "metric", "9");
        Route v6 = rt.routes().list().stream().filter(r -> r.destination().toString().equals("fd00:99::/48"))
                .findFirst().orElseThrow();
        assertThat(v6.family()).isEqualTo(10);
        assertThat(IpAddresses.format(v6.gateway())).isEqualTo("fd00:1::1");
        assertThat(v6.priority()).isEqualTo(50);
        Map<String, Object> ip6 = ip(ns, "-6", "route", "show", "fd00:99::/48").get(0);
        assertThat(ip6.get("gateway")).isEqualTo("fd00:1::1");
        assertThat(num(ip6.get("metric"))).isEqualTo(50);
        Route fromIp = rt.routes().list(55).get(0);
        assertThat(fromIp.destination()).isEqualTo(IpPrefix.parse("10.4.0.0/16"));
        assertThat(fromIp.gateway()).isEqualTo(IpAddresses.parse("10.3.0.254"));
        assertThat(fromIp.priority()).isEqualTo(9);
        assertThat(fromIp.outputIndex()).isEqualTo(rt.links().get("v0p").index());
        rt.routes().delete(RouteSpec.to(IpPrefix.parse("fd00:99::/48")).via(IpAddresses.parse("fd00:1::1")).metric(50));
        assertThat(ip(ns, "-6", "route", "show", "fd00:99::/48")).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void neighborsAndFdb() {
        rt.addresses().add("v0", IpPrefix.parse("172.16.0.2/24"));
        MacAddress mac = MacAddress.parse("02:42:ac:10:00:09");
        rt.neighbors().add("v0", IpAddresses.parse("172.16.0.9"), mac);
        Neighbor n = rt.neighbors().list("v0").stream()
                .filter(x -> IpAddresses.parse("172.16.0.9").equals(x.address())).findFirst().orElseThrow();
        assertThat(n.mac()).isEqualTo(mac);
        assertThat(n.state()).isEqualTo(Neighbor.NUD_PERMANENT);
        Map<String, Object> ipn = ip(ns, "neigh", "show", "172.16.0.9").get(0);
        assertThat(ipn.get("lladdr")).isEqualTo(mac.toString());
        assertThat(ipn.get("dev")).isEqualTo("v0");
        assertThat((List<Object>) ipn.get("state")).contains("PERMANENT");
        assertThatThrownBy(() -> rt.neighbors().add("v0", IpAddresses.parse("172.16.0.9"), mac))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errnoName()).isEqualTo("EEXIST"));
        rt.neighbors().replace("v0", IpAddresses.parse("172.16.0.9"), MacAddress.parse("02:42:ac:10:00:0a"));
        assertThat(ip(ns, "neigh", "show", "172.16.0.9").get(0).get("lladdr")).isEqualTo("02:42:ac:10:00:0a");
        rt.neighbors().delete("v0", IpAddresses.parse("172.16.0.9"));
        assertThat(ip(ns, "neigh", "show", "172.16.0.9")).isEmpty();

        // vxlan FDB (self) and bridge port FDB (master)
        rt.links().create(LinkSpec.vxlan("vx0", 77).local(IpAddresses.parse("172.16.0.2")).device("v0").learning(false));
        MacAddress zero = MacAddress.parse("00:00:00:00:00:00");
        rt.neighbors().addFdb("vx0", zero, IpAddresses.parse("172.16.0.20"));
        rt.neighbors().addFdb("vx0", zero, IpAddresses.parse("172.16.0.21"));
        List<Neighbor> fdb = rt.neighbors().listFdb("vx0").stream().filter(x -> zero.equals(x.mac())).toList();
        assertThat(fdb).extracting(x -> IpAddresses.format(x.address()))
                .containsExactlyInAnyOrder("172.16.0.20", "172.16.0.21");
        List<Map<String, Object>> bfdb = IpWitness.bridge(ns, "fdb", "show", "dev", "vx0").stream()
                .filter(m -> "00:00:00:00:00:00".equals(m.get("mac"))).toList();
        assertThat(bfdb).extracting(m -> m.get("dst")).containsExactlyInAnyOrder("172.16.0.20", "172.16.0.21");
        rt.neighbors().deleteFdb("vx0", zero, IpAddresses.parse("172.16.0.20"));
        assertThat(rt.neighbors().listFdb("vx0").stream().filter(x -> zero.equals(x.mac())).toList())
                .extracting(x -> IpAddresses.format(x.address())).containsExactly("172.16.0.21");

        rt.links().create(LinkSpec.bridge("br0").up());
        rt.links().create(LinkSpec.veth("port0", "port0p").master("br0").up());
        MacAddress station = MacAddress.parse("02:00:00:00:aa:01");
        rt.neighbors().addFdb("port0", station);
        Neighbor entry = rt.neighbors().listFdb("port0").stream().filter(x -> station.equals(x.mac()))
                .findFirst().orElseThrow();
        assertThat(entry.masterIndex()).isEqualTo(rt.links().get("br0").index());
        assertThat(IpWitness.bridge(ns, "fdb", "show", "dev", "port0").stream()
                .anyMatch(m -> station.toString().equals(m.get("mac")) && "br0".equals(m.get("master")))).isTrue();
        rt.neighbors().deleteFdb("port0", station);
        assertThat(rt.neighbors().listFdb("port0").stream().noneMatch(x -> station.equals(x.mac()))).isTrue();
    }
}
