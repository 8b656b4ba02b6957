package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Atomicity, error mapping, sets and maps, and rules that {@code nft -f} wrote, listed back by netkit. */
@Privileged
class TransactionKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    static final Table T = NftablesKernelTest.T;
    static final Chain FWD = NftablesKernelTest.FWD;

    @Test
    void aBatchWhoseLastChangeIsInvalidChangesNothingAndNamesThatChange() throws Exception {
        NetNamespace ns = namespaces.create("atomic");
        String name = ns.name().orElseThrow();
        try (Nftables nft = Nftables.open(ns)) {
            nft.transaction().addTable(T).addChain(FWD)
                    .addRule(Rule.builder(FWD).iifname("br0").accept().comment("first").build()).commit();
            long generation = nft.generation();
            String before = Cmd.run("ip", "netns", "exec", name, "nft", "-j", "list", "ruleset");

            Chain other = Chain.regular(T, "other");
            Rule bad = Rule.builder(FWD).jump("no-such-chain").comment("the bad one").build();   // jump to a missing chain
            Transaction tx = nft.transaction()
                    .addChain(other)
                    .addRule(Rule.builder(other).drop().comment("would be added").build())
                    .addRule(Rule.builder(FWD).oifname("br1").accept().comment("would be added too").build())
                    .addRule(bad);
            NftablesException e = catchThrowableOfType(tx::commit, NftablesException.class);

            assertThat(e).isNotNull();
            assertThat(e.failedIndex()).isEqualTo(3);
            assertThat(e.failedItem()).isSameAs(bad);
            assertThat(e.errnoName()).isEqualTo("ENOENT");
            assertThat(e.getMessage()).contains("nothing was changed").contains("#3 add rule")
                    .contains("inet netkit forward comment \"the bad one\"");
            assertThat(e.failedChanges()).hasSize(1);
            // The kernel pointed at the jump (expression #0 of that rule), and the message shows it.
            assertThat(e.failedExpression()).isZero();
            assertThat(e.getMessage()).contains("expression #0 of the rule: Verdict[code=JUMP, chain=no-such-chain]");
            // Nothing changed: the same generation, and nft shows exactly what was there before.
            assertThat(nft.generation()).isEqualTo(generation);
            assertThat(Cmd.run("ip", "netns", "exec", name, "nft", "-j", "list", "ruleset")).isEqualTo(before);
            assertThat(nft.list(T).chains()).containsExactly(FWD);
        }
    }

    @Test
    void aTransactionForAGenerationThatMovedOnIsRefusedWhole() {
        NetNamespace ns = namespaces.create("genid");
        try (Nftables nft = Nftables.open(ns); Nftables other = Nftables.open(ns)) {
            nft.transaction().addTable(T).commit();
            long seen = nft.generation();
            Transaction mine = nft.transaction().onlyIfGeneration(seen).addChain(FWD);
            other.transaction().addChain(Chain.regular(T, "theirs")).commit();   // another writer gets in first
            NftablesException e = catchThrowableOfType(mine::commit, NftablesException.class);
            assertThat(e).isNotNull();
            assertThat(e.failedIndex()).isEqualTo(-1);
            assertThat(e.errno()).isEqualTo(85);   // ERESTART
            assertThat(e.getMessage()).contains("generation is no longer " + seen).contains("list again and retry");
            assertThat(nft.list(T).chains()).containsExactly(Chain.regular(T, "theirs"));
            // With the current generation it goes through.
            nft.transaction().onlyIfGeneration(nft.generation()).addChain(FWD).commit();
            assertThat(nft.list(T).chains()).contains(FWD);
        }
    }

    @Test
    void aRefusedChainIsNamedWithTheKernelsErrno() {
        NetNamespace ns = namespaces.create("extack");
        try (Nftables nft = Nftables.open(ns)) {
            // A nat chain on the forward hook: the kernel refuses it with its own explanation.
            Chain wrong = Chain.base(T, "natfwd", Chain.Type.NAT, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
            NftablesException e = catchThrowableOfType(() -> nft.transaction().addTable(T).addChain(wrong).commit(),
                    NftablesException.class);
            assertThat(e).isNotNull();
            assertThat(e.failedIndex()).isEqualTo(1);
            assertThat(e.failedItem()).isEqualTo(wrong);
            assertThat(e.errno()).isPositive();
            assertThat(e.getMessage()).contains("#1 add chain").contains("inet netkit natfwd");
            assertThat(nft.tables()).doesNotContain(T);
        }
    }

    @Test
    void insertPutsARuleFirstAndListedRulesKeepTheKernelsOrder() {
        NetNamespace ns = namespaces.create("order");
        try (Nftables nft = Nftables.open(ns)) {
            Rule a = Rule.builder(FWD).iifname("a0").accept().comment("a").build();
            Rule b = Rule.builder(FWD).iifname("b0").accept().comment("b").build();
            Rule admin = Rule.builder(FWD).iifname("adm0").drop().comment("admin first").build();
            nft.transaction().addTable(T).addChain(FWD).addRule(a).addRule(b).commit();
            nft.transaction().insertRule(admin).commit();
            assertThat(nft.list(T).rules("forward").stream().map(Rule::comment)).containsExactly("admin first", "a", "b");
            assertThatThrownBy(() -> nft.transaction().addRule(new Rule(T, "forward",
                    List.of(new Expr.Unknown("log", "")), "", 0))).hasMessageContaining("cannot write");
        }
    }

    @Test
    void replaceChainRewritesItWholeAndDestroyIsIdempotent() {
        NetNamespace ns = namespaces.create("replace");
        try (Nftables nft = Nftables.open(ns)) {
            Chain net = Chain.regular(T, "fwd-br0");
            nft.transaction().addTable(T).addChain(FWD)
                    .replaceChain(net, List.of(Rule.builder(net).iifname("br0").accept().comment("old").build()))
                    .addRule(Rule.builder(FWD).jump("fwd-br0").build()).commit();
            long g = nft.generation();
            List<Rule> fresh = List.of(Rule.builder(net).iifname("br0").oifname("br0").accept().comment("new 1").build(),
                    Rule.builder(net).oifname("br0").ctState(CtState.ESTABLISHED).accept().comment("new 2").build());
            nft.transaction().replaceChain(net, fresh).commit();
            assertThat(nft.generation()).isEqualTo(g + 1);
            assertThat(nft.list(T).rules("fwd-br0").stream().map(Rule::normalized).toList()).containsExactlyElementsOf(fresh);
            assertThat(nft.list(T).rules("forward")).hasSize(1);   // other chains untouched
            assertThatThrownBy(() -> nft.transaction().replaceChain(net, List.of(Rule.builder(FWD).accept().build())))
                    .hasMessageContaining("given to replace chain inet netkit fwd-br0");

            nft.transaction().destroyChain(Chain.regular(T, "never-made")).commit();   // no error: nothing to destroy
            nft.transaction().destroyTable(T).commit();
            nft.transaction().destroyTable(T).commit();                                // twice: still no error
            assertThat(nft.tables()).doesNotContain(T);
            TableContents gone = nft.list(T);   // a table that does not exist lists empty
            assertThat(gone.chains()).isEmpty();
            assertThat(gone.rules()).isEmpty();
            assertThat(gone.sets()).isEmpty();
            assertThatThrownBy(() -> nft.transaction().deleteTable(T).commit())
                    .isInstanceOf(NftablesException.class).hasMessageContaining("ENOENT");
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> Rule.builder(FWD).iifname("this-name-is-too-long").accept())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this-name-is-too-long");
        assertThatThrownBy(() -> Rule.builder(FWD).dport(RuleBuilder.TCP, 70000))
                .hasMessageContaining("70000");
        assertThatThrownBy(() -> Rule.builder(FWD).accept().comment("x".repeat(300)).build())
                .hasMessageContaining("longer than 253 bytes");
        assertThatThrownBy(() -> Table.of(Family.INET, "")).hasMessageContaining("table name must not be empty");
        assertThatThrownBy(() -> Rule.builder(Chain.regular(Table.of(Family.IP6, "t"), "c"))
                .saddr(IpPrefix.parse("10.0.0.0/8"))).hasMessageContaining("does not fit table ip6 t");
    }

    @Test
    void publishedPortsInOneMapRuleAndASetOfPorts() throws Exception {
        NetNamespace ns = namespaces.create("sets");
        String name = ns.name().orElseThrow();
        Chain pre = NftablesKernelTest.PRE;
        NftSet published = NftSet.map(T, "published-tcp", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
        NftSet web = NftSet.set(T, "web", SetType.INET_SERVICE);
        InetAddress c1 = InetAddress.getByName("172.16.0.2");
        InetAddress c2 = InetAddress.getByName("172.16.0.3");
        try (Nftables nft = Nftables.open(ns)) {
            nft.transaction().addTable(T).addChain(pre).addChain(FWD)
                    .addSet(published).addSet(web)
                    .addElements(published, List.of(SetElement.portToIpv4(8080, c1, 80), SetElement.portToIpv4(8443, c2, 443)))
                    .addElements(web, List.of(SetElement.port(80), SetElement.port(443)))
                    .addRule(Rule.builder(pre).dnatIpv4PortMap(RuleBuilder.TCP, published.name()).comment("netkit:br0 published").build())
                    .addRule(Rule.builder(FWD).dportIn(RuleBuilder.TCP, web.name()).accept().comment("web").build())
                    .commit();

            TableContents c = nft.list(T);
            assertThat(c.sets()).containsExactlyInAnyOrder(published, web);
            assertThat(nft.elements(published)).containsExactlyInAnyOrder(
                    SetElement.portToIpv4(8080, c1, 80), SetElement.portToIpv4(8443, c2, 443));
            assertThat(nft.elements(web)).containsExactlyInAnyOrder(SetElement.port(80), SetElement.port(443));

            // Unpublish one port: the rule stays, one element goes.
            nft.transaction().deleteElements(published, List.of(SetElement.port(8443))).commit();
            assertThat(nft.elements(published)).containsExactly(SetElement.portToIpv4(8080, c1, 80));
        }
        String text = Cmd.run("ip", "netns", "exec", name, "nft", "list", "table", "inet", "netkit");
        assertThat(text)
                .contains("map published-tcp {")
                .contains("type inet_service : ipv4_addr . inet_service")
                .contains("8080 : 172.16.0.2 . 80")
                .doesNotContain("8443 :")
                .contains("dnat ip to tcp dport map @published-tcp comment \"netkit:br0 published\"")
                .contains("tcp dport @web accept comment \"web\"");
    }

    @Test
    void rulesThatNftInstallsNetkitListsBack() throws Exception {
        NetNamespace ns = namespaces.create("nftf");
        String name = ns.name().orElseThrow();
        Cmd.Result r = NftWitness.apply(name, """
                table inet other {
                  chain forward {
                    type filter hook forward priority 10; policy drop;
                    iifname "eth0" oifname != "eth1" ip saddr 10.1.0.0/16 counter accept comment "from nft"
                    ip6 daddr fd00::/64 udp dport 53 drop
                    ct state invalid drop
                    jump sub
                  }
                  chain sub {
                    meta l4proto tcp tcp dport 22 goto sub2
                    return
                  }
                  chain sub2 {
                    accept
                  }
                  chain post {
                    type nat hook postrouting priority srcnat;
                    oifname "eth0" snat ip to 192.0.2.1
                    oifname "eth1" masquerade
                  }
                }
                """);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        Table other = Table.of(Family.INET, "other");
        try (Nftables nft = Nftables.open(ns)) {
            assertThat(nft.tables()).contains(other);
            TableContents c = nft.list(other);
            assertThat(c.chains()).contains(
                    Chain.base(other, "forward", Chain.Type.FILTER, Hook.FORWARD, 10, Chain.Policy.DROP),
                    Chain.regular(other, "sub"), Chain.regular(other, "sub2"),
                    Chain.base(other, "post", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT));
            Chain fwd = Chain.regular(other, "forward");
            Chain sub = Chain.regular(other, "sub");
            Chain post = Chain.regular(other, "post");
            List<Rule> got = c.rules().stream().map(Rule::normalized).toList();
            // nft's own encodings must decode into the same values our builder writes for the same text,
            // except where nft encodes differently (a byte-aligned prefix as a shorter payload load).
            assertThat(got).contains(
                    Rule.builder(sub).l4proto(RuleBuilder.TCP).dport(RuleBuilder.TCP, 22).goTo("sub2").build(),
                    Rule.builder(sub).ret().build(),
                    Rule.builder(Chain.regular(other, "sub2")).accept().build(),
                    Rule.builder(fwd).jump("sub").build(),
                    Rule.builder(post).oifname("eth0").snat(InetAddress.getByName("192.0.2.1")).build(),
                    Rule.builder(post).oifname("eth1").masquerade().build(),
                    Rule.builder(fwd).ctState(CtState.INVALID).drop().build());
            Rule first = c.rules("forward").get(0);
            assertThat(first.comment()).isEqualTo("from nft");
            assertThat(first.expressions()).contains(new Expr.Counter(0, 0),
                    new Expr.Verdict(Expr.VerdictCode.ACCEPT, null));
            assertThat(first.expressions()).allSatisfy(e -> assertThat(e).isNotInstanceOf(Expr.Unknown.class));
            Rule v6 = c.rules("forward").get(1);
            assertThat(v6.expressions()).contains(new Expr.Payload(Expr.PayloadBase.TRANSPORT_HEADER, 2, 2, 1),
                    new Expr.Verdict(Expr.VerdictCode.DROP, null));

            // And netkit can delete what it listed: one rule by handle.
            nft.transaction().deleteRule(first).commit();
        }
        List<Map<String, Object>> rules = NftWitness.of(NftWitness.table(name, other), "rule");
        assertThat(rules).noneMatch(x -> "from nft".equals(x.get("comment")));
        assertThat(rules).hasSize(8);   // 9 written by nft, 1 deleted by netkit
    }
}
