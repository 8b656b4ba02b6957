package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.internal.ForeignForward;
import io.netkit.core.internal.NetworkFirewall;
import io.netkit.netlink.IpPrefix;
import io.netkit.nftables.Nftables;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The native backend beside other firewalls of the host namespace (see {@link ForeignForward}): a Docker-like
 * iptables-nft {@code FORWARD DROP} is opened for netkit's networks only (iptables-readable, removed with the network);
 * a foreign nft table with a dropping forward chain is named in a warning whose accepts, once added, let traffic pass
 * (or written by netkit with {@code netkit.firewall.foreign=all}); an iptables-legacy {@code FORWARD DROP} makes AUTO
 * choose iptables (legacy) and makes an explicit native network a warning whose fix works. Every test in its own
 * {@link Sandbox}; iptables and nft run only inside it.
 */
@Privileged
class ForeignForwardTest {
    static final String PREFIX = "nkt-ffw-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    static String in(String ns, String... argv) {
        String[] full = new String[argv.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(argv, 0, full, 4, argv.length);
        return Cmd.run(full);
    }

    static String filterSave(String ns, String tool) {
        return in(ns, tool, "-t", "filter");
    }

    @Test
    void dockerLikeIptablesNftForwardDropIsOpenedForTheNetworkOnlyReadableByIptablesAndClosedWithIt() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            // What Docker does on an iptables-nft host: its own chain jumped first, then FORWARD policy DROP.
            in(host, "iptables-nft", "-N", "DOCKER-USER");
            in(host, "iptables-nft", "-A", "DOCKER-USER", "-j", "RETURN");
            in(host, "iptables-nft", "-A", "FORWARD", "-j", "DOCKER-USER");
            in(host, "iptables-nft", "-P", "FORWARD", "DROP");
            String id;
            try (Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                    .subnet("172.16.0.0/24").masquerade().create()) {
                id = net.id;
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                try (ServerSocket server = PublishTest.listen(c1, 80)) {
                    // Container to container over the bridge (br_netfilter: bridged frames pass FORWARD).
                    assertThat(reach(c2.namespace(), server, c1.address(), 80)).isEqualTo(c2.address());
                    // Outbound, masqueraded.
                    assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                    // Published, and hairpin.
                    c1.publish(8080, 80);
                    assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                    assertThat(reach(c2.namespace(), server, sb.uplinkAddress(), 8080)).isEqualTo(net.gateway());
                }
                // An unpublished port stays closed: the foreign DROP still applies to what netkit does not accept.
                in(sb.internet().name().orElseThrow(), "ip", "route", "add", "172.16.0.0/24", "via", sb.uplinkAddress().getHostAddress());
                try (ServerSocket other = PublishTest.listen(c1, 81)) {
                    assertThat(PublishTest.connects(sb.internet(), c1.address(), 81)).isFalse();
                }

                String save = filterSave(host, "iptables-nft-save");
                assertThat(save).doesNotContain("incompatible").contains(":FORWARD DROP")
                        .contains("-A FORWARD -i br0 -o br0 -m comment --comment \"netkit:br0@" + id + " ipv4 bridged\" -j ACCEPT")
                        .contains("-A FORWARD -i br0 ! -o br0 -m comment --comment \"netkit:br0@" + id + " ipv4 outbound\" -j ACCEPT")
                        .contains("-A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"netkit:br0@"
                                + id + " ipv4 replies\" -j ACCEPT")
                        .contains("-A FORWARD -d 172.16.0.2/32 -o br0 -p tcp -m tcp --dport 80 -m comment --comment \"netkit:br0@"
                                + id + " ipv4 publish 172.16.0.2 tcp/80\" -j ACCEPT");
                // Appended: Docker's own chain still comes first.
                List<String> forward = save.lines().filter(l -> l.startsWith("-A FORWARD")).toList();
                assertThat(forward.get(0)).isEqualTo("-A FORWARD -j DOCKER-USER");
                // Unpublishing takes its accept back; the rest stays.
                assertThat(c1.unpublish(Protocol.TCP, 8080)).isTrue();
                assertThat(filterSave(host, "iptables-nft-save")).doesNotContain("tcp/80").contains("ipv4 bridged");
            }
            String after = filterSave(host, "iptables-nft-save");
            assertThat(after).doesNotContain("netkit:").contains(":FORWARD DROP").contains("-A FORWARD -j DOCKER-USER")
                    .contains("-A DOCKER-USER -j RETURN");
            assertThat(in(host, "nft", "list", "ruleset")).doesNotContain(id);

            // With netkit.firewall.foreign=none netkit stays out of iptables-nft's chain too and reports it instead.
            System.setProperty(ForeignForward.PROPERTY, "none");
            try {
                List<ForeignForward.Blocked> blocked = blocked(sb, "0000abcd");
                assertThat(blocked).extracting(b -> b.chain().toString()).containsExactly("ip filter FORWARD");
                assertThat(blocked.get(0).accepts()).contains("add rule ip filter FORWARD oifname \"br0\" ct state"
                        + " established,related accept comment \"netkit:br0@0000abcd ipv4 replies\"");
            } finally {
                System.clearProperty(ForeignForward.PROPERTY);
            }
        }
    }

    @Test
    void dualStackUnderIptablesNftAndIp6tablesNftForwardDrop() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            in(host, "iptables-nft", "-P", "FORWARD", "DROP");
            in(host, "ip6tables-nft", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                    .subnet("172.16.0.0/24").subnet("fd00:16::/64").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                try (ServerSocket s6 = DualStackTest.listen(c2.namespace(), c2.address6().orElseThrow(), 80)) {
                    assertThat(reach(c1.namespace(), s6, c2.address6().orElseThrow(), 80))
                            .isEqualTo(c1.address6().orElseThrow());
                }
                try (ServerSocket out6 = DualStackTest.listen(sb.internet(), sb.internetAddress6(), 8080)) {
                    assertThat(reach(c1.namespace(), out6, sb.internetAddress6(), 8080))
                            .isEqualTo(sb.uplinkAddress6());
                }
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                assertThat(filterSave(host, "ip6tables-nft-save")).doesNotContain("incompatible").contains(":FORWARD DROP")
                        .contains("-A FORWARD -i br0 -o br0 -m comment --comment \"netkit:br0@" + net.id + " ipv6 bridged\" -j ACCEPT")
                        .contains("-A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment \"netkit:br0@"
                                + net.id + " ipv6 replies\" -j ACCEPT");
                assertThat(filterSave(host, "iptables-nft-save")).contains("ipv4 bridged").doesNotContain("ipv6");
            }
            assertThat(filterSave(host, "ip6tables-nft-save")).doesNotContain("netkit:").contains(":FORWARD DROP");
        }
    }

    @Test
    void aForeignNftTableIsNotWrittenButNamedInAWarningWhoseAcceptsLetTheTrafficPass() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            in(host, "nft", "add table inet fw; add chain inet fw forward { type filter hook forward priority 10; policy drop; }");
            try (Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                    .subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                assertThat(reachesInternet(sb, c1)).isFalse();
                assertThat(in(host, "nft", "list", "table", "inet", "fw")).doesNotContain("netkit");

                // What netkit reports (and logged when the network was created).
                List<ForeignForward.Blocked> blocked = blocked(sb, net);
                assertThat(blocked).hasSize(1);
                ForeignForward.Blocked b = blocked.get(0);
                assertThat(b.chain().toString()).isEqualTo("inet fw forward");
                assertThat(b.message()).contains("chain inet fw forward").contains("policy drop").contains("network br0")
                        .contains(ForeignForward.PROPERTY + "=all");
                assertThat(b.accepts()).contains("add rule inet fw forward meta nfproto ipv4 iifname \"br0\" oifname \"br0\" accept"
                        + " comment \"netkit:br0@" + net.id + " ipv4 bridged\"");

                // The administrator follows the advice: traffic passes, and the report is gone.
                in(host, "nft", String.join("; ", b.accepts()));
                try (ServerSocket server = PublishTest.listen(c1, 80)) {
                    assertThat(reach(c2.namespace(), server, c1.address(), 80)).isEqualTo(c2.address());
                }
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                assertThat(blocked(sb, net)).isEmpty();
            }
            // The accepts carry the network's comment, so they go with it; the table and its chain stay.
            assertThat(in(host, "nft", "list", "table", "inet", "fw")).doesNotContain("netkit").contains("policy drop");
        }
    }

    @Test
    void withForeignAllNetkitWritesItsAcceptsIntoANftTableToo() throws Exception {
        System.setProperty(ForeignForward.PROPERTY, "all");
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            in(host, "nft", "add table ip fw; add chain ip fw forward { type filter hook forward priority 10; policy drop; }");
            try (Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                    .subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                try (ServerSocket server = PublishTest.listen(c1, 80)) {
                    assertThat(reach(c2.namespace(), server, c1.address(), 80)).isEqualTo(c2.address());
                    c1.publish(8080, 80);
                    assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                }
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                assertThat(in(host, "nft", "list", "table", "ip", "fw"))
                        .contains("oifname \"br0\" ct state established,related accept comment \"netkit:br0@" + net.id
                                + " ipv4 replies\"");
                assertThat(blocked(sb, net)).isEmpty();
            }
            assertThat(in(host, "nft", "list", "table", "ip", "fw")).doesNotContain("netkit");
        } finally {
            System.clearProperty(ForeignForward.PROPERTY);
        }
    }

    @Test
    void anIptablesLegacyForwardDropMakesAutoChooseLegacyIptablesAndAnExplicitNativeNetworkAWarningWithAWorkingFix()
            throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            in(host, "iptables-legacy", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.AUTO))
                    .subnet("172.16.0.0/24").masquerade().create()) {
                assertThat(net.firewall()).isEqualTo(FirewallBackend.IPTABLES);
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                try (ServerSocket server = PublishTest.listen(c1, 80)) {
                    assertThat(reach(c2.namespace(), server, c1.address(), 80)).isEqualTo(c2.address());
                    c1.publish(8080, 80);
                    assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                }
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                // The rules went to the legacy tables, beside the DROP; nothing native.
                assertThat(filterSave(host, "iptables-legacy-save")).contains(":FORWARD DROP").contains("netkit:");
                assertThat(in(host, "nft", "list", "ruleset")).doesNotContain("netkit");
            }

            // Explicitly native on that host: a warning naming the legacy DROP and the fix; traffic is dropped until then.
            String warning = ForeignForward.legacyWarning(sb.hostNamespace(), "br1").orElseThrow();
            assertThat(warning).contains("iptables-legacy").contains("FORWARD DROP").contains("FirewallBackend.AUTO");
            try (Network net = Network.bridge("br1").on(sb.host().firewall(FirewallBackend.NFTABLES))
                    .subnet("172.17.0.0/24").masquerade().create()) {
                Endpoint c3 = net.attach(sb.name("c3"));
                assertThat(reachesInternet(sb, c3)).isFalse();
                String fix = warning.substring(warning.indexOf("iptables-legacy -I"));
                for (String cmd : fix.split("; ")) {
                    in(host, cmd.trim().split(" "));
                }
                assertThat(Probe.roundTrip(c3, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
            }
        }
    }

    /** {@link PublishTest#reach} (which retries a positive check). */
    static java.net.InetAddress reach(io.netkit.netlink.NetNamespace ns, ServerSocket server, java.net.InetAddress to,
                                      int port) throws Exception {
        return PublishTest.reach(ns, server, to, port);
    }

    /** Whether a TCP connection from {@code c} to a server listening in the sandbox's internet completes. */
    private static boolean reachesInternet(Sandbox sb, Endpoint c) throws Exception {
        try (ServerSocket server = Probe.listen(sb.internet(), sb.internetAddress())) {
            return Probe.connects(c, sb.internetAddress(), server.getLocalPort(), 1500);
        }
    }

    /** What {@link ForeignForward#sync} reports for {@code net} now (its transaction is not committed). */
    private static List<ForeignForward.Blocked> blocked(Sandbox sb, Network net) {
        return blocked(sb, net.id);
    }

    private static List<ForeignForward.Blocked> blocked(Sandbox sb, String id) {
        NetworkFirewall.Spec spec = new NetworkFirewall.Spec("br0", id, IpPrefix.parse("172.16.0.0/24"), true, null,
                null, false, false, List.of(), List.of(), false);
        try (Nftables nft = Nftables.open(sb.hostNamespace())) {
            return ForeignForward.sync(nft, nft.transaction(), spec);
        }
    }
}
