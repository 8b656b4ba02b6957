package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What netkit installs, {@code nft -j} shows; what netkit lists back equals what it wrote. */
@Privileged
class NftablesKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    static final Table T = Table.of(Family.INET, "netkit");
    static final Chain FWD = Chain.base(T, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
    static final Chain POST = Chain.base(T, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
    static final Chain PRE = Chain.base(T, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
    static final Chain NET = Chain.regular(T, "fwd-br0");

    /** The masquerading network's firewall: what netkit-core installs with iptables today. */
    static List<Rule> masqueradeRules() throws Exception {
        IpPrefix subnet = IpPrefix.parse("172.16.0.0/24");
        return List.of(
                Rule.builder(FWD).jump(NET.name()).comment("netkit:br0").build(),
                Rule.builder(NET).iifname("br0").oifname("br0").counter().accept().comment("netkit:br0 bridged").build(),
                Rule.builder(NET).iifname("br0").oifnameNot("br0").counter().accept().comment("netkit:br0 outbound").build(),
                Rule.builder(NET).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).counter().accept()
                        .comment("netkit:br0 replies").build(),
                Rule.builder(POST).saddr(subnet).oifnameNot("br0").counter().masquerade()
                        .comment("netkit:br0 masquerade").build(),
                Rule.builder(PRE).daddr(IpPrefix.parse("203.0.113.2/32")).dport(RuleBuilder.TCP, 8080)
                        .dnat(InetAddress.getByName("172.16.0.2"), 80).comment("netkit:br0 publish 8080").build(),
                Rule.builder(POST).saddr(IpPrefix.parse("fd00:16::/64")).oifnameNot("br0").masquerade()
                        .comment("netkit:br0 masquerade6").build(),
                Rule.builder(PRE).daddr(IpPrefix.parse("2001:db8::2/128")).dport(RuleBuilder.UDP, 5353)
                        .dnat(InetAddress.getByName("fd00:16::2"), 53).comment("netkit:br0 publish6 5353").build());
    }

    @Test
    void installedFirewallIsWhatNftShowsAndListsBackAsWritten() throws Exception {
        NetNamespace ns = namespaces.create("nft");
        String name = ns.name().orElseThrow();
        List<Rule> rules = masqueradeRules();
        try (Nftables nft = Nftables.open(ns)) {
            long before = nft.generation();
            Transaction tx = nft.transaction().addTable(T).addChain(FWD).addChain(POST).addChain(PRE).addChain(NET);
            rules.forEach(tx::addRule);
            tx.commit();
            assertThat(nft.generation()).isEqualTo(before + 1);   // one transaction

            // Listed back: the same chains and rules (with handles), in order.
            TableContents c = nft.list(T);
            assertThat(c.chains()).containsExactlyInAnyOrder(FWD, POST, PRE, NET);
            assertThat(c.rules()).allSatisfy(r -> assertThat(r.handle()).isPositive());
            assertThat(c.rules().stream().map(Rule::normalized).toList()).containsExactlyInAnyOrderElementsOf(rules);
            assertThat(c.rules("fwd-br0").stream().map(Rule::normalized).toList()).containsExactlyElementsOf(
                    rules.stream().filter(r -> r.chain().equals("fwd-br0")).toList());
        }

        // The witness: nft -j list table inet netkit.
        List<Map<String, Object>> listing = NftWitness.table(name, T);
        List<Map<String, Object>> chains = NftWitness.of(listing, "chain");
        assertThat(chains).extracting(ch -> ch.get("name")).containsExactlyInAnyOrder("forward", "postrouting", "prerouting", "fwd-br0");
        Map<String, Object> fwd = chains.stream().filter(ch -> ch.get("name").equals("forward")).findFirst().orElseThrow();
        assertThat(fwd).containsEntry("type", "filter").containsEntry("hook", "forward").containsEntry("prio", 0L)
                .containsEntry("policy", "accept");
        Map<String, Object> pre = chains.stream().filter(ch -> ch.get("name").equals("prerouting")).findFirst().orElseThrow();
        assertThat(pre).containsEntry("type", "nat").containsEntry("hook", "prerouting").containsEntry("prio", -100L);
        assertThat(chains.stream().filter(ch -> ch.get("name").equals("fwd-br0")).findFirst().orElseThrow())
                .doesNotContainKey("hook");
        List<Map<String, Object>> nftRules = NftWitness.of(listing, "rule");
        assertThat(nftRules).extracting(r -> r.get("comment")).containsExactlyInAnyOrderElementsOf(
                rules.stream().map(Rule::comment).toList());
        // And nft's own text, which names every match and statement the way a user writes them.
        String text = io.netkit.testing.Cmd.run("ip", "netns", "exec", name, "nft", "list", "table", "inet", "netkit");
        assertThat(text)
                .contains("jump fwd-br0 comment \"netkit:br0\"")
                .contains("iifname \"br0\" oifname \"br0\" counter packets 0 bytes 0 accept comment \"netkit:br0 bridged\"")
                .contains("iifname \"br0\" oifname != \"br0\" counter packets 0 bytes 0 accept comment \"netkit:br0 outbound\"")
                .contains("oifname \"br0\" ct state established,related counter packets 0 bytes 0 accept comment \"netkit:br0 replies\"")
                .contains("ip saddr 172.16.0.0/24 oifname != \"br0\" counter packets 0 bytes 0 masquerade comment \"netkit:br0 masquerade\"")
                .contains("ip daddr 203.0.113.2 tcp dport 8080 dnat ip to 172.16.0.2:80 comment \"netkit:br0 publish 8080\"")
                .contains("ip6 saddr fd00:16::/64 oifname != \"br0\" masquerade comment \"netkit:br0 masquerade6\"")
                .contains("ip6 daddr 2001:db8::2 udp dport 5353 dnat ip6 to [fd00:16::2]:53 comment \"netkit:br0 publish6 5353\"");
    }
}
