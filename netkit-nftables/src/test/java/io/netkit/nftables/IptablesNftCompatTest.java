package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Native rules written into iptables-nft's own table ({@code ip filter FORWARD}, made by {@code iptables-nft -P FORWARD
 * DROP} as Docker does) stay readable for iptables: {@code iptables-save} renders them as iptables rules with their
 * comments, and the connection-state match is the x_tables one iptables-nft itself writes.
 */
@Privileged
class IptablesNftCompatTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void nativeAcceptsInIptablesNftsForwardChainRenderInIptablesSave() {
        NetNamespace host = namespaces.create("host");
        String ns = host.name().orElseThrow();
        Cmd.run("ip", "netns", "exec", ns, "iptables-nft", "-P", "FORWARD", "DROP");
        try (Nftables nft = Nftables.open(host)) {
            Chain forward = nft.chains().stream()
                    .filter(c -> c.table().equals(Table.of(Family.IP, "filter")) && c.name().equals("FORWARD"))
                    .findFirst().orElseThrow();
            assertThat(forward.base().orElseThrow().policy()).isEqualTo(Chain.Policy.DROP);
            assertThat(forward.base().orElseThrow().hook()).isEqualTo(Hook.FORWARD);

            Rule replies = Rule.of(forward, "netkit:br0@1a2b3c4d replies", List.of(
                    new Expr.Meta(Expr.MetaKey.OIFNAME, 1), new Expr.Cmp(1, Expr.CmpOp.EQ, Data.of("br0\0".getBytes())),
                    Expr.XtMatch.conntrackState(CtState.ESTABLISHED, CtState.RELATED),
                    new Expr.Verdict(Expr.VerdictCode.ACCEPT, null)));
            Rule bridged = Rule.builder(forward).iifname("br0").oifname("br0").accept()
                    .comment("netkit:br0@1a2b3c4d bridged").build();
            nft.transaction().addRule(bridged).addRule(replies).commit();

            String save = Cmd.run("ip", "netns", "exec", ns, "iptables-nft-save", "-t", "filter");
            assertThat(save).doesNotContain("incompatible")
                    .contains(":FORWARD DROP")
                    .contains("-A FORWARD -i br0 -o br0 -m comment --comment \"netkit:br0@1a2b3c4d bridged\" -j ACCEPT")
                    .contains("-A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED"
                            + " -m comment --comment \"netkit:br0@1a2b3c4d replies\" -j ACCEPT");
            String listed = Cmd.run("ip", "netns", "exec", ns, "nft", "list", "chain", "ip", "filter", "FORWARD");
            assertThat(listed).contains("oifname \"br0\" ct state related,established accept comment");

            List<Rule> back = nft.rules(forward);
            assertThat(back).hasSize(2);
            assertThat(back.get(1).expressions()).contains(Expr.XtMatch.conntrackState(CtState.ESTABLISHED, CtState.RELATED));
            assertThat(back.get(1).comment()).isEqualTo("netkit:br0@1a2b3c4d replies");

            // iptables' own rule (xt matches it wrote) lists back too, and deleting ours leaves it alone.
            Cmd.run("ip", "netns", "exec", ns, "iptables-nft", "-A", "FORWARD", "-o", "docker0", "-m", "conntrack",
                    "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT");
            List<Rule> all = nft.rules(forward);
            assertThat(all).hasSize(3);
            Transaction tx = nft.transaction();
            all.stream().filter(r -> r.comment().startsWith("netkit:")).forEach(tx::deleteRule);
            tx.commit();
            assertThat(Cmd.run("ip", "netns", "exec", ns, "iptables-nft-save", "-t", "filter"))
                    .doesNotContain("netkit").contains("-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        }
    }
}
