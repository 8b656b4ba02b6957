package io.netkit.netlink;

import static io.netkit.netlink.IpWitness.bridge;
import static io.netkit.netlink.IpWitness.ip;
import static io.netkit.netlink.IpWitness.ipIn;
import static io.netkit.netlink.IpWitness.map;
import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kind-specific link data, address peers and lifetimes, route tos/pref/multipath/unsigned values and vxlan FDB
 * details: what {@code ip -j -d} and {@code bridge -j} show of links, addresses, routes and entries that
 * {@code ip} made, netkit reads back the same.
 */
@Privileged
class KindDataKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    NetNamespace ns;
    RtNetlink rt;

    @BeforeEach
    void setUp() {
        ns = namespaces.create("kind");
        rt = ns.netlink();
        ipIn(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
        ipIn(ns, "link", "set", "v0", "up");
        ipIn(ns, "link", "set", "v1", "up");
    }

    static long lnum(Object o) {
        return ((Number) o).longValue();
    }

    static Map<String, Object> infoData(NetNamespace ns, String dev) {
        Map<String, Object> l = IpWitness.link(ns, dev);
        return map(map(l.get("linkinfo")).get("info_data"));
    }

    @Test
    void vxlanSettingsMatchIp() {
        ipIn(ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", "10.0.0.1",
                "remote", "10.0.0.2", "dev", "v0", "ttl", "5", "nolearning", "ageing", "120", "srcport", "1000",
                "2000");
        ipIn(ns, "link", "add", "vx1", "type", "vxlan", "id", "7", "dstport", "8472", "group", "239.1.1.1",
                "dev", "v1");
        Link vx = rt.links().get("vx0");
        VxlanInfo v = vx.vxlan().orElseThrow();
        Map<String, Object> d = infoData(ns, "vx0");
        assertThat(v.id()).isEqualTo(42).isEqualTo((int) lnum(d.get("id")));
        assertThat(IpAddresses.format(v.remote())).isEqualTo("10.0.0.2").isEqualTo(d.get("remote"));
        assertThat(v.isGroup()).isFalse();
        assertThat(IpAddresses.format(v.local())).isEqualTo("10.0.0.1").isEqualTo(d.get("local"));
        assertThat(v.deviceIndex()).isEqualTo(rt.links().get("v0").index());
        assertThat(d.get("link")).isEqualTo("v0");
        assertThat(v.port()).isEqualTo(4789).isEqualTo((int) lnum(d.get("port")));
        assertThat(v.ttl()).isEqualTo(5).isEqualTo((int) lnum(d.get("ttl")));
        assertThat(v.learning()).isFalse().isEqualTo(d.get("learning"));
        assertThat(v.ageing()).isEqualTo(120).isEqualTo((int) lnum(d.get("ageing")));
        assertThat(v.portLow()).isEqualTo(1000).isEqualTo((int) lnum(map(d.get("port_range")).get("low")));
        assertThat(v.portHigh()).isEqualTo(2000).isEqualTo((int) lnum(map(d.get("port_range")).get("high")));
        assertThat(v.udpChecksum()).isEqualTo(d.get("udp_csum"));
        assertThat(vx.linkIndex()).as("IFLA_LINK is not the vxlan device").isNotEqualTo(v.deviceIndex());
        assertThat(vx.macvlan()).isEmpty();
        assertThat(vx.bridge()).isEmpty();

        VxlanInfo g = rt.links().get("vx1").vxlan().orElseThrow();
        Map<String, Object> dg = infoData(ns, "vx1");
        assertThat(IpAddresses.format(g.remote())).isEqualTo("239.1.1.1").isEqualTo(dg.get("group"));
        assertThat(g.isGroup()).isTrue();
        assertThat(g.port()).isEqualTo(8472);
        assertThat(g.learning()).isTrue().isEqualTo(dg.get("learning"));
        assertThat(g.local()).isNull();
        // nothing of the vxlan data is lost: netkit's link list agrees with ip's on every link
        assertThat(rt.links().list().stream().filter(l -> "vxlan".equals(l.kind())).toList()).hasSize(2)
                .allSatisfy(l -> assertThat(l.vxlan()).isPresent());
    }

    @Test
    void macvlanTunAndBridgeSettingsMatchIp() {
        String[] modes = {"private", "vepa", "bridge", "passthru", "source"};
        for (int i = 0; i < modes.length; i++) {
            String name = "mv" + i;
            String parent = i == 3 ? "v1" : "v0";   // passthru takes its parent alone
            ipIn(ns, "link", "add", name, "link", parent, "type", "macvlan", "mode", modes[i]);
            MacvlanInfo m = rt.links().get(name).macvlan().orElseThrow();
            assertThat(m.modeName()).isEqualTo(modes[i]).isEqualTo(infoData(ns, name).get("mode"));
        }
        ipIn(ns, "tuntap", "add", "tp0", "mode", "tap");
        ipIn(ns, "tuntap", "add", "tn0", "mode", "tun", "user", "4242", "group", "4343", "multi_queue");
        TunInfo tap = rt.links().get("tp0").tun().orElseThrow();
        TunInfo tun = rt.links().get("tn0").tun().orElseThrow();
        Map<String, Object> dtap = infoData(ns, "tp0");
        Map<String, Object> dtun = infoData(ns, "tn0");
        assertThat(tap.typeName()).isEqualTo("tap").isEqualTo(dtap.get("type"));
        assertThat(tun.typeName()).isEqualTo("tun").isEqualTo(dtun.get("type"));
        assertThat(tap.persist()).isTrue().isEqualTo(dtap.get("persist"));
        assertThat(tap.pi()).isEqualTo(dtap.get("pi"));
        assertThat(tap.owner()).isEqualTo(-1);
        assertThat(tun.owner()).isEqualTo(4242);
        assertThat(tun.group()).isEqualTo(4343);
        assertThat(tun.multiQueue()).isTrue().isEqualTo(dtun.get("multi_queue"));

        ipIn(ns, "link", "add", "br0", "type", "bridge", "forward_delay", "400", "hello_time", "300", "max_age",
                "1500", "priority", "4096");
        BridgeInfo b = rt.links().get("br0").bridge().orElseThrow();
        Map<String, Object> db = infoData(ns, "br0");
        assertThat(b.forwardDelay()).isEqualTo(400).isEqualTo(lnum(db.get("forward_delay")));
        assertThat(b.helloTime()).isEqualTo(300).isEqualTo(lnum(db.get("hello_time")));
        assertThat(b.maxAge()).isEqualTo(1500).isEqualTo(lnum(db.get("max_age")));
        assertThat(b.ageingTime()).isEqualTo(lnum(db.get("ageing_time")));
        assertThat(b.stpState()).isEqualTo(lnum(db.get("stp_state")));
        assertThat(b.stp()).isFalse();
        assertThat(b.priority()).isEqualTo(4096).isEqualTo((int) lnum(db.get("priority")));
        assertThat(b.vlanFiltering() ? 1L : 0L).isEqualTo(lnum(db.get("vlan_filtering")));
        assertThat(b.multicastSnooping() ? 1L : 0L).isEqualTo(lnum(db.get("mcast_snooping")));
        // a bridge port's IFLA_INFO_SLAVE_DATA is kept raw, not dropped
        ipIn(ns, "link", "add", "p0", "type", "veth", "peer", "name", "p1");
        ipIn(ns, "link", "set", "p0", "master", "br0");
        assertThat(rt.links().get("p0").unknown().types()).contains(io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO);
    }

    @Test
    void addressPeerAndLifetimesMatchIp() {
        ipIn(ns, "addr", "add", "10.3.0.1", "peer", "10.3.0.2/32", "dev", "v0", "valid_lft", "1000",
                "preferred_lft", "500");
        ipIn(ns, "addr", "add", "10.4.0.1/24", "dev", "v0");
        Address p = rt.addresses().list("v0").stream().filter(a -> a.prefix().toString().equals("10.3.0.1/32"))
                .findFirst().orElseThrow();
        Address plain = rt.addresses().list("v0").stream().filter(a -> a.prefix().toString().equals("10.4.0.1/24"))
                .findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> info = (List<Map<String, Object>>) ip(ns, "addr", "show", "dev", "v0").get(0)
                .get("addr_info");
        Map<String, Object> ipPeer = info.stream().filter(m -> "10.3.0.1".equals(m.get("local"))).findFirst()
                .orElseThrow();
        assertThat(IpAddresses.format(p.peer())).isEqualTo("10.3.0.2").isEqualTo(ipPeer.get("address"));
        assertThat(p.isDynamic()).isTrue();
        // a second or two may pass between the two reads
        assertThat(p.validLifetime()).isBetween(lnum(ipPeer.get("valid_life_time")) - 2,
                lnum(ipPeer.get("valid_life_time")) + 2).isLessThanOrEqualTo(1000);
        assertThat(p.preferredLifetime()).isBetween(lnum(ipPeer.get("preferred_life_time")) - 2,
                lnum(ipPeer.get("preferred_life_time")) + 2).isLessThanOrEqualTo(500);
        assertThat(plain.peer()).isNull();
        assertThat(plain.validLifetime()).isEqualTo(Address.FOREVER);
        assertThat(plain.isDynamic()).isFalse();
    }

    @Test
    void routeTosFlagsAndPrefMatchIp() {
        ipIn(ns, "addr", "add", "10.1.0.1/24", "dev", "v0");
        ipIn(ns, "-6", "addr", "add", "fd00:1::1/64", "dev", "v0", "nodad");
        ipIn(ns, "route", "add", "10.7.0.0/24", "via", "10.1.0.2", "tos", "0x10");
        ipIn(ns, "-6", "route", "add", "fd00:7::/64", "via", "fd00:1::2", "pref", "high");
        ipIn(ns, "route", "add", "10.6.0.0/24", "via", "10.9.9.9", "dev", "v0", "onlink");
        Route tos = route("10.7.0.0/24");
        assertThat(tos.tos()).isEqualTo(0x10);
        assertThat(ip(ns, "route", "show", "10.7.0.0/24").get(0).get("tos")).isEqualTo("0x10");
        Route pref = route("fd00:7::/64");
        assertThat(pref.pref()).isEqualTo(1);
        assertThat(ip(ns, "-6", "route", "show", "fd00:7::/64").get(0).get("pref")).isEqualTo("high");
        Route onlink = route("10.6.0.0/24");
        assertThat(onlink.flags() & 4).as("RTNH_F_ONLINK").isEqualTo(4);
        assertThat(ip(ns, "route", "show", "10.6.0.0/24").get(0).get("flags")).asList().contains("onlink");
    }

    Route route(String dst) {
        return rt.routes().list(0).stream().filter(r -> r.destination().toString().equals(dst)).findFirst()
                .orElseThrow(() -> new AssertionError("no route " + dst + " in " + rt.routes().list(0)));
    }

    @Test
    void multipathRoutesReadBackAndNetkitCreatesThem() {
        ipIn(ns, "addr", "add", "10.1.0.1/24", "dev", "v0");
        ipIn(ns, "addr", "add", "10.2.0.1/24", "dev", "v1");
        ipIn(ns, "route", "add", "10.9.0.0/24", "nexthop", "via", "10.1.0.2", "weight", "2", "nexthop", "via",
                "10.2.0.2");
        Route r = route("10.9.0.0/24");
        assertThat(r.isMultipath()).isTrue();
        assertThat(r.nextHops()).containsExactly(
                new NextHop(IpAddresses.parse("10.1.0.2"), rt.links().get("v0").index(), 2, 0),
                new NextHop(IpAddresses.parse("10.2.0.2"), rt.links().get("v1").index(), 1, 0));

        rt.routes().add(RouteSpec.to(IpPrefix.parse("10.8.0.0/24")).nextHop(IpAddresses.parse("10.1.0.3"), "v0", 3)
                .nextHop(IpAddresses.parse("10.2.0.3"), null, 1).metric(7));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> hops = (List<Map<String, Object>>) ip(ns, "route", "show", "10.8.0.0/24").get(0)
                .get("nexthops");
        assertThat(hops).hasSize(2);
        assertThat(hops.get(0)).containsEntry("gateway", "10.1.0.3").containsEntry("dev", "v0");
        assertThat(lnum(hops.get(0).get("weight"))).isEqualTo(3);
        assertThat(hops.get(1)).containsEntry("gateway", "10.2.0.3").containsEntry("dev", "v1");
        assertThat(lnum(hops.get(1).get("weight"))).isEqualTo(1);
        assertThat(route("10.8.0.0/24").nextHops()).extracting(NextHop::weight).containsExactly(3, 1);
        rt.routes().delete(RouteSpec.to(IpPrefix.parse("10.8.0.0/24")).metric(7));
        assertThat(ip(ns, "route", "show", "10.8.0.0/24")).isEmpty();
    }

    @Test
    void unsignedMetricAndTableRoundTrip() {
        ipIn(ns, "route", "add", "10.8.0.0/24", "dev", "v0", "metric", "4294967295", "table", "4000000000");
        Route r = rt.routes().list(0).stream().filter(x -> x.destination().toString().equals("10.8.0.0/24"))
                .findFirst().orElseThrow();
        assertThat(r.metric()).isEqualTo(4294967295L);
        assertThat(r.tableId()).isEqualTo(4000000000L);
        Map<String, Object> ipr = ip(ns, "route", "show", "table", "4000000000").get(0);
        assertThat(lnum(ipr.get("metric"))).isEqualTo(r.metric());
        // what was read back writes back: delete it with the values read, then add it again with them
        rt.routes().delete(RouteSpec.to(r.destination()).device("v0").metric(r.priority()).table(r.table()));
        assertThat(ip(ns, "route", "show", "table", "4000000000")).isEmpty();
        rt.routes().add(RouteSpec.to(r.destination()).device("v0").metric(r.metric()).table(r.table()));
        assertThat(lnum(ip(ns, "route", "show", "table", "4000000000").get(0).get("metric"))).isEqualTo(4294967295L);
    }

    @Test
    void vxlanFdbPortVniAndViaInterfaceMatchBridge() {
        ipIn(ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "nolearning");
        ipIn(ns, "link", "set", "vx0", "up");
        Cmd.run("ip", "netns", "exec", ns.name().orElseThrow(), "bridge", "fdb", "append", "00:00:00:00:00:00",
                "dev", "vx0", "dst", "10.0.0.3", "port", "4790", "vni", "77", "via", "v1", "self", "permanent");
        Neighbor n = rt.neighbors().listFdb("vx0").stream().filter(x -> x.address() != null).findFirst().orElseThrow();
        Map<String, Object> b = bridge(ns, "fdb", "show", "dev", "vx0").stream().filter(m -> m.get("dst") != null)
                .findFirst().orElseThrow();
        assertThat(IpAddresses.format(n.address())).isEqualTo("10.0.0.3").isEqualTo(b.get("dst"));
        assertThat(n.port()).isEqualTo(4790).isEqualTo((int) lnum(b.get("port")));
        assertThat(n.vni()).isEqualTo(77).isEqualTo((int) lnum(b.get("vni")));
        assertThat(n.viaIndex()).isEqualTo(rt.links().get("v1").index());
        assertThat(b.get("viaIf")).isEqualTo("v1");
    }
}
