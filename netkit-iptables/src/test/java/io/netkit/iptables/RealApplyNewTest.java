package io.netkit.iptables;

import io.netkit.iptables.testing.Privileged;
import io.netkit.iptables.testing.RootNamespaceGuard;
import io.netkit.iptables.testing.TestNamespace;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Iptables#applyNew}: one process for a new owner, and the fallback when it was not new, against the
 * real tools of both backends inside a namespace each test makes. Processes are counted through the runner.
 */
@Privileged
@ExtendWith(RootNamespaceGuard.class)
class RealApplyNewTest {

    /** A runner that records every argv it runs inside {@code ns}. */
    private static final class Counting implements CommandRunner {
        final List<List<String>> calls = Collections.synchronizedList(new ArrayList<>());
        private final CommandRunner inner;

        Counting(TestNamespace ns) {
            this.inner = ns.runner();
        }

        @Override
        public Result run(List<String> argv, byte[] stdin) throws java.io.IOException {
            calls.add(argv);
            return inner.run(argv, stdin);
        }
    }

    private static Owner newOwner() {
        return Owner.of("br0@" + Long.toHexString(Double.doubleToLongBits(Math.random())));
    }

    /** iptables-save without '#' lines, counters zeroed. */
    private static String save(TestNamespace ns, Backend b) {
        StringBuilder sb = new StringBuilder();
        for (String l : ns.exec(b.saveCommand(Family.IPV4)).split("\n")) {
            if (!l.startsWith("#") && !l.isBlank()) sb.append(l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).append('\n');
        }
        return sb.toString();
    }

    /** The -A lines of a save text, and the ':NETKIT' declarations, in order. */
    private static List<String> rules(String save) {
        List<String> out = new ArrayList<>();
        for (String l : save.split("\n")) if (l.startsWith("-A ") || l.startsWith(":NETKIT")) out.add(l);
        return out;
    }

    /** Every line a layout should leave: chains, rules, hooks as -A lines. */
    private static List<String> expected(OwnedRules rules) {
        List<String> out = new ArrayList<>();
        for (Table t : rules.tables()) {
            rules.chains(t).forEach((c, rs) -> {
                out.add(":" + c + " - [0:0]");
                rs.forEach(r -> out.add(r.render()));
            });
            rules.hooks(t).forEach(h -> out.add(h.rule().render()));
        }
        return out;
    }

    private static List<String> ownerLines(String save, Owner owner) {
        List<String> out = new ArrayList<>();
        for (String l : rules(save)) if (l.contains(owner.hash()) || l.contains(owner.comment())) out.add(l);
        return out;
    }

    private static OwnedRules network(Owner owner, String subnet) {
        return ContainerNetworkRules.builder(owner, "nkbr0", subnet).masquerade().forwardAccept()
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80).build();
    }

    /** Another tool's rules, made with plain iptables. */
    private static void plantForeign(TestNamespace ns, Backend b) {
        String ipt = b.command(Family.IPV4);
        ns.exec(ipt, "-N", "OTHER-TOOL");
        ns.exec(ipt, "-A", "OTHER-TOOL", "-p", "tcp", "--dport", "22", "-j", "ACCEPT");
        ns.exec(ipt, "-A", "FORWARD", "-j", "OTHER-TOOL");
        ns.exec(ipt, "-t", "nat", "-A", "POSTROUTING", "-s", "10.0.0.0/8", "-j", "MASQUERADE");
    }

    private static List<String> withoutOwner(String save, Owner owner) {
        List<String> out = rules(save);
        out.removeIf(l -> l.contains(owner.hash()) || l.contains(owner.comment()));
        return out;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void firstApplyOfANewOwnerStartsOneProcess(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            plantForeign(ns, b);
            String before = save(ns, b);
            Counting counting = new Counting(ns);
            Iptables ipt = Iptables.builder().runner(counting).backend(b).build();
            Owner owner = newOwner();
            OwnedRules rules = network(owner, "172.16.0.0/24");

            ipt.applyNew(rules);
            assertThat(counting.calls).containsExactly(ipt.restoreCommand());
            String after = save(ns, b);
            assertThat(ownerLines(after, owner)).containsExactlyInAnyOrderElementsOf(expected(rules));
            assertThat(withoutOwner(after, owner)).containsExactlyElementsOf(rules(before));
            // Hooks at the top of their built-in chains, once.
            assertThat(rules(after)).filteredOn(l -> l.startsWith("-A FORWARD ")).first().asString().contains(owner.comment());
            assertThat(rules(after)).doesNotHaveDuplicates();
            assertThat(ipt.diff(rules).inSync()).isTrue();

            // The same instance knows the owner now: a re-apply is one process too and changes nothing.
            counting.calls.clear();
            ipt.apply(rules);
            assertThat(counting.calls).containsExactly(ipt.restoreCommand());
            assertThat(save(ns, b)).isEqualTo(after);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void ownerThatExistsAlreadyFallsBackAndEndsExactlyRight(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            plantForeign(ns, b);
            Owner owner = newOwner();
            OwnedRules rules = network(owner, "172.16.0.0/24");
            Iptables.builder().runner(ns.runner()).backend(b).build().apply(rules);
            String once = save(ns, b);

            // A second, fresh instance is told the owner is new, wrongly.
            Counting counting = new Counting(ns);
            Iptables fresh = Iptables.builder().runner(counting).backend(b).build();
            fresh.applyNew(rules);
            // Optimistic restore fails atomically on its first -N, then iptables-save and one restore.
            assertThat(counting.calls).containsExactly(fresh.restoreCommand(), List.of(b.saveCommand(Family.IPV4)),
                    fresh.restoreCommand());
            assertThat(save(ns, b)).isEqualTo(once);
            assertThat(rules(once)).doesNotHaveDuplicates();

            // Same with a changed layout: exactly the new set, no duplicate hooks.
            OwnedRules smaller = ContainerNetworkRules.builder(owner, "nkbr0", "172.16.1.0/24").masquerade().forwardAccept().build();
            Iptables.builder().runner(ns.runner()).backend(b).build().applyNew(smaller);
            String after = save(ns, b);
            assertThat(ownerLines(after, owner)).containsExactlyInAnyOrderElementsOf(expected(smaller));
            assertThat(withoutOwner(after, owner)).containsExactlyElementsOf(withoutOwner(once, owner));
        }
    }

    /**
     * Only the nat chain exists (made by another tool under netkit's name): the optimistic restore commits the
     * filter block, then fails in nat. The fallback reads that half-applied state and ends exactly right.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void foreignChainOfTheSameNameInALaterTable(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            plantForeign(ns, b);
            Owner owner = newOwner();
            OwnedRules rules = ContainerNetworkRules.builder(owner, "nkbr0", "172.16.0.0/24").masquerade().forwardAccept().build();
            String post = owner.chain("POST");
            String ipt = b.command(Family.IPV4);
            ns.exec(ipt, "-t", "nat", "-N", post);
            ns.exec(ipt, "-t", "nat", "-A", post, "-s", "192.0.2.0/24", "-j", "RETURN");
            ns.exec(ipt, "-t", "nat", "-A", "POSTROUTING", "-s", "192.0.2.0/24", "-j", post);
            String before = save(ns, b);

            Counting counting = new Counting(ns);
            Iptables fresh = Iptables.builder().runner(counting).backend(b).build();
            fresh.applyNew(rules);
            assertThat(counting.calls).hasSize(3);
            String after = save(ns, b);
            // The chain of netkit's name holds exactly netkit's rules; every hook is there once.
            List<String> mine = new ArrayList<>(ownerLines(after, owner));
            mine.remove("-A POSTROUTING -s 192.0.2.0/24 -j " + post); // the other tool's jump, kept
            assertThat(mine).containsExactlyInAnyOrderElementsOf(expected(rules));
            assertThat(rules(after)).doesNotHaveDuplicates()
                    .contains("-A POSTROUTING -s 192.0.2.0/24 -j " + post)
                    .doesNotContain("-A " + post + " -s 192.0.2.0/24 -j RETURN");
            List<String> foreign = withoutOwner(before, owner);
            assertThat(withoutOwner(after, owner)).containsExactlyElementsOf(foreign);
            assertThat(fresh.diff(rules).inSync()).isTrue();
        }
    }

    /**
     * A real error in the second table block: the first block was committed by then, so it is removed again
     * and the error quotes the failing line. Nothing of the owner stays, other tools' rules are untouched.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void realErrorInALaterTableLeavesNothingHalfApplied(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            plantForeign(ns, b);
            String before = save(ns, b);
            Owner owner = newOwner();
            String fwd = owner.chain("FWD"), post = owner.chain("POST");
            OwnedRules bad = OwnedRules.builder(owner)
                    .rule(Table.FILTER, Rule.builder(fwd).inInterface("nkbr0").target(Target.ACCEPT).build())
                    .hook(Table.FILTER, "FORWARD", fwd)
                    // DNAT is not allowed in POSTROUTING: the kernel refuses it once the chain is hooked there.
                    .rule(Table.NAT, Rule.builder(post).protocol(Protocol.TCP).destinationPort(80).target(Target.dnat("10.0.0.2")).build())
                    .hook(Table.NAT, "POSTROUTING", post)
                    .build();
            Counting counting = new Counting(ns);
            Iptables ipt = Iptables.builder().runner(counting).backend(b).build();
            assertThatThrownBy(() -> ipt.applyNew(bad)).isInstanceOfSatisfying(RestoreException.class, e -> {
                assertThat(e.lineNumber()).isGreaterThan(5); // in the nat block, after filter's COMMIT
                assertThat(e.getMessage()).contains("at payload line " + e.lineNumber()).contains("\"" + e.line() + "\"");
                assertThat(e.toolMessage()).isNotEmpty();
            });
            assertThat(counting.calls).containsExactly(ipt.restoreCommand(), ipt.restoreCommand()); // apply, undo
            assertThat(save(ns, b)).doesNotContain("NETKIT").doesNotContain("netkit:");
            assertThat(rules(save(ns, b))).containsExactlyElementsOf(rules(before));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void realErrorInTheFirstTableIsOneProcessAndAppliesNothing(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            String before = save(ns, b);
            Owner owner = newOwner();
            String chain = owner.chain("BAD");
            OwnedRules bad = OwnedRules.builder(owner)
                    .rule(Table.FILTER, Rule.builder(chain).source("10.0.0.0/8").target(Target.ACCEPT).build())
                    .rule(Table.FILTER, Rule.builder(chain).target(Target.of("NKNOSUCHTARGET")).build())
                    .hook(Table.FILTER, "FORWARD", chain)
                    .rule(Table.NAT, Rule.builder(owner.chain("POST")).target(Target.masquerade()).build())
                    .hook(Table.NAT, "POSTROUTING", owner.chain("POST"))
                    .build();
            Counting counting = new Counting(ns);
            Iptables ipt = Iptables.builder().runner(counting).backend(b).build();
            assertThatThrownBy(() -> ipt.applyNew(bad)).isInstanceOfSatisfying(RestoreException.class, e -> {
                assertThat(e.getMessage()).contains(b.restoreCommand(Family.IPV4) + " failed at payload line " + e.lineNumber())
                        .contains("\"" + e.line() + "\"").contains("NKNOSUCHTARGET");
                assertThat(e.line()).doesNotStartWith("-N ");
            });
            assertThat(counting.calls).containsExactly(ipt.restoreCommand());
            // (iptables-legacy-restore instantiates the empty filter table it parsed; no rule or chain is left.)
            assertThat(rules(save(ns, b))).isEqualTo(rules(before));
            assertThat(save(ns, b)).doesNotContain("NETKIT").doesNotContain("netkit:");
        }
    }

    /**
     * The documented limit: state of the same owner under another chain name is invisible to applyNew (it
     * stays), while apply removes it.
     */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void staleChainsUnderOtherNamesNeedApply(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            Owner owner = newOwner();
            OwnedRules old = OwnedRules.builder(owner)
                    .rule(Table.FILTER, Rule.builder(owner.chain("OLD")).target(Target.ACCEPT).build())
                    .hook(Table.FILTER, "FORWARD", owner.chain("OLD")).build();
            Iptables.builder().runner(ns.runner()).backend(b).build().apply(old);
            OwnedRules now = network(owner, "172.16.0.0/24");
            Iptables.builder().runner(ns.runner()).backend(b).build().applyNew(now);
            assertThat(save(ns, b)).contains(owner.chain("OLD"));
            Iptables.builder().runner(ns.runner()).backend(b).build().apply(now);
            String after = save(ns, b);
            assertThat(after).doesNotContain(owner.chain("OLD"));
            assertThat(ownerLines(after, owner)).containsExactlyInAnyOrderElementsOf(expected(now));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void thousandRulesOfANewOwnerInOneProcess(Backend b) {
        try (TestNamespace ns = TestNamespace.create("ipt")) {
            Counting counting = new Counting(ns);
            Iptables ipt = Iptables.builder().runner(counting).backend(b).build();
            Owner owner = newOwner();
            String chain = owner.chain("MANY");
            OwnedRules.Builder many = OwnedRules.builder(owner).hook(Table.FILTER, "FORWARD", chain);
            for (int i = 0; i < 1000; i++) {
                many.rule(Table.FILTER, Rule.builder(chain).source("10." + (i / 250) + "." + (i % 250) + ".0/24")
                        .outInterface("nkbr0").protocol(Protocol.TCP).destinationPort(1000 + i).target(Target.ACCEPT).build());
            }
            OwnedRules rules = many.build();
            long t0 = System.nanoTime();
            ipt.applyNew(rules);
            long micros = (System.nanoTime() - t0) / 1000;
            assertThat(counting.calls).containsExactly(ipt.restoreCommand());
            assertThat(ownerLines(save(ns, b), owner)).containsExactlyInAnyOrderElementsOf(expected(rules));
            System.out.printf("%s: 1000 rules of a new owner applied (one restore) in %d us%n", b, micros);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sharedAdminChainIsMadeWhenAbsentAndNeverFlushedByApplyNewOrApply(Backend b) {
        try (TestNamespace ns = TestNamespace.create("shared")) {
            Iptables ipt = Iptables.builder().runner(ns.runner()).backend(b).build();
            Owner first = newOwner();
            // applyNew does not create shared chains: with NETKIT-USER absent it falls back to a full apply
            ipt.applyNew(ContainerNetworkRules.builder(first, "br0", "10.1.0.0/24").adminChain().forwardAccept().build());
            assertThat(save(ns, b)).contains(":NETKIT-USER - [0:0]").contains("-j NETKIT-USER");
            ns.exec(b.command(Family.IPV4), "-A", "NETKIT-USER", "-s", "10.9.0.0/16", "-j", "DROP");
            Owner second = newOwner();
            ipt.applyNew(ContainerNetworkRules.builder(second, "br1", "10.2.0.0/24").adminChain().forwardAccept().build());
            ipt.apply(ContainerNetworkRules.builder(first, "br0", "10.1.0.0/24").adminChain().masquerade().forwardAccept().build());
            ipt.remove(first);
            ipt.remove(second);
            String after = save(ns, b);
            assertThat(after).contains(":NETKIT-USER - [0:0]").contains("-A NETKIT-USER -s 10.9.0.0/16 -j DROP")
                    .doesNotContain("netkit:");
        }
    }
}
