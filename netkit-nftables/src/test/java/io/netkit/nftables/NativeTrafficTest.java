package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real TCP through rules netkit wrote natively: a container behind a bridge in a "host" namespace, an "internet"
 * namespace on the host's uplink, the host's firewall in {@code table inet netkit} with a forward policy of DROP.
 * No process runs in this test at all (servers and clients are Java sockets opened inside the namespaces), so no
 * iptables binary takes part: the only firewall is what {@link Nftables} committed.
 *
 * <pre>
 *  container 172.16.0.2 --eth0/v1-- br0 172.16.0.1 [host] uplink0 203.0.113.2 --eth0-- 203.0.113.1 internet
 * </pre>
 */
@Privileged
class NativeTrafficTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    static final InetAddress CONTAINER = TrafficTopology.CONTAINER;
    static final InetAddress UPLINK = TrafficTopology.UPLINK;
    static final InetAddress INTERNET = TrafficTopology.INTERNET;

    @Test
    void masqueradeAndPublishThroughNativeRules() throws Exception {
        TrafficTopology topo = new TrafficTopology(namespaces);
        NetNamespace host = topo.host;
        NetNamespace inet = topo.inet;
        NetNamespace c1 = topo.c1;

        Table t = Table.of(Family.INET, "netkit");
        Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.DROP);
        Chain post = Chain.base(t, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
        Chain pre = Chain.base(t, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
        NftSet published = NftSet.map(t, "published-tcp", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
        try (Nftables nft = Nftables.open(host)) {
            nft.transaction().addTable(t).addChain(fwd).addChain(post).addChain(pre).addSet(published)
                    .addElements(published, List.of(SetElement.portToIpv4(8080, CONTAINER, 80)))
                    .addRule(Rule.builder(fwd).iifname("br0").oifname("br0").accept().comment("netkit:br0 bridged").build())
                    .addRule(Rule.builder(fwd).iifname("br0").oifnameNot("br0").accept().comment("netkit:br0 outbound").build())
                    .addRule(Rule.builder(fwd).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                            .comment("netkit:br0 replies").build())
                    .addRule(Rule.builder(fwd).oifname("br0").daddr(IpPrefix.parse("172.16.0.2/32")).dport(RuleBuilder.TCP, 80)
                            .counter().accept().comment("netkit:br0 published 80").build())
                    .addRule(Rule.builder(post).saddr(IpPrefix.parse("172.16.0.0/24")).oifnameNot("br0").counter()
                            .masquerade().comment("netkit:br0 masquerade").build())
                    .addRule(Rule.builder(pre).daddr(IpPrefix.host(UPLINK)).dnatIpv4PortMap(RuleBuilder.TCP, published.name())
                            .comment("netkit:br0 published").build())
                    .commit();

            // Masquerade: the internet server sees the host's uplink address, not the container's.
            assertThat(TrafficTopology.peerSeenByServer(inet, INTERNET, 9000, c1, INTERNET, 9000)).isEqualTo(UPLINK);

            // Publish: the internet reaches the container at the uplink's 8080; the container sees the real client.
            assertThat(TrafficTopology.peerSeenByServer(c1, CONTAINER, 80, inet, UPLINK, 8080)).isEqualTo(INTERNET);

            // An unpublished port of the container is dropped by the forward policy, although routable.
            try (ServerSocket s81 = c1.call(() -> TrafficTopology.listen(CONTAINER, 81))) {
                assertThat(TrafficTopology.connectTimesOut(inet, CONTAINER, 81)).isTrue();
            }
            // The counters prove which rules the packets took.
            TableContents c = nft.list(t);
            assertThat(counterPackets(c.rules("postrouting").get(0))).isPositive();
            assertThat(counterPackets(c.rules("forward").get(3))).isPositive();
        }
        assertOnlyNetkitsTableFiltered(host);
    }

    /**
     * The host's firewall is netkit's native table and nothing else: {@code nft -j list ruleset}, run with a PATH
     * that holds only {@code ip} and {@code nft} (no {@code iptables*}), shows just {@code table inet netkit} (no
     * iptables-nft {@code ip filter}/{@code ip nat} tables), and no legacy iptables table exists in the namespace.
     */
    static void assertOnlyNetkitsTableFiltered(NetNamespace host) throws Exception {
        java.nio.file.Path bin = java.nio.file.Files.createTempDirectory("nkt-path");
        try {
            for (String tool : List.of("ip", "nft")) {
                java.nio.file.Path real = java.nio.file.Path.of("/usr/sbin", tool);
                if (!java.nio.file.Files.exists(real)) {
                    real = java.nio.file.Path.of("/sbin", tool);
                }
                java.nio.file.Files.createSymbolicLink(bin.resolve(tool), real);
            }
            ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", host.name().orElseThrow(), "nft", "-j", "list", "ruleset");
            pb.environment().put("PATH", bin.toString());
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(java.nio.file.Files.list(bin).map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("ip", "nft");
            @SuppressWarnings("unchecked")
            List<java.util.Map<String, Object>> items = (List<java.util.Map<String, Object>>)
                    ((java.util.Map<String, Object>) io.netkit.testing.IpJson.parse(out)).get("nftables");
            assertThat(NftWitness.of(items, "table")).extracting(x -> x.get("family") + " " + x.get("name"))
                    .containsExactly("inet netkit");
        } finally {
            try (var files = java.nio.file.Files.list(bin)) {
                for (java.nio.file.Path f : files.toList()) {
                    java.nio.file.Files.delete(f);
                }
            }
            java.nio.file.Files.delete(bin);
        }
        // Without the ip_tables module the file is absent: no legacy table either.
        String legacy = host.call(() -> {
            java.nio.file.Path names = java.nio.file.Path.of("/proc/thread-self/net/ip_tables_names");
            return java.nio.file.Files.exists(names) ? java.nio.file.Files.readString(names) : "";
        });
        assertThat(legacy).as("legacy iptables tables in the host namespace").isEmpty();
    }

    @Test
    void ipv6MasqueradeAndPublishThroughNativeRules() throws Exception {
        TrafficTopology topo = new TrafficTopology(namespaces).withIpv6();
        Table t = Table.of(Family.INET, "netkit");
        Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.DROP);
        Chain post = Chain.base(t, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
        Chain pre = Chain.base(t, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
        try (Nftables nft = Nftables.open(topo.host)) {
            nft.transaction().addTable(t).addChain(fwd).addChain(post).addChain(pre)
                    .addRule(Rule.builder(fwd).iifname("br0").oifnameNot("br0").accept().comment("netkit:br0 outbound").build())
                    .addRule(Rule.builder(fwd).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                            .comment("netkit:br0 replies").build())
                    .addRule(Rule.builder(fwd).oifname("br0").daddr(IpPrefix.host(TrafficTopology.CONTAINER6))
                            .dport(RuleBuilder.TCP, 80).accept().comment("netkit:br0 published6 80").build())
                    .addRule(Rule.builder(post).saddr(IpPrefix.parse("fd00:16::/64")).oifnameNot("br0").masquerade()
                            .comment("netkit:br0 masquerade6").build())
                    .addRule(Rule.builder(pre).daddr(IpPrefix.host(TrafficTopology.UPLINK6)).dport(RuleBuilder.TCP, 8080)
                            .dnat(TrafficTopology.CONTAINER6, 80).comment("netkit:br0 publish6 8080").build())
                    .commit();
            assertThat(TrafficTopology.peerSeenByServer(topo.inet, TrafficTopology.INTERNET6, 9200, topo.c1,
                    TrafficTopology.INTERNET6, 9200)).isEqualTo(TrafficTopology.UPLINK6);
            assertThat(TrafficTopology.peerSeenByServer(topo.c1, TrafficTopology.CONTAINER6, 80, topo.inet,
                    TrafficTopology.UPLINK6, 8080)).isEqualTo(TrafficTopology.INTERNET6);
        }
    }

    private static long counterPackets(Rule r) {
        return r.expressions().stream().filter(e -> e instanceof Expr.Counter).map(e -> ((Expr.Counter) e).packets())
                .findFirst().orElseThrow();
    }
}
