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
 * An independent check on both backends: a Docker- and kube-proxy-like ruleset planted with per-rule
 * {@code iptables} calls (as those tools' older versions do), read back through netkit's parser and
 * rendered again must give exactly the same rules, restoring that rendering into a fresh namespace must make the
 * tool print the same thing, and netkit's apply + remove around it must leave it byte-for-byte as it was.
 */
@Privileged
@ExtendWith(RootNamespaceGuard.class)
class ForeignRulesetTest {
    private static final String[][] PLANTED = {
        {"-N", "DOCKER"}, {"-N", "DOCKER-ISOLATION-STAGE-1"}, {"-N", "DOCKER-USER"},
        {"-A", "FORWARD", "-j", "DOCKER-USER"},
        {"-A", "FORWARD", "-j", "DOCKER-ISOLATION-STAGE-1"},
        {"-A", "FORWARD", "-o", "docker0", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"},
        {"-A", "FORWARD", "-i", "docker0", "!", "-o", "docker0", "-j", "ACCEPT"},
        {"-A", "DOCKER", "-d", "172.17.0.2/32", "!", "-i", "docker0", "-o", "docker0", "-p", "tcp", "-m", "tcp",
            "--dport", "80", "-j", "ACCEPT"},
        {"-A", "DOCKER-ISOLATION-STAGE-1", "-i", "docker0", "!", "-o", "docker0", "-j", "RETURN"},
        {"-A", "DOCKER-USER", "-j", "RETURN"},
        {"-N", "KUBE-FIREWALL"},
        {"-A", "INPUT", "-j", "KUBE-FIREWALL"},
        {"-A", "KUBE-FIREWALL", "!", "-s", "127.0.0.0/8", "-d", "127.0.0.0/8", "-m", "comment", "--comment",
            "block incoming localnet connections", "-m", "conntrack", "!", "--ctstate",
            "RELATED,ESTABLISHED,DNAT", "-j", "DROP"},
        {"-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "8000:8080,9090", "-m", "comment", "--comment",
            "default/web:http \"quoted\" cluster IP", "-j", "REJECT", "--reject-with", "icmp-port-unreachable"},
        {"-A", "INPUT", "-m", "limit", "--limit", "5/min", "-j", "LOG", "--log-prefix", "dropped in: "},
        {"-A", "INPUT", "-m", "recent", "--set", "--name", "ssh", "--mask", "255.255.255.255", "--rsource"},
        {"-A", "INPUT", "-m", "mark", "!", "--mark", "0x4000/0x4000", "-j", "RETURN"},
        {"-t", "nat", "-N", "DOCKER"}, {"-t", "nat", "-N", "KUBE-SVC-ABC"}, {"-t", "nat", "-N", "KUBE-SEP-1"},
        {"-t", "nat", "-N", "KUBE-MARK-MASQ"},
        {"-t", "nat", "-A", "PREROUTING", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"},
        {"-t", "nat", "-A", "OUTPUT", "!", "-d", "127.0.0.0/8", "-m", "addrtype", "--dst-type", "LOCAL", "-j", "DOCKER"},
        {"-t", "nat", "-A", "POSTROUTING", "-s", "172.17.0.0/16", "!", "-o", "docker0", "-j", "MASQUERADE"},
        {"-t", "nat", "-A", "DOCKER", "-i", "docker0", "-j", "RETURN"},
        {"-t", "nat", "-A", "DOCKER", "!", "-i", "docker0", "-p", "tcp", "-m", "tcp", "--dport", "8080", "-j", "DNAT",
            "--to-destination", "172.17.0.2:80"},
        {"-t", "nat", "-A", "KUBE-MARK-MASQ", "-j", "MARK", "--set-xmark", "0x4000/0x4000"},
        {"-t", "nat", "-A", "KUBE-SVC-ABC", "-m", "comment", "--comment", "ns1/svc:p -> 10.244.1.5:8080", "-m",
            "statistic", "--mode", "random", "--probability", "0.50000000000", "-j", "KUBE-SEP-1"},
        {"-t", "nat", "-A", "KUBE-SEP-1", "-s", "10.244.1.5/32", "-j", "KUBE-MARK-MASQ"},
        {"-t", "nat", "-A", "KUBE-SEP-1", "-p", "tcp", "-m", "tcp", "-j", "DNAT", "--to-destination", "10.244.1.5:8080"},
        {"-t", "mangle", "-A", "PREROUTING", "-p", "udp", "--sport", "67:68", "-j", "TOS", "--set-tos", "0x10/0x3f"},
        {"-t", "raw", "-A", "PREROUTING", "-p", "udp", "--dport", "53", "-j", "CT", "--notrack"},
    };

    @ParameterizedTest
    @EnumSource(Backend.class)
    void plantedRulesetRoundTripsAndSurvivesApplyAndRemove(Backend b) {
        try (TestNamespace ns = TestNamespace.create("fr"); TestNamespace copy = TestNamespace.create("fr2")) {
            String tool = b.command(Family.IPV4);
            for (String[] argv : PLANTED) {
                String[] full = new String[argv.length + 1];
                full[0] = tool;
                System.arraycopy(argv, 0, full, 1, argv.length);
                ns.exec(full);
            }
            String before = normalized(ns.exec(b.saveCommand(Family.IPV4)));
            assertThat(before).contains("KUBE-SEP-1").contains("\\\"quoted\\\"");

            Ruleset parsed = Ruleset.parse(before);
            assertThat(normalized(parsed.render())).isEqualTo(before);
            assertThat(parsed.ruleCount()).isEqualTo(countRules(before));

            copy.execWithInput(parsed.render(), b.restoreCommand(Family.IPV4));
            // the legacy tool prints tables in the order the namespace instantiated them: compare per table
            assertThat(tableBlocks(normalized(copy.exec(b.saveCommand(Family.IPV4))))).isEqualTo(tableBlocks(before));

            Iptables ipt = Iptables.builder().runner(ns.runner()).backend(b).build();
            Owner owner = Owner.of("nkt-foreign");
            OwnedRules rules = ContainerNetworkRules.builder(owner, "nkbr0", "172.16.5.0/24").masquerade()
                    .forwardAccept().publish(Protocol.TCP, 8081, "172.16.5.2", 80).build();
            ipt.apply(rules);
            assertThat(ipt.diff(rules).inSync()).isTrue();
            String during = normalized(ns.exec(b.saveCommand(Family.IPV4)));
            List<String> foreignDuring = new ArrayList<>();
            for (String l : during.split("\n")) {
                if (!l.contains("NETKIT") && !l.contains("netkit:")) {
                    foreignDuring.add(l);
                }
            }
            assertThat(String.join("\n", foreignDuring) + "\n").as("foreign rules while netkit's are in place")
                    .isEqualTo(before);
            ipt.apply(rules);
            ipt.remove(owner);
            assertThat(normalized(ns.exec(b.saveCommand(Family.IPV4)))).isEqualTo(before);
        }
    }

    private static java.util.Set<String> tableBlocks(String save) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String block : save.split("(?m)^(?=\\*)")) {
            out.add(block);
        }
        return out;
    }

    private static int countRules(String save) {
        int n = 0;
        for (String l : save.split("\n")) {
            if (l.startsWith("-A ")) {
                n++;
            }
        }
        return n;
    }

    /** Without comment lines and counters, which differ between runs. */
    private static String normalized(String save) {
        StringBuilder sb = new StringBuilder();
        for (String l : save.split("\n")) {
            if (!l.startsWith("#") && !l.isBlank()) {
                sb.append(l.replaceAll("\\[\\d+:\\d+\\]", "[0:0]")).append('\n');
            }
        }
        return sb.toString();
    }
}
