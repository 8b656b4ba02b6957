package io.netkit.iptables;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden restore payloads of the ready-made layouts, as sent on a first apply. */
class LayoutGoldenTest {
    private static final Owner OWNER = Owner.of("mynet");

    @Test
    void ownerHashAndChainNamesAreStable() {
        assertThat(OWNER.hash()).isEqualTo("11c844f9");
        assertThat(OWNER.chain("POST")).isEqualTo("NETKIT-POST-11c844f9");
        assertThat(Owner.of("x".repeat(64)).chain("ABCDEFGHIJKL")).hasSizeLessThanOrEqualTo(28);
        assertThat(Owner.of("mynet")).isEqualTo(Owner.of("mynet")).hasSameHashCodeAs(Owner.of("mynet"))
                .isNotEqualTo(Owner.of("mynet2"));
    }

    @Test
    void masquerade() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").masquerade().build().render();
        assertThat(payload).isEqualTo("""
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void forwardAccept() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").forwardAccept().build().render();
        assertThat(payload).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "netkit:mynet replies" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 ! -o br0 -m comment --comment "netkit:mynet outbound" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 -o br0 -m comment --comment "netkit:mynet internal" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                """);
    }

    @Test
    void portForward() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24")
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80)
                .publish(Protocol.UDP, "192.0.2.10", 5353, "172.16.0.3", 53)
                .build().render();
        assertThat(payload).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -d 172.16.0.2/32 -o br0 -p tcp -m tcp --dport 80 -m comment --comment "netkit:mynet publish" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -d 172.16.0.3/32 -o br0 -p udp -m udp --dport 53 -m comment --comment "netkit:mynet publish" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                :NETKIT-DNAT-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 -d 172.16.0.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT -m comment --comment "netkit:mynet hairpin" -j MASQUERADE
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 -d 172.16.0.3/32 -p udp -m udp --dport 53 -m conntrack --ctstate DNAT -m comment --comment "netkit:mynet hairpin" -j MASQUERADE
                -A NETKIT-DNAT-11c844f9 -p tcp -m tcp --dport 8080 -m comment --comment "netkit:mynet publish" -j DNAT --to-destination 172.16.0.2:80
                -A NETKIT-DNAT-11c844f9 -d 192.0.2.10/32 -p udp -m udp --dport 5353 -m comment --comment "netkit:mynet publish" -j DNAT --to-destination 172.16.0.3:53
                -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "netkit:mynet" -j NETKIT-DNAT-11c844f9
                -I PREROUTING 1 -m addrtype --dst-type LOCAL -m comment --comment "netkit:mynet" -j NETKIT-DNAT-11c844f9
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void ipv6NetworkWithIsolation() {
        OwnedRules rules = ContainerNetworkRules.builder(OWNER, "br0", "fd00:1:0:0::5/64")
                .masquerade().forwardAccept().isolateFrom("br1").build();
        assertThat(rules.family()).isEqualTo(Family.IPV6);
        assertThat(rules.render()).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -i br0 -o br1 -m comment --comment "netkit:mynet isolate" -j DROP
                -A NETKIT-FWD-11c844f9 -i br1 -o br0 -m comment --comment "netkit:mynet isolate" -j DROP
                -A NETKIT-FWD-11c844f9 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "netkit:mynet replies" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 ! -o br0 -m comment --comment "netkit:mynet outbound" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 -o br0 -m comment --comment "netkit:mynet internal" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s fd00:1::/64 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void samePortCannotBePublishedTwice() {
        var b = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").publish(Protocol.TCP, 8080, "172.16.0.2", 80);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.publish(Protocol.TCP, 8080, "172.16.0.3", 80))
                .hasMessage("host port tcp/8080 is already published to 172.16.0.2:80");
        b.publish(Protocol.UDP, 8080, "172.16.0.3", 80).publish(Protocol.TCP, "192.0.2.1", 8080, "172.16.0.3", 80);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.publish(Protocol.ICMP, 1, "172.16.0.3", 1))
                .hasMessageContaining("has no ports");
    }

    @Test
    void javadocExamplesHold() {
        Owner owner = Owner.of("mynet");
        String post = owner.chain("POST");
        OwnedRules rules = OwnedRules.builder(owner)
                .rule(Table.NAT, Rule.builder(post).source("172.16.0.0/24").notOutInterface("br0")
                        .target(Target.masquerade()).build())
                .hook(Table.NAT, "POSTROUTING", post)
                .build();
        assertThat(rules.render()).isEqualTo("""
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
        Rule r = Rule.builder("POSTROUTING").source("172.16.0.0/24").notOutInterface("br0").comment("masquerade")
                .target(Target.masquerade()).build();
        assertThat(r.render()).isEqualTo("-A POSTROUTING -s 172.16.0.0/24 ! -o br0 -m comment --comment masquerade -j MASQUERADE");
    }

    @Test
    void everyRuleCarriesTheOwnerComment() {
        OwnedRules rules = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").masquerade().forwardAccept()
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80).isolateFrom("br9").build();
        for (Table t : rules.tables()) {
            rules.chains(t).values().forEach(list -> list.forEach(r -> assertThat(r.owner()).contains(OWNER)));
            rules.hooks(t).forEach(h -> assertThat(h.rule().owner()).contains(OWNER));
        }
    }

    @Test
    void localhostPublishingDropsTheLoopbackExclusionAndMasqueradesLoopbackSources() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").localhost()
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80).build().render();
        assertThat(payload).contains("""
                -A NETKIT-POST-11c844f9 -s 127.0.0.0/8 -o br0 -m comment --comment "netkit:mynet localhost" -j MASQUERADE
                """).contains("""
                -I OUTPUT 1 -m addrtype --dst-type LOCAL -m comment --comment "netkit:mynet" -j NETKIT-DNAT-11c844f9
                """).doesNotContain("! -d 127.0.0.0/8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerNetworkRules.builder(OWNER, "br0", "fd00::/64")
                .localhost()).hasMessageContaining("IPv4").hasMessageContaining("fd00::/64");
    }

    @Test
    void adminChainIsCreatedOnlyWhenAbsentAndNeverFlushed() {
        assertThat(ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").forwardAccept().build()
                .sharedChains(Table.FILTER)).isEmpty();
        OwnedRules rules = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").adminChain().forwardAccept().build();
        assertThat(rules.sharedChains(Table.FILTER)).containsExactly("NETKIT-USER");
        assertThat(rules.render()).startsWith("""
                *filter
                -N NETKIT-USER
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -m comment --comment "netkit:mynet admin first" -j NETKIT-USER
                """);
        Ruleset withAdminRule = Ruleset.parse("""
                *filter
                :FORWARD DROP [0:0]
                :NETKIT-USER - [0:0]
                -A NETKIT-USER -s 10.9.0.0/16 -j DROP
                COMMIT
                """);
        String payload = io.netkit.iptables.internal.Planner.apply(rules, withAdminRule);
        assertThat(payload).doesNotContain("NETKIT-USER -").doesNotContain(":NETKIT-USER").doesNotContain("-N NETKIT-USER")
                .doesNotContain("-F NETKIT-USER").doesNotContain("-X NETKIT-USER").contains("-j NETKIT-USER");
        // removing the network leaves the admin chain and its rules alone
        String remove = io.netkit.iptables.internal.Planner.apply(OwnedRules.empty(OWNER, Family.IPV4),
                Ruleset.parse(withAdminRule.render().replace("COMMIT\n", "")
                        + ":NETKIT-FWD-11c844f9 - [0:0]\n-A NETKIT-FWD-11c844f9 -m comment --comment \"netkit:mynet admin first\" -j NETKIT-USER\n"
                        + "-A FORWARD -m comment --comment \"netkit:mynet\" -j NETKIT-FWD-11c844f9\nCOMMIT\n"));
        assertThat(remove).contains("-X NETKIT-FWD-11c844f9").doesNotContain("-X NETKIT-USER").doesNotContain("-F NETKIT-USER");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OwnedRules.builder(OWNER)
                .sharedChain(Table.FILTER, OWNER.chain("X"))).hasMessageContaining("named like an owned chain");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OwnedRules.builder(OWNER)
                .sharedChain(Table.FILTER, "FORWARD")).hasMessageContaining("built-in");
    }

    @Test
    void publishedPortsAreReadBackFromTheDnatRulesOfEveryNetwork() {
        Owner other = Owner.of("other");
        ContainerNetworkRules.Builder mine = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24")
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80)
                .publish(Protocol.UDP, "192.0.2.10", 5353, "172.16.0.3", 53);
        ContainerNetworkRules.Builder theirs = ContainerNetworkRules.builder(other, "br1", "fd00:9::/64")
                .publish(Protocol.TCP, 8443, "fd00:9::2", 443);
        // what iptables-save prints after both were applied (nat table only; -6 rules in their own dump)
        String save = "*nat\n:PREROUTING ACCEPT [0:0]\n" + nat(mine.build()) + "COMMIT\n";
        List<ContainerNetworkRules.PublishedPort> held = ContainerNetworkRules.publishedPorts(Ruleset.parse(save));
        assertThat(held).containsExactlyElementsOf(mine.publishedPorts());
        assertThat(held.get(0).toString()).isEqualTo("tcp *:8080 -> 172.16.0.2:80 (netkit:mynet)");
        assertThat(held.get(1).hostAddress()).isEqualTo("192.0.2.10");
        List<ContainerNetworkRules.PublishedPort> held6 = ContainerNetworkRules.publishedPorts(
                Ruleset.parse("*nat\n" + nat(theirs.build()) + "COMMIT\n"));
        assertThat(held6).containsExactlyElementsOf(theirs.publishedPorts());
        assertThat(held6.get(0).container()).isEqualTo("fd00:9::2");
        // conflicts: same protocol and port, overlapping addresses
        ContainerNetworkRules.PublishedPort any8080 = held.get(0);
        ContainerNetworkRules.PublishedPort on = new ContainerNetworkRules.PublishedPort(other, Protocol.TCP, "198.51.100.1",
                8080, "10.0.0.2", 80);
        assertThat(any8080.conflictsWith(on)).isTrue();
        assertThat(on.conflictsWith(any8080)).isTrue();
        assertThat(held.get(1).conflictsWith(new ContainerNetworkRules.PublishedPort(other, Protocol.UDP, "192.0.2.11",
                5353, "10.0.0.2", 53))).isFalse();
        assertThat(any8080.conflictsWith(new ContainerNetworkRules.PublishedPort(other, Protocol.UDP, null, 8080,
                "10.0.0.2", 80))).isFalse();
    }

    /** The nat rules of {@code rules} as iptables-save prints them (chains declared, rules appended). */
    private static String nat(OwnedRules rules) {
        StringBuilder sb = new StringBuilder();
        for (String c : rules.chains(Table.NAT).keySet()) sb.append(':').append(c).append(" - [0:0]\n");
        for (java.util.List<Rule> l : rules.chains(Table.NAT).values()) for (Rule r : l) sb.append(r.render()).append('\n');
        return sb.toString();
    }
}
