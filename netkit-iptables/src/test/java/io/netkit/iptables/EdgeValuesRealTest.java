package io.netkit.iptables;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.iptables.testing.Privileged;
import io.netkit.iptables.testing.RootNamespaceGuard;
import io.netkit.iptables.testing.TestNamespace;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Values at the edge of what validation accepts (odd but legal comments, interface names with '.', '@', '_' and
 * a '+' wildcard, port 0 and 65535, /0 and /32 prefixes, IPv4 addresses with leading-zero-free edge octets),
 * applied for real: each must become exactly one rule, read back equal (diff in sync), and leave nothing on
 * removal.
 */
@Privileged
@ExtendWith(RootNamespaceGuard.class)
class EdgeValuesRealTest {
    private static final String[] COMMENTS = {"a # b", "x;y|z&w", "$(reboot) ${HOME}", "a  two  blanks", "trailing ",
        " leading", "a--j", "100% <ok> {}", "~!@^*()_+=[]:,./?", "#start", "x".repeat(200)};
    private static final String[] INTERFACES = {"eth0.100", "veth@if3", "a_b-c", "br.x", "x", "123456789012345"};

    @ParameterizedTest
    @EnumSource(Backend.class)
    void acceptedEdgeValuesBecomeExactlyTheRulesTheyDescribe(Backend b) {
        try (TestNamespace ns = TestNamespace.create("edge")) {
            Owner owner = Owner.of("nkt-edge");
            String chain = owner.chain("EDGE");
            OwnedRules.Builder rb = OwnedRules.builder(owner);
            List<Rule> rules = new ArrayList<>();
            for (String c : COMMENTS) {
                rules.add(Rule.builder(chain).comment(c).target(Target.ACCEPT).build());
            }
            for (String i : INTERFACES) {
                rules.add(Rule.builder(chain).inInterface(i).notOutInterface(i).target(Target.RETURN).build());
            }
            rules.add(Rule.builder(chain).inInterfacePrefix("br").notOutInterfacePrefix("veth").target(Target.RETURN).build());
            rules.add(Rule.builder(chain).protocol(Protocol.TCP).sourcePort(0).destinationPort(65535)
                    .target(Target.DROP).build());
            rules.add(Rule.builder(chain).protocol(Protocol.UDP).destinationPorts(1, 65535).source("0.0.0.0/0")
                    .destination("255.255.255.255/32").target(Target.DROP).build());
            rules.add(Rule.builder(chain).notSource("10.0.0.0/8").notDestination("192.168.0.0/16")
                    .ctstate(ConntrackState.NEW, ConntrackState.INVALID).target(Target.mark(0xffffffff)).build());
            rules.add(Rule.builder(chain).match("mark", "!", "--mark", "0x1/0x1").target(Target.RETURN).build());
            for (Rule r : rules) {
                rb.rule(Table.FILTER, r);
            }
            rb.hook(Table.FILTER, "FORWARD", chain);
            OwnedRules desired = rb.build();
            Iptables ipt = Iptables.builder().runner(ns.runner()).backend(b).build();
            ipt.apply(desired);
            String save = ns.exec(b.saveCommand(Family.IPV4), "-t", "filter");
            long lines = save.lines().filter(l -> l.startsWith("-A " + chain + " ")).count();
            assertThat(lines).as(save).isEqualTo(rules.size());
            assertThat(ipt.diff(desired).inSync()).as("diff after apply:\n%s", ipt.diff(desired)).isTrue();
            assertThat(ipt.list(owner).ruleCount()).isEqualTo(rules.size() + 1);
            ipt.remove(owner);
            assertThat(ns.exec(b.saveCommand(Family.IPV4), "-t", "filter")).doesNotContain("netkit").doesNotContain("NETKIT");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void natTargetsWithPortsRoundTripForBothFamilies(Backend b) {
        try (TestNamespace ns = TestNamespace.create("edge6")) {
            for (Family f : Family.values()) {
                boolean v6 = f == Family.IPV6;
                Owner owner = Owner.of("nkt-nat" + (v6 ? "6" : "4"));
                String pre = owner.chain("PRE");
                String post = owner.chain("POST");
                String ctr = v6 ? "fd00:5::2" : "10.5.0.2";
                OwnedRules desired = OwnedRules.builder(owner).family(f)
                        .rule(Table.NAT, Rule.builder(pre).protocol(Protocol.TCP).destinationPort(8080)
                                .target(Target.dnat(ctr, 80)).build())
                        .rule(Table.NAT, Rule.builder(pre).protocol(Protocol.UDP).destinationPorts(5000, 5010)
                                .target(Target.dnat(ctr, 6000, 6010)).build())
                        .rule(Table.NAT, Rule.builder(pre).protocol(Protocol.TCP).destinationPort(8443)
                                .target(Target.dnat(ctr)).build())
                        .rule(Table.NAT, Rule.builder(post).source(v6 ? "fd00:5::/64" : "10.5.0.0/24")
                                .protocol(Protocol.UDP).target(Target.snat(v6 ? "fd00:9::1" : "192.0.2.1", 1024, 2048)).build())
                        .rule(Table.NAT, Rule.builder(post).source(v6 ? "fd00:5::/64" : "10.5.0.0/24")
                                .target(Target.snat(v6 ? "fd00:9::1" : "192.0.2.1")).build())
                        .rule(Table.NAT, Rule.builder(post).protocol(Protocol.TCP).target(Target.masquerade(3000, 3100)).build())
                        .hook(Table.NAT, "PREROUTING", pre)
                        .hook(Table.NAT, "POSTROUTING", post)
                        .build();
                Iptables ipt = Iptables.builder().runner(ns.runner()).backend(b).family(f).build();
                ipt.apply(desired);
                assertThat(ipt.diff(desired).inSync()).as("%s %s: %s", b, f, ipt.diff(desired)).isTrue();
                ipt.remove(owner);
                assertThat(ipt.list(owner).ruleCount()).isZero();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void portMappingTargetsNeedAPortProtocolBeforeAnythingIsSent() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X")
                .target(Target.snat("192.0.2.1", 1024, 2048)).build()).hasMessageContaining("maps ports");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X").protocol(Protocol.ICMP)
                .target(Target.masquerade(3000)).build()).hasMessageContaining("maps ports");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Rule.builder("X")
                .target(Target.dnat("fd00::2", 80)).build()).hasMessageContaining("maps ports");
        Rule.builder("X").target(Target.dnat("fd00::2")).build();   // an IPv6 address alone maps no port
        Rule.builder("X").target(Target.snat("192.0.2.1")).build();
    }
}
