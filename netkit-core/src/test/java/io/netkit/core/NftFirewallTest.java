package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.internal.NftFirewall;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.TableContents;
import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The native nftables backend ({@link FirewallBackend#NFTABLES}) with real packets, each test in its own
 * {@link Sandbox}; witnesses are {@code nft -j} run inside the sandbox's host namespace and {@code iptables-save}
 * (which must show nothing of netkit's). Coexistence with other tools' rules is tested elsewhere.
 */
@Privileged
class NftFirewallTest {
    static final String PREFIX = "nkt-nft-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    /** {@code ip netns exec NS nft -j list ...}, parsed: the {@code nftables} array. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> nft(String ns, String... what) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft", "-j", "list"));
        argv.addAll(List.of(what));
        Map<String, Object> top = (Map<String, Object>) IpJson.parse(Cmd.run(argv.toArray(String[]::new)).trim());
        return (List<Map<String, Object>>) top.get("nftables");
    }

    /** The chain names of table inet netkit as nft lists them (empty without the table). */
    static Set<String> chains(String ns) {
        Set<String> out = new TreeSet<>();
        for (Map<String, Object> o : nft(ns, "ruleset")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) o.get("chain");
            if (c != null && "netkit".equals(c.get("table"))) {
                out.add((String) c.get("name"));
            }
        }
        return out;
    }

    /** "CHAIN|COMMENT" of every rule of table inet netkit as nft lists them. */
    static List<String> ruleComments(String ns) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> o : nft(ns, "table", "inet", "netkit")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) o.get("rule");
            if (r != null) {
                out.add(r.get("chain") + "|" + (r.containsKey("comment") ? r.get("comment") : ""));
            }
        }
        return out;
    }

    /** The same, as netkit lists the table back over nfnetlink. */
    static List<String> ruleCommentsNetkit(Sandbox sb) {
        try (Nftables n = Nftables.open(sb.hostNamespace())) {
            TableContents c = n.list(NftFirewall.TABLE);
            List<String> out = new ArrayList<>();
            for (Rule r : c.rules()) {
                out.add(r.chain() + "|" + r.comment());
            }
            return out;
        }
    }

    @Test
    void masqueradePublishHairpinAndLocalhostThroughTheNativeTableWhichNftShowsAsNetkitReportsIt() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Host h = sb.host().firewall(FirewallBackend.NFTABLES);
            assertThat(h.firewall()).isEqualTo(FirewallBackend.NFTABLES);
            try (Network net = Network.bridge("br0").on(h).subnet("172.16.0.0/24").masquerade().publishOnLocalhost()
                    .create()) {
                assertThat(net.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                assertThat(Probe.ip(host, "-d", "link", "show", "dev", "br0").get(0).get("ifalias").toString())
                        .contains(" fw=nft");
                String id = Network.open(h, "br0").id;
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                // Masquerade: the internet sees the uplink address.
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());

                try (ServerSocket server = PublishTest.listen(c1, 80)) {
                    assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                    c1.publish(8080, 80);
                    // DNAT only: the client keeps its address.
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, sb.uplinkAddress(), 8080)).isNotNull();
                    // Hairpin: a neighbour and c1 itself through the host's address, answered via the bridge address.
                    assertThat(PublishTest.reach(c2.namespace(), server, sb.uplinkAddress(), 8080)).isEqualTo(net.gateway());
                    assertThat(PublishTest.reach(c1.namespace(), server, sb.uplinkAddress(), 8080)).isEqualTo(net.gateway());
                    // Localhost publishing (route_localnet).
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, InetAddress.getByName("127.0.0.1"), 8080))
                            .isNotNull();

                    // Differential: nft shows the chains, rules and comments netkit lists back.
                    assertThat(chains(host)).contains("forward", "prerouting", "output", "postrouting", "user",
                            "fwd-" + id, "post-" + id, "dnat-" + id);
                    List<String> byNft = ruleComments(host);
                    assertThat(byNft).isEqualTo(ruleCommentsNetkit(sb));
                    assertThat(byNft).contains("forward|netkit:br0@" + id, "fwd-" + id + "|netkit:br0@" + id + " admin first",
                            "fwd-" + id + "|netkit:br0@" + id + " bridged", "post-" + id + "|netkit:br0@" + id + " masquerade",
                            "post-" + id + "|netkit:br0@" + id + " hairpin", "post-" + id + "|netkit:br0@" + id + " localhost",
                            "dnat-" + id + "|netkit:br0@" + id + " publish");
                    String text = Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit");
                    assertThat(text).contains("fib daddr type local jump dnat-" + id)
                            .contains("dnat ip to 172.16.0.2:80").contains("ct status dnat")
                            .contains("ip saddr 172.16.0.0/24 oifname != \"br0\" masquerade");
                    // Nothing in iptables.
                    assertThat(Probe.iptablesSave(host)).doesNotContain("netkit:").doesNotContain("NETKIT-");

                    assertThat(c1.unpublish(Protocol.TCP, 8080)).isTrue();
                    assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                    assertThat(chains(host)).doesNotContain("dnat-" + id);
                }
                Cmd.run("ip", "netns", "exec", host, "nft", "add", "rule", "inet", "netkit", "user", "counter");
            }
            // Teardown: the network's chains and rules are gone; the administrator's chain stays with its rule.
            Set<String> left = chains(host);
            assertThat(left).contains("user").noneMatch(c -> c.matches("(fwd|post|dnat)-.*"));
            assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "ruleset")).doesNotContain("netkit:")
                    .contains("counter");
        }
    }

    @Test
    void dualStackAndIntraBridgeTrafficPassNetkitsOwnDropPolicy() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).firewall(FirewallBackend.NFTABLES)
                     .subnet("172.16.0.0/24").subnet("fd00:16::/64").masquerade().create()) {
            String host = sb.name("host");
            Cmd.run("ip", "netns", "exec", host, "nft", "add", "chain", "inet", "netkit", "forward",
                    "{ type filter hook forward priority 0; policy drop; }");
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            // IPv4 and IPv6 between containers of the bridge (br_netfilter hands bridged packets to FORWARD).
            try (ServerSocket s4 = DualStackTest.listen(c2.namespace(), c2.address(), 80);
                 ServerSocket s6 = DualStackTest.listen(c2.namespace(), c2.address6().orElseThrow(), 80)) {
                assertThat(DualStackTest.reach(c1.namespace(), s4, c2.address(), 80)).isEqualTo(c1.address());
                assertThat(DualStackTest.reach(c1.namespace(), s6, c2.address6().orElseThrow(), 80))
                        .isEqualTo(c1.address6().orElseThrow());
            }
            // Both families out through NAT, with the policy still drop (netkit's accepts; the policy stays the admin's).
            try (ServerSocket server = DualStackTest.listen(sb.internet(), sb.internetAddress6(), 8080)) {
                assertThat(DualStackTest.reach(c1.namespace(), server, sb.internetAddress6(), 8080)).isEqualTo(sb.uplinkAddress6());
            }
            assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
            assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "chain", "inet", "netkit", "forward"))
                    .contains("policy drop");
            assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit"))
                    .contains("ip6 saddr fd00:16::/64 oifname != \"br0\" masquerade");
        }
    }

    @Test
    void openReinstallsRulesRemovedByHandAndTheSweepRemovesRulesWhoseBridgeIsGone() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Network net = Network.bridge("br0").on(sb.host()).firewall(FirewallBackend.NFTABLES)
                    .subnet("172.16.0.0/24").masquerade().create();
            String id = net.id;
            Endpoint c1 = net.attach(sb.name("c1"));
            try (ServerSocket server = PublishTest.listen(c1, 80)) {
                c1.publish(8080, 80);
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                // Someone flushes the network's chains.
                Cmd.run("ip", "netns", "exec", host, "nft", "flush", "chain", "inet", "netkit", "dnat-" + id);
                Cmd.run("ip", "netns", "exec", host, "nft", "flush", "chain", "inet", "netkit", "post-" + id);
                assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                // A fresh adoption (as a new process would) finds the backend in the record and re-installs them.
                Network adopted = Network.open(sb.host(), "br0");
                assertThat(adopted.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
            }
            // The bridge vanishes behind netkit's back: its rules are leftovers, found by their comments.
            c1.detach();
            Cmd.run("ip", "-n", host, "link", "del", "br0");
            List<Leftover> found = sb.host().leftovers().list();
            assertThat(found).anySatisfy(l -> {
                assertThat(l.kind()).isEqualTo(Leftover.Kind.RULES);
                assertThat(l.name()).isEqualTo("br0@" + id);
            });
            sb.host().leftovers().collect();
            assertThat(chains(host)).contains("user").noneMatch(c -> c.endsWith(id));
            assertThat(ruleComments(host)).noneMatch(c -> c.contains(id));
            assertThat(sb.host().leftovers().list()).noneMatch(l -> l.kind() == Leftover.Kind.RULES);
        }
    }

    @Test
    void aHostPortPublishedPerHostAddressReachesTheRightContainerThroughTheNativeTable() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("brh").on(sb.host()).firewall(FirewallBackend.NFTABLES)
                     .subnet("10.73.0.0/24").masquerade().create()) {
            InetAddress first = sb.uplinkAddress();
            InetAddress second = InetAddress.getByName("203.0.113.3");
            sb.hostNamespace().netlink().addresses().add(Sandbox.UPLINK, io.netkit.netlink.IpPrefix.parse("203.0.113.3/24"));
            Endpoint a = net.attach(EndpointSpec.create(sb.name("a")).publish(new PortMapping(Protocol.TCP, 8080, 80, first)));
            Endpoint b = net.attach(sb.name("b"));
            b.publish(new PortMapping(Protocol.TCP, 8080, 80, second));
            assertThat(Cmd.run("ip", "netns", "exec", sb.name("host"), "nft", "list", "table", "inet", "netkit"))
                    .contains("ip daddr 203.0.113.2 tcp dport 8080 dnat ip to 10.73.0.2:80")
                    .contains("ip daddr 203.0.113.3 tcp dport 8080 dnat ip to 10.73.0.3:80");
            try (ServerSocket sa = PublishTest.listen(a, 80); ServerSocket sbk = PublishTest.listen(b, 80)) {
                assertThat(PublishTest.reach(sb.internet(), sa, first, 8080)).isEqualTo(sb.internetAddress());
                assertThat(PublishTest.reach(sb.internet(), sbk, second, 8080)).isEqualTo(sb.internetAddress());
            }
        }
    }

    @Test
    void autoPicksNativeWhereTheKernelAnswersAndNoLegacyTablesAreLoadedAndThePropertyIsChecked() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            // A fresh host namespace has no iptables-legacy tables (/proc/net/ip_tables_names is empty there).
            try (Network net = Network.bridge("br0").on(sb.host()).firewall(FirewallBackend.AUTO).subnet("172.16.0.0/24")
                    .create()) {
                assertThat(net.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                assertThat(Network.open(sb.host(), "br0").firewall()).isEqualTo(FirewallBackend.NFTABLES);
            }
            // The process default (property unset) is AUTO: native here, recorded as fw=nft.
            assertThat(FirewallBackend.processDefault()).isEqualTo(FirewallBackend.AUTO);
            try (Network net = Network.bridge("br2").on(sb.host()).subnet("172.18.0.0/24").create()) {
                assertThat(net.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                assertThat(Probe.ip(sb.name("host"), "-d", "link", "show", "dev", "br2").get(0).get("ifalias").toString())
                        .contains(" fw=nft");
            }
            // An iptables network's record has no fw= (as networks made before backends existed: they stay iptables).
            try (Network net = Network.bridge("br1").on(sb.host()).firewall(FirewallBackend.IPTABLES).subnet("172.17.0.0/24")
                    .create()) {
                assertThat(net.firewall()).isEqualTo(FirewallBackend.IPTABLES);
                assertThat(Probe.ip(sb.name("host"), "-d", "link", "show", "dev", "br1").get(0).get("ifalias").toString())
                        .doesNotContain("fw=");
            }
        }
        String before = System.getProperty(FirewallBackend.PROPERTY);
        try {
            System.setProperty(FirewallBackend.PROPERTY, "nftables");
            assertThat(FirewallBackend.processDefault()).isEqualTo(FirewallBackend.NFTABLES);
            assertThat(Host.current().firewall()).isEqualTo(FirewallBackend.NFTABLES);
            System.setProperty(FirewallBackend.PROPERTY, "pf");
            org.assertj.core.api.Assertions.assertThatThrownBy(FirewallBackend::processDefault)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("netkit.firewall=\"pf\"");
        } finally {
            if (before == null) {
                System.clearProperty(FirewallBackend.PROPERTY);
            } else {
                System.setProperty(FirewallBackend.PROPERTY, before);
            }
        }
    }
}
