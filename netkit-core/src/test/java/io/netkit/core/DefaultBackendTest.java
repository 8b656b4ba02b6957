package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The process default is {@link FirewallBackend#AUTO}; a network an older process created on the iptables backend keeps
 * it: a process with the default opens it, attaches and publishes through iptables, creates a native network beside
 * it, deletes it, and collects what a vanished one left. Witnesses: {@code iptables-save} and
 * {@code nft list table inet netkit} in the sandbox's host namespace, real packets.
 */
@Privileged
class DefaultBackendTest {
    static final String PREFIX = "nkt-db-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @org.junit.jupiter.api.BeforeEach
    void snapshotFiles() throws java.io.IOException {
        RecoveryTest.filesBefore = RecoveryTest.allLockFiles();
    }

    @Test
    void anIptablesNetworkOfAnOlderProcessStaysIptablesUnderTheDefaultBesideANativeOne() throws Exception {
        assertThat(FirewallBackend.processDefault()).isEqualTo(FirewallBackend.AUTO);
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            // An older process (another JVM) creates br0 on iptables, br9 too; both processes exit.
            assertThat(RecoveryTest.child(null, "create-ipt", host, "br0", "172.16.0.0/24")).as(RecoveryTest.lastOutput)
                    .isZero();
            assertThat(RecoveryTest.child(null, "create-ipt", host, "br9", "172.19.0.0/24")).as(RecoveryTest.lastOutput)
                    .isZero();
            Network old = Network.open(sb.host(), "br0");
            assertThat(old.firewall()).isEqualTo(FirewallBackend.IPTABLES);
            Endpoint c1 = old.attach(EndpointSpec.create(sb.name("c1")).publish(8080, 80));
            assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
            try (ServerSocket server = PublishTest.listen(c1, 80)) {
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
            }
            assertThat(Probe.iptablesSave(host)).contains("netkit:br0@" + old.id).contains("--to-destination 172.16.0.2:80");

            // A new network under the default is native here, and both carry traffic.
            try (Network fresh = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").masquerade().create()) {
                assertThat(fresh.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                Endpoint c2 = fresh.attach(EndpointSpec.create(sb.name("c2")).publish(8081, 80));
                assertThat(Probe.roundTrip(c2, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                try (ServerSocket server = PublishTest.listen(c2, 80)) {
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8081))
                            .isEqualTo(sb.internetAddress());
                }
                String nft = Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit");
                assertThat(nft).contains("netkit:br1@" + fresh.id).doesNotContain("netkit:br0@");
                assertThat(Probe.iptablesSave(host)).doesNotContain("netkit:br1@");

                // Reconcile by a fresh open, detach and teardown of the old network: its iptables rules go.
                Network again = Network.open(sb.host(), "br0");
                assertThat(again.firewall()).isEqualTo(FirewallBackend.IPTABLES);
                again.endpoint(sb.name("c1")).orElseThrow().detach();
                assertThat(Probe.iptablesSave(host)).doesNotContain("172.16.0.2:80");
                again.delete();
                assertThat(Probe.iptablesSave(host)).doesNotContain("netkit:br0@");
                // The vanished br9 (bridge deleted by hand): the sweep under the default finds and removes its rules.
                // (its id from the record, not from an open: an open Network object holds the network's lock file)
                String alias = Probe.ip(host, "-d", "link", "show", "dev", "br9").get(0).get("ifalias").toString();
                java.util.regex.Matcher idm = java.util.regex.Pattern.compile(" id=([0-9a-f]{8})").matcher(alias);
                assertThat(idm.find()).as(alias).isTrue();
                String br9 = idm.group(1);
                Cmd.run("ip", "-n", host, "link", "del", "br9");
                assertThat(sb.host().leftovers().list()).as("the sweep sees br9's iptables rules")
                        .anyMatch(l -> l.kind() == Leftover.Kind.RULES && (l.name() + " " + l.network()).contains(br9));
                sb.host().leftovers().collect();
                assertThat(Probe.iptablesSave(host)).doesNotContain("netkit:");
                assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit"))
                        .contains("netkit:br1@" + fresh.id);
                fresh.delete();
            }
            RecoveryTest.nothingLeft(sb);
        }
    }
}
