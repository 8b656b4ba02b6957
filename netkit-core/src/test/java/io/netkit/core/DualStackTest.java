package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Dual stack (IPv4 + IPv6) networks with real traffic in {@link Sandbox}es: NAT66 to the sandbox's internet
 * (2001:db8::1), container to container and to the gateway over IPv6, publishing on the host's IPv6 address,
 * adoption, teardown, the neighbour advertisement, and bad input; {@code ip -j -6} and {@code ip6tables-save} as
 * independent witnesses.
 */
@Privileged
class DualStackTest {
    static final String PREFIX = "nkt-ds-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    static String ip6tablesSave(String ns) {
        return Cmd.run("ip", "netns", "exec", ns, "ip6tables-save").lines()
                .filter(l -> !l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
    }

    static ServerSocket listen(NetNamespace ns, InetAddress address, int port) {
        return ns.call(() -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(address, port), 16);
            return s;
        });
    }

    /** Connects from {@code ns} to {@code to:port}; the client address the server saw, or null if it failed. */
    static InetAddress reach(NetNamespace ns, ServerSocket server, InetAddress to, int port) throws Exception {
        CompletableFuture<InetAddress> seen = Probe.acceptOne(server);
        boolean ok = ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(to, port), 2000);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
        if (!ok) {
            seen.cancel(true);
            return null;
        }
        return seen.get(5, TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    static List<String> globalAddresses6(String ns, String dev) {
        List<String> out = new java.util.ArrayList<>();
        for (Map<String, Object> l : Probe.ip(ns, "-6", "addr", "show", "dev", dev, "scope", "global")) {
            for (Map<String, Object> a : (List<Map<String, Object>>) l.get("addr_info")) {
                if (a.get("local") == null) {
                    continue; // ip -d prints lifetimes of an address as an element of their own
                }
                out.add(a.get("local") + "/" + a.get("prefixlen") + (a.containsKey("tentative") ? " tentative" : ""));
            }
        }
        return out;
    }

    @Test
    void containerReachesTheInternetOverIpv6ThroughNat66RightAfterAttach() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64")
                     .masquerade().create()) {
            assertThat(net.subnet6()).hasValueSatisfying(p -> assertThat(p).hasToString("fd00:16::/64"));
            assertThat(net.gateway6().map(IpAddresses::format)).hasValue("fd00:16::1");
            assertThat(net.masquerading6()).isTrue(); // ULA: NAT66 by default with masquerade()
            try (ServerSocket server = listen(sb.internet(), sb.internetAddress6(), 8080)) {
                Endpoint c1 = net.attach(sb.name("c1"));
                // Immediately after attach: no tentative state, the connection goes through at once.
                InetAddress seen = reach(c1.namespace(), server, sb.internetAddress6(), 8080);
                assertThat(seen).isEqualTo(sb.uplinkAddress6());
                assertThat(c1.address6().map(IpAddresses::format)).hasValue("fd00:16::2");
                assertThat(c1.address()).isEqualTo(IpAddresses.parse("172.16.0.2"));
                // IPv4 keeps working beside it.
                try (ServerSocket s4 = listen(sb.internet(), sb.internetAddress(), 8081)) {
                    assertThat(reach(c1.namespace(), s4, sb.internetAddress(), 8081)).isEqualTo(sb.uplinkAddress());
                }
                // ip -j -6 agrees with netkit: the address (not tentative) and the default route.
                assertThat(globalAddresses6(sb.name("c1"), "eth0")).containsExactly("fd00:16::2/64");
                List<Map<String, Object>> routes = Probe.ip(sb.name("c1"), "-6", "route", "show", "default");
                assertThat(routes).hasSize(1);
                assertThat(routes.get(0).get("gateway")).isEqualTo("fd00:16::1");
                assertThat(globalAddresses6(sb.host().netns().name().orElseThrow(), "br0")).containsExactly("fd00:16::1/64");
                assertThat(Probe.sysctl(sb.host().netns().name().orElseThrow(), "net/ipv6/conf/all/forwarding")).isEqualTo("1");
                // ip6tables-save shows only netkit's commented rules (plus the chain declarations of its own chains).
                String rules = ip6tablesSave(sb.host().netns().name().orElseThrow());
                assertThat(rules).contains(" -s fd00:16::/64 ! -o br0")
                        .contains("-j MASQUERADE");
                for (String line : rules.lines().filter(l -> l.startsWith("-A")).toList()) {
                    assertThat(line).contains("netkit:");
                }
            }
        }
    }

    @Test
    void containersTalkToEachOtherAndToTheGatewayOverIpv6AndAdoptionAndTeardownSeeBothFamilies() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String hostNs = sb.host().netns().name().orElseThrow();
            Network net = Network.bridge("br6").on(Probe.ipt(sb)).subnet("10.66.0.0/24").subnet("fd00:66::/64").create();
            assertThat(net.masquerading6()).isFalse();
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).address("fd00:66::99"));
            assertThat(c2.address6().map(IpAddresses::format)).hasValue("fd00:66::99");
            assertThat(c2.address()).isEqualTo(IpAddresses.parse("10.66.0.3"));
            InetAddress c1v6 = c1.address6().orElseThrow();
            // c2 -> c1 over IPv6 (immediately), c1 -> the gateway over IPv6.
            try (ServerSocket s = listen(c1.namespace(), c1v6, 7000)) {
                assertThat(reach(c2.namespace(), s, c1v6, 7000)).isEqualTo(c2.address6().orElseThrow());
            }
            try (ServerSocket s = listen(sb.hostNamespace(), net.gateway6().orElseThrow(), 7001)) {
                assertThat(reach(c1.namespace(), s, net.gateway6().orElseThrow(), 7001)).isEqualTo(c1v6);
            }
            // A fresh view from the kernel alone has both families.
            Network adopted = Network.open(sb.host(), "br6");
            assertThat(adopted.subnet6().map(Object::toString)).hasValue("fd00:66::/64");
            assertThat(adopted.endpoints()).extracting(e -> e.address6().map(IpAddresses::format).orElse("-"))
                    .containsExactlyInAnyOrder("fd00:66::2", "fd00:66::99");
            // The next free address skips what is taken in both families, also for the adopted view.
            Endpoint c3 = adopted.attach(sb.name("c3"));
            assertThat(c3.address6().map(IpAddresses::format)).hasValue("fd00:66::3");
            // A fixed IPv6 address that is taken is refused, naming it.
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("c4")).address("fd00:66::99")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00:66::99")
                    .hasMessageContaining("already allocated");
            adopted.delete();
            assertThat(Probe.linkNames(hostNs)).doesNotContain("br6");
            assertThat(ip6tablesSave(hostNs)).doesNotContain("netkit:");
            assertThat(Probe.iptablesSave(hostNs)).doesNotContain("netkit:");
            assertThat(NetNamespace.list()).doesNotContain(sb.name("c1"), sb.name("c2"), sb.name("c3"), sb.name("c4"));
        }
    }

    @Test
    void publishedPortIsReachableOnTheHostsIpv6Address() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64")
                     .masquerade().create()) {
            Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
            try (ServerSocket server = listen(web.namespace(), IpAddresses.parse("::"), 80)) {
                // internet -> [2001:db8::2]:8080 -> [fd00:16::2]:80, the client's own address kept (no SNAT).
                InetAddress r6 = reach(sb.internet(), server, sb.uplinkAddress6(), 8080);
                assertThat(r6).isEqualTo(sb.internetAddress6());
                // and the same port on IPv4, as Docker maps both families.
                assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isNotNull();
                // Hairpin: a neighbour container through the host's IPv6 address reaches it too, answered through the
                // host (the source it sees is the IPv6 gateway, as the IPv4 hairpin shows the bridge's address).
                Endpoint client = net.attach(sb.name("client"));
                assertThat(reach(client.namespace(), server, sb.uplinkAddress6(), 8080)).isEqualTo(net.gateway6().orElseThrow());
            }
            String rules = ip6tablesSave(sb.host().netns().name().orElseThrow());
            assertThat(rules).contains("--to-destination [fd00:16::2]:80");
            web.unpublish(Protocol.TCP, 8080);
            assertThat(ip6tablesSave(sb.host().netns().name().orElseThrow())).doesNotContain("[fd00:16::2]:80");
        }
    }

    @Test
    void publishIpv6FalseMapsTheHostPortOnIpv4Only() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64")
                     .masquerade().publishIpv6(false).create()) {
            Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
            try (ServerSocket server = listen(web.namespace(), IpAddresses.parse("::"), 80)) {
                assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                assertThat(reach(sb.internet(), server, sb.uplinkAddress6(), 8080)).isNull();
            }
            assertThat(ip6tablesSave(sb.host().netns().name().orElseThrow())).doesNotContain("DNAT");
            // The choice is in the kernel: an adopting process renders the same rules.
            assertThat(Network.open(sb.host(), "br0").endpoints()).hasSize(1);
            assertThat((String) Probe.ip(sb.host().netns().name().orElseThrow(), "link", "show", "br0").get(0).get("ifalias"))
                    .contains("pub6=0");
        }
    }

    @Test
    void unpublishCutsTheIpv6UdpFlowInConntrack() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64")
                     .masquerade().create()) {
            String hostNs = sb.host().netns().name().orElseThrow();
            Endpoint dns = net.attach(EndpointSpec.create(sb.name("dns")).publish(Protocol.UDP, 5353, 53));
            try (java.net.DatagramSocket server = dns.call(() -> new java.net.DatagramSocket(
                    new InetSocketAddress(IpAddresses.parse("::"), 53)))) {
                server.setSoTimeout(3000);
                sb.internet().run(() -> {
                    try (java.net.DatagramSocket c = new java.net.DatagramSocket()) {
                        byte[] m = "q".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        c.send(new java.net.DatagramPacket(m, m.length, new InetSocketAddress(sb.uplinkAddress6(), 5353)));
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[16], 16);
                server.receive(got);
                assertThat(got.getAddress()).isEqualTo(sb.internetAddress6());
            }
            assertThat(Cmd.result("ip", "netns", "exec", hostNs, "conntrack", "-L", "-f", "ipv6").stdout())
                    .contains("dport=5353").contains("src=fd00:16::2");
            dns.unpublish(Protocol.UDP, 5353);
            assertThat(Cmd.result("ip", "netns", "exec", hostNs, "conntrack", "-L", "-f", "ipv6").stdout())
                    .doesNotContain("dport=5353");
        }
    }

    @Test
    void ipv6OnlyNetworkReachesTheInternetThroughNat66AndIsAdoptedAndRemoved() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String hostNs = sb.host().netns().name().orElseThrow();
            Network net = Network.bridge("br6").on(Probe.ipt(sb)).subnet("fd00:60::/64").masquerade().create();
            assertThat(net.subnet()).isNull();
            assertThat(net.subnet6().map(Object::toString)).hasValue("fd00:60::/64");
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).address("fd00:60::20"));
            assertThat(c1.address()).isEqualTo(IpAddresses.parse("fd00:60::2"));
            assertThat(c1.address6()).hasValue(c1.address());
            try (ServerSocket server = listen(sb.internet(), sb.internetAddress6(), 8090)) {
                assertThat(reach(c1.namespace(), server, sb.internetAddress6(), 8090)).isEqualTo(sb.uplinkAddress6());
            }
            try (ServerSocket s2 = listen(c2.namespace(), c2.address(), 7003)) {
                assertThat(reach(c1.namespace(), s2, c2.address(), 7003)).isEqualTo(c1.address());
            }
            // No IPv4 at all: no address in the container or on the bridge, no iptables rules, ip_forward untouched.
            assertThat(Probe.ip(sb.name("c1"), "-4", "addr", "show", "dev", "eth0")).allSatisfy(l ->
                    assertThat((List<?>) l.get("addr_info")).isEmpty());
            assertThat(Probe.ip(hostNs, "-4", "addr", "show", "dev", "br6")).allSatisfy(l ->
                    assertThat((List<?>) l.get("addr_info")).isEmpty());
            assertThat(Probe.iptablesSave(hostNs)).doesNotContain("netkit:");
            assertThat(Probe.sysctl(hostNs, "net/ipv4/ip_forward")).isEqualTo("0");
            assertThat(ip6tablesSave(hostNs)).contains("-s fd00:60::/64 ! -o br6");
            // A fixed IPv4 address is the wrong family here.
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("c3")).address("172.16.0.9")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv6-only");
            Network adopted = Network.open(sb.host(), "br6");
            assertThat(adopted.subnet()).isNull();
            assertThat(adopted.endpoints()).extracting(e -> IpAddresses.format(e.address()))
                    .containsExactly("fd00:60::2", "fd00:60::20");
            adopted.delete();
            assertThat(Probe.linkNames(hostNs)).containsOnly("lo", Sandbox.UPLINK);
            assertThat(ip6tablesSave(hostNs)).doesNotContain("netkit:");
            assertThat(NetNamespace.list()).doesNotContain(sb.name("c1"), sb.name("c2"), sb.name("c3"));
        }
    }

    @Test
    void theLargestRealisticEndpointRecordFits() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br-0123456789a").on(Probe.ipt(sb)).subnet("172.16.0.0/16")
                     .subnet("fd00:1234:5678:9abc::/64").masquerade().create()) {
            // A podman-style long namespace name, both families with the longest IPv6 form, four published ports.
            String ns = sb.name("netns-5f2c7a1e-9d3b-4e6f-8a2b-1c3d4e5f6a7b");
            Endpoint ep = net.attach(EndpointSpec.create(ns).address("172.16.255.254")
                    .address("fd00:1234:5678:9abc:ffff:ffff:ffff:fffe").publish(18080, 8080).publish(18443, 8443)
                    .publish(Protocol.UDP, 15353, 5353).publish(19090, 9090));
            String alias = (String) Probe.ip(sb.host().netns().name().orElseThrow(), "link", "show", ep.hostInterface())
                    .get(0).get("ifalias");
            assertThat(alias).contains("a6=fd00:1234:5678:9abc:ffff:ffff:ffff:fffe").contains("pub=");
            assertThat(alias.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
            Network adopted = Network.open(sb.host(), "br-0123456789a");
            Endpoint back = adopted.endpoint(ns).orElseThrow();
            assertThat(back.address6().map(IpAddresses::format)).hasValue("fd00:1234:5678:9abc:ffff:ffff:ffff:fffe");
            assertThat(globalAddresses6(ns, "eth0")).containsExactly("fd00:1234:5678:9abc:ffff:ffff:ffff:fffe/64");
        }
    }

    @Test
    void reattachWithTheSameIpv6AddressUpdatesTheGatewaysNeighbourEntry() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64").create()) {
            String hostNs = sb.host().netns().name().orElseThrow();
            Endpoint c1 = net.attach(EndpointSpec.create(sb.name("c1")).address("fd00:16::7"));
            try (ServerSocket s = listen(sb.hostNamespace(), net.gateway6().orElseThrow(), 7002)) {
                assertThat(reach(c1.namespace(), s, net.gateway6().orElseThrow(), 7002)).isNotNull();
            }
            String oldMac = neighbourMac(hostNs, "fd00:16::7");
            assertThat(oldMac).isNotNull();
            net.detach(c1);
            Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).address("fd00:16::7"));
            String newMac = (String) Probe.ip(sb.name("c2"), "link", "show", "eth0").get(0).get("address");
            assertThat(newMac).isNotEqualTo(oldMac);
            // Without any traffic from c2, its unsolicited neighbour advertisement replaced the gateway's entry.
            boolean updated = Probe.eventually(3000, () -> newMac.equals(neighbourMac(hostNs, "fd00:16::7")));
            assertThat(updated).as("new MAC %s; ip -6 neigh: %s", newMac, updated ? "" : Cmd.run("ip", "-n", hostNs, "-6", "neigh"))
                    .isTrue();
            assertThat(c2.isAttached()).isTrue();
        }
    }

    @Test
    void tamperedIpv6RecordsAreRefusedNeverObeyed() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").subnet("fd00:16::/64").create()) {
            String hostNs = sb.host().netns().name().orElseThrow();
            Endpoint c1 = net.attach(sb.name("c1"));
            String alias = (String) Probe.ip(hostNs, "link", "show", c1.hostInterface()).get(0).get("ifalias");
            // An IPv6 address outside the network's IPv6 subnet: the record is ignored (logged), not obeyed.
            Cmd.run("ip", "-n", hostNs, "link", "set", c1.hostInterface(), "alias", alias.replace("a6=fd00:16::2", "a6=2001:db8::1"));
            assertThat(Network.open(sb.host(), "br0").endpoints()).isEmpty();
            // and the next endpoint gets fd00:16::2 again: the tampered claim did not hold the address.
            assertThat(net.attach(sb.name("c2")).address6().map(IpAddresses::format)).hasValue("fd00:16::2");
            // A bridge record claiming an IPv6 subnet netkit would never create: adoption refuses it, naming the field.
            String bridgeAlias = (String) Probe.ip(hostNs, "link", "show", "br0").get(0).get("ifalias");
            Cmd.run("ip", "-n", hostNs, "link", "set", "br0", "alias", bridgeAlias.replace("subnet6=fd00:16::/64", "subnet6=::/0"));
            assertThatThrownBy(() -> Network.open(sb.host(), "br0")).isInstanceOf(NetkitException.class)
                    .hasMessageContaining("subnet6=::/0");
            Cmd.run("ip", "-n", hostNs, "link", "set", "br0", "alias", bridgeAlias);
        }
    }

    static String neighbourMac(String ns, String address) {
        for (Map<String, Object> n : Probe.ip(ns, "-6", "neigh", "show", "dev", "br0")) {
            if (address.equals(n.get("dst"))) {
                return (String) n.get("lladdr");
            }
        }
        return null;
    }

    @Test
    void badIpv6InputIsRefusedWithAClearMessageAndNothingMade() throws Exception {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::/129"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00::/129");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::1/64"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00::1/64")
                .hasMessageContaining("host bits").hasMessageContaining("fd00::/64");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::/32"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("48..120");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::/124"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("48..120");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("ff02::/64"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unicast");
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String hostNs = sb.host().netns().name().orElseThrow();
            assertThatThrownBy(() -> Network.bridge("brx").on(Probe.ipt(sb)).subnet("172.20.0.0/24").subnet("fd00:20::/64")
                    .gateway("fd00:21::1").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00:21::1").hasMessageContaining("outside");
            try (Network a = Network.bridge("bra").on(Probe.ipt(sb)).subnet("172.20.0.0/24").subnet("fd00:20::/64").create()) {
                // overlap with another network's IPv6 subnet, and with the uplink's 2001:db8::/64
                assertThatThrownBy(() -> Network.bridge("brb").on(Probe.ipt(sb)).subnet("172.21.0.0/24")
                        .subnet("fd00:20::/48").create())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps fd00:20::1/64 on bra");
                assertThatThrownBy(() -> Network.bridge("brb").on(Probe.ipt(sb)).subnet("172.21.0.0/24")
                        .subnet("2001:db8::/64").create())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uplink0");
                // a fixed address of the wrong family / outside / reserved
                try (Network v4only = Network.bridge("brc").on(Probe.ipt(sb)).subnet("172.22.0.0/24").create()) {
                    assertThatThrownBy(() -> v4only.attach(EndpointSpec.create(sb.name("x1")).address("fd00:20::5")))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("IPv4-only");
                }
                assertThatThrownBy(() -> a.attach(EndpointSpec.create(sb.name("x2")).address("fd00:99::5")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside subnet fd00:20::/64");
                assertThatThrownBy(() -> a.attach(EndpointSpec.create(sb.name("x3")).address("fd00:20::1")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway");
                assertThat(a.endpoints()).isEmpty();
            }
            assertThat(Probe.linkNames(hostNs)).containsOnly("lo", Sandbox.UPLINK);
            assertThat(NetNamespace.list()).doesNotContain(sb.name("x1"), sb.name("x2"), sb.name("x3"));
            assertThat(ip6tablesSave(hostNs)).doesNotContain("netkit:");
        }
    }
}
