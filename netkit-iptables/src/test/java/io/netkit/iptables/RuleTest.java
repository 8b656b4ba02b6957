package io.netkit.iptables;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleTest {

    @Test
    void rendersInIptablesSaveCanonicalForm() {
        Rule r = Rule.builder("INPUT").notSource("1.2.3.4").destination("5.6.7.9/24").protocol(Protocol.TCP)
                .sourcePorts(1000, 2000).destinationPort(80).target(Target.of("REJECT", "--reject-with", "tcp-reset")).build();
        assertThat(r.render()).isEqualTo("-A INPUT ! -s 1.2.3.4/32 -d 5.6.7.0/24 -p tcp -m tcp --sport 1000:2000 --dport 80 "
                + "-j REJECT --reject-with tcp-reset");
    }

    @Test
    void everyTarget() {
        assertThat(Target.ACCEPT.render()).isEqualTo("-j ACCEPT");
        assertThat(Target.DROP.render()).isEqualTo("-j DROP");
        assertThat(Target.RETURN.render()).isEqualTo("-j RETURN");
        assertThat(Target.masquerade().render()).isEqualTo("-j MASQUERADE");
        assertThat(Target.masquerade(1024).render()).isEqualTo("-j MASQUERADE --to-ports 1024");
        assertThat(Target.masquerade(1000, 2000).render()).isEqualTo("-j MASQUERADE --to-ports 1000-2000");
        assertThat(Target.snat("10.0.0.1").render()).isEqualTo("-j SNAT --to-source 10.0.0.1");
        assertThat(Target.snat("10.0.0.1", 100, 200).render()).isEqualTo("-j SNAT --to-source 10.0.0.1:100-200");
        assertThat(Target.dnat("172.17.0.2").render()).isEqualTo("-j DNAT --to-destination 172.17.0.2");
        assertThat(Target.dnat("172.17.0.2", 80).render()).isEqualTo("-j DNAT --to-destination 172.17.0.2:80");
        assertThat(Target.dnat("172.17.0.2", 5353, 5360).render()).isEqualTo("-j DNAT --to-destination 172.17.0.2:5353-5360");
        assertThat(Target.dnat("fd00:0::2", 80).render()).isEqualTo("-j DNAT --to-destination [fd00::2]:80");
        assertThat(Target.mark(0x10).render()).isEqualTo("-j MARK --set-xmark 0x10/0xffffffff");
        assertThat(Target.mark(0x4000, 0x4000).render()).isEqualTo("-j MARK --set-xmark 0x4000/0x4000");
        assertThat(Target.jump("NETKIT-X").render()).isEqualTo("-j NETKIT-X");
        assertThat(Target.goTo("NETKIT-X").render()).isEqualTo("-g NETKIT-X");
        assertThat(Target.goTo("NETKIT-X").isGoto()).isTrue();
    }

    @Test
    void matchesRenderInFixedOrder() {
        Rule r = Rule.builder("FORWARD").comment("c1").target(Target.ACCEPT).match("mark", "--mark", "0x1/0x1")
                .ctstate(ConntrackState.ESTABLISHED, ConntrackState.RELATED).notDestinationType(AddressType.LOCAL)
                .sourceType(AddressType.UNICAST).outInterfacePrefix("br").inInterface("veth1").build();
        assertThat(r.render()).isEqualTo("-A FORWARD -i veth1 -o br+ -m conntrack --ctstate RELATED,ESTABLISHED "
                + "-m addrtype --src-type UNICAST ! --dst-type LOCAL -m mark --mark 0x1/0x1 -m comment --comment c1 -j ACCEPT");
    }

    @Test
    void accessorsReadBuiltAndParsedRules() {
        Rule built = Rule.builder("POSTROUTING").source("172.16.0.0/24").notOutInterface("br0").comment("netkit:n1 x")
                .target(Target.masquerade()).build();
        Rule parsed = Rule.parse(built.render());
        for (Rule r : new Rule[] {built, parsed}) {
            assertThat(r.chain()).isEqualTo("POSTROUTING");
            assertThat(r.source()).contains(new Rule.Operand("172.16.0.0/24", false));
            assertThat(r.outInterface()).contains(new Rule.Operand("br0", true));
            assertThat(r.inInterface()).isEmpty();
            assertThat(r.comment()).contains("netkit:n1 x");
            assertThat(r.owner()).contains(Owner.of("n1"));
            assertThat(r.target().map(Target::name)).contains("MASQUERADE");
        }
        assertThat(parsed).isEqualTo(built);
        assertThat(built.specification()).isEqualTo("-s 172.16.0.0/24 ! -o br0 -m comment --comment \"netkit:n1 x\" -j MASQUERADE");
    }

    @Test
    void parseKeepsUnknownWordsAndLongOptions() {
        String line = "-A INPUT --source 10.0.0.0/8 -f -m set --match-set s src -m comment --comment \"a \\\"b\\\"\" -j LOG --log-prefix \"x: \"";
        Rule r = Rule.parse(line);
        assertThat(r.render()).isEqualTo(line);
        assertThat(r.source()).contains(new Rule.Operand("10.0.0.0/8", false));
        assertThat(r.comment()).contains("a \"b\"");
        assertThat(r.target().get().args()).containsExactly("--log-prefix", "x: ");
    }

    @Test
    void equalityIsByTheWordsIptablesReads() {
        Rule built = Rule.builder("INPUT").source("10.0.0.0/8").comment("x").target(Target.of("LOG", "--log-prefix", "DROP:")).build();
        Rule saved = Rule.parse("[3:180] -A INPUT --source 10.0.0.0/8 -m comment --comment \"x\" -j LOG --log-prefix \"DROP:\"");
        assertThat(saved).isEqualTo(built).hasSameHashCodeAs(built);
        assertThat(saved.render()).isNotEqualTo(built.render());
        assertThat(Rule.parse("-A INPUT -s 10.0.0.0/8 -j ACCEPT")).isNotEqualTo(Rule.parse("-A INPUT ! -s 10.0.0.0/8 -j ACCEPT"))
                .isNotEqualTo(Rule.parse("-A OUTPUT -s 10.0.0.0/8 -j ACCEPT"))
                .isNotEqualTo(Rule.parse("-A INPUT -s 10.0.0.0/8 -g ACCEPT"));
        assertThat(Target.of("LOG", "--log-prefix", "DROP:")).isEqualTo(saved.target().orElseThrow());
    }

    @Test
    void parseRejectsNonRules() {
        assertThatThrownBy(() -> Rule.parse(":INPUT ACCEPT [0:0]")).hasMessageContaining("expected \"-A CHAIN");
        assertThatThrownBy(() -> Rule.parse("-A X -m comment --comment \"open")).hasMessageContaining("unterminated quote");
    }

    @Test
    void portsNeedAPortProtocol() {
        assertThatThrownBy(() -> Rule.builder("INPUT").destinationPort(80).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("protocol(TCP)");
        assertThatThrownBy(() -> Rule.builder("INPUT").protocol(Protocol.ICMP).destinationPort(80).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void mixedFamiliesAreRejected() {
        assertThatThrownBy(() -> Rule.builder("INPUT").source("10.0.0.0/8").destination("fd00::/8"))
                .hasMessageContaining("IPv6").hasMessageContaining("IPv4");
        assertThatThrownBy(() -> Rule.builder("INPUT").source("10.0.0.0/8").target(Target.dnat("fd00::1")).build())
                .hasMessageContaining("mixes IPv4 and IPv6");
    }

    @Test
    void ownedRulesStampTheOwnerAndKeepTheNote() {
        Owner o = Owner.of("net-a");
        String chain = o.chain("X");
        OwnedRules rules = OwnedRules.builder(o).rule(Table.FILTER, Rule.builder(chain).comment("note").target(Target.ACCEPT).build())
                .rule(Table.FILTER, Rule.builder(chain).target(Target.DROP).build()).build();
        assertThat(rules.chains(Table.FILTER).get(chain)).extracting(r -> r.comment().orElseThrow())
                .containsExactly("netkit:net-a note", "netkit:net-a");
    }

    @Test
    void ownedRulesRefuseForeignChains() {
        Owner o = Owner.of("a");
        assertThatThrownBy(() -> OwnedRules.builder(o).rule(Table.FILTER, Rule.builder("FORWARD").target(Target.ACCEPT).build()))
                .hasMessageContaining("not owned by a");
        assertThatThrownBy(() -> OwnedRules.builder(o).hook(Table.FILTER, "FORWARD", Owner.of("b").chain("X")))
                .hasMessageContaining("not owned by a");
        assertThatThrownBy(() -> OwnedRules.builder(o).family(Family.IPV6)
                .rule(Table.FILTER, Rule.builder(o.chain("X")).source("10.0.0.0/8").target(Target.ACCEPT).build()))
                .hasMessageContaining("IPv4 addresses but these rules are IPv6");
    }

    @org.junit.jupiter.api.Test
    void matchesIptablesDropsOrRefusesAreNormalizedOrRejected() {
        // iptables drops "-s 0.0.0.0/0": the model does too, so the rule read back compares equal
        org.assertj.core.api.Assertions.assertThat(Rule.builder("X").source("0.0.0.0/0").destination("0.0.0.0/0")
                .target(Target.ACCEPT).build()).isEqualTo(Rule.builder("X").target(Target.ACCEPT).build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X").notSource("10.1.2.3/0"))
                .hasMessageContaining("matches no packet");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X").notDestination("::/0"))
                .hasMessageContaining("matches no packet");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X").destinationPorts(0, 65535))
                .hasMessageContaining("leave the port match out");
    }
}
