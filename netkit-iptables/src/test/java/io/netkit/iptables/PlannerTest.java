package io.netkit.iptables;

import io.netkit.iptables.internal.Planner;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The apply/remove payload computed against a given current state. */
class PlannerTest {
    private static final Owner OWNER = Owner.of("mynet");
    private static final String POST = OWNER.chain("POST");
    private static final OwnedRules MASQ = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").masquerade().build();

    /** What iptables-save shows after the masquerade layout was applied, next to another tool's rule. */
    private static final String APPLIED = """
            *nat
            :PREROUTING ACCEPT [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :NETKIT-POST-11c844f9 - [0:0]
            -A POSTROUTING -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
            -A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
            -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
            COMMIT
            """;

    @Test
    void presentHookIsNotAddedAgain() {
        assertThat(Planner.apply(MASQ, Ruleset.parse(APPLIED))).isEqualTo("""
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                COMMIT
                """);
        assertThat(Planner.diff(MASQ, Ruleset.parse(APPLIED)).inSync()).isTrue();
    }

    @Test
    void duplicateHooksAreDeleted() {
        String twice = APPLIED.replace("-A POSTROUTING -s 10.0.0.0/8",
                "-A POSTROUTING -m comment --comment \"netkit:mynet\" -j NETKIT-POST-11c844f9\n-A POSTROUTING -s 10.0.0.0/8");
        assertThat(Planner.apply(MASQ, Ruleset.parse(twice)))
                .contains("-D POSTROUTING -m comment --comment \"netkit:mynet\" -j NETKIT-POST-11c844f9\n")
                .doesNotContain("-I POSTROUTING");
        Diff d = Planner.diff(MASQ, Ruleset.parse(twice));
        assertThat(d.missing()).isEmpty();
        assertThat(d.unexpected()).extracting(Diff.Entry::toString)
                .containsExactly("-t nat -A POSTROUTING -m comment --comment \"netkit:mynet\" -j NETKIT-POST-11c844f9");
    }

    @Test
    void removeDeletesHooksThenChainsAndLeavesOthersAlone() {
        String payload = Planner.apply(OwnedRules.empty(OWNER, Family.IPV4), Ruleset.parse(APPLIED));
        assertThat(payload).isEqualTo("""
                *nat
                -D POSTROUTING -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                -F NETKIT-POST-11c844f9
                -X NETKIT-POST-11c844f9
                COMMIT
                """);
        assertThat(Planner.apply(OwnedRules.empty(OWNER, Family.IPV4), Ruleset.parse(APPLIED.replace("mynet", "else").replace(OWNER.hash(), Owner.of("else").hash()))))
                .as("another owner's rules").isEmpty();
    }

    @Test
    void removeOfNothingIsEmpty() {
        assertThat(Planner.apply(OwnedRules.empty(OWNER, Family.IPV4), Ruleset.empty())).isEmpty();
    }

    @Test
    void modifyRewritesChainsAndDropsStaleOnes() {
        OwnedRules fwdOnly = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").forwardAccept().build();
        String payload = Planner.apply(fwdOnly, Ruleset.parse(APPLIED));
        assertThat(payload).startsWith("*filter\n:NETKIT-FWD-11c844f9 - [0:0]\n")
                .contains("-I FORWARD 1 -m comment --comment \"netkit:mynet\" -j NETKIT-FWD-11c844f9\n")
                .endsWith("""
                *nat
                -D POSTROUTING -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                -F NETKIT-POST-11c844f9
                -X NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void diffFindsFlushedChainsAndForeignRules() {
        String flushed = APPLIED.replace(
                "-A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment \"netkit:mynet masquerade\" -j MASQUERADE\n",
                "-A NETKIT-POST-11c844f9 -j ACCEPT\n");
        Diff d = Planner.diff(MASQ, Ruleset.parse(flushed));
        assertThat(d.inSync()).isFalse();
        assertThat(d.missing()).extracting(Diff.Entry::line).containsExactly(
                "-A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment \"netkit:mynet masquerade\" -j MASQUERADE");
        assertThat(d.unexpected()).extracting(Diff.Entry::line).containsExactly("-A NETKIT-POST-11c844f9 -j ACCEPT");

        Diff gone = Planner.diff(MASQ, Ruleset.parse("*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n"));
        assertThat(gone.missing()).extracting(Diff.Entry::line).containsExactly(
                ":" + POST + " - [0:0]",
                "-A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment \"netkit:mynet masquerade\" -j MASQUERADE",
                "-A POSTROUTING -m comment --comment \"netkit:mynet\" -j NETKIT-POST-11c844f9");
    }

    @Test
    void appendedHooksAndOrderOfInsertedHooks() {
        String a = OWNER.chain("A");
        OwnedRules rules = OwnedRules.builder(OWNER)
                .hook(Table.FILTER, Rule.builder("INPUT").inInterface("eth0").target(Target.jump(a)).build(), true)
                .hook(Table.FILTER, Rule.builder("INPUT").inInterface("eth1").target(Target.jump(a)).build(), true)
                .hook(Table.FILTER, Rule.builder("OUTPUT").target(Target.jump(a)).build(), false)
                .build();
        assertThat(rules.render()).isEqualTo("""
                *filter
                :NETKIT-A-11c844f9 - [0:0]
                -I INPUT 1 -i eth1 -m comment --comment "netkit:mynet" -j NETKIT-A-11c844f9
                -I INPUT 1 -i eth0 -m comment --comment "netkit:mynet" -j NETKIT-A-11c844f9
                -A OUTPUT -m comment --comment "netkit:mynet" -j NETKIT-A-11c844f9
                COMMIT
                """);
    }
}
