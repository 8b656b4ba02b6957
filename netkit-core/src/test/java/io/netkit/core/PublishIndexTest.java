package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.core.internal.Faults;
import io.netkit.core.internal.NftFirewall;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An attach with published ports on a publishing network without a host link dump (the host-port index and its
 * generation file) and with only the new endpoint's rules appended (native backend): the result is what a full
 * re-render installs, a stale index (another process published, a namespace vanished, a child killed mid-attach)
 * never double-claims a port nor leaves a stale DNAT to a newcomer, and a commit overtaken by another's is computed
 * again. Witnesses: {@code nft -j list table inet netkit}, and packets through the mappings.
 */
@Privileged
class PublishIndexTest {
    static final String PREFIX = "nkt-pix-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @AfterEach
    void noHook() {
        Faults.hook(null);
    }

    /** netkit's table as {@code nft -j} lists it, without rule handles (what a differential compares). */
    static String table(String host) {
        return Cmd.run("ip", "netns", "exec", host, "nft", "-j", "list", "table", "inet", "netkit")
                .replaceAll("\"handle\":\\s*\\d+", "\"handle\": 0");
    }

    /** A commit of someone else's in the host namespace (the ruleset generation moves past netkit's knowledge). */
    static void foreignCommit(String host) {
        Cmd.run("ip", "netns", "exec", host, "nft", "add", "table", "ip", "nktforeign");
    }

    static Process child(String haltAt, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path")));
        if (haltAt != null) {
            argv.add("-Dnetkit.test.haltAt=" + haltAt);
        }
        argv.add(CrashChild.class.getName());
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    static String run(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void appendedRulesAreExactlyWhatAFullRenderInstallsAndCarryTraffic() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            long before = NftFirewall.appends();
            List<Endpoint> eps = new ArrayList<>();
            for (int i = 0; i < 14; i++) {
                eps.add(net.attach(EndpointSpec.create(sb.name("c" + i)).publish(5000 + i, 80)));
            }
            // The first attaches make the DNAT chain (whole apply); from then on only the new endpoint's rules.
            assertThat(NftFirewall.appends() - before).as("attaches that appended").isGreaterThanOrEqualTo(10);
            String appended = table(host);
            for (int i = 0; i < 14; i++) {
                assertThat(PublishRaceTest.dnatRules(host, 5000 + i)).as("DNAT rules of %d", 5000 + i).isEqualTo(1);
            }
            // A whole re-render from the kernel's records and listing (the generation moved: nothing known is trusted):
            // the table comes back to exactly what the appends made.
            foreignCommit(host);
            eps.get(0).publish(6000, 80);
            eps.get(0).unpublish(Protocol.TCP, 6000);
            assertThat(table(host)).isEqualTo(appended);
            // Attaches without ports on the publishing network add nothing, and the mappings carry packets.
            Endpoint plain = net.attach(sb.name("plain"));
            assertThat(table(host)).isEqualTo(appended);
            Endpoint last = eps.get(13);
            try (ServerSocket server = PublishTest.listen(last, 80)) {
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 5013)).isEqualTo(sb.internetAddress());
            }
            plain.detach();
        }
    }

    @Test
    void aStaleIndexNeverDoubleClaimsAPortNorLeavesAStaleMapping() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network n0 = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create();
             Network n1 = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            n0.attach(EndpointSpec.create(sb.name("a")).publish(7000, 80));   // this process's index is current
            n0.attach(EndpointSpec.create(sb.name("a2")).publish(7009, 80));
            // Another process publishes 7001 (on another network): this process's index is stale by generation.
            Process p = child(null, "attach-port", host, "br1", sb.name("b"), "7001");
            assertThat(run(p)).startsWith("172.17.0.");
            assertThatThrownBy(() -> n0.attach(EndpointSpec.create(sb.name("c")).publish(7001, 80)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/7001 is already published by endpoint " + sb.name("b"));
            assertThat(n0.endpoint(sb.name("c"))).isEmpty();
            assertThat(PublishRaceTest.dnatRules(host, 7001)).isEqualTo(1);

            // A namespace deleted behind netkit's back takes its veth and record: its port is free again (the index
            // says taken, the kernel is asked), and its old address never receives the old mapping's traffic.
            Cmd.run("ip", "netns", "add", sb.name("x"));
            NetNamespace xns = NetNamespace.open(sb.name("x"));
            Endpoint x = n0.attach(EndpointSpec.existing(xns).publish(7003, 80));
            String xAddress = x.address().getHostAddress();
            assertThat(table(host)).contains("\"" + xAddress + "\"");
            xns.close();
            Cmd.run("ip", "netns", "del", sb.name("x"));
            assertThat(Probe.eventually(10_000, () -> Probe.ip(host, "link", "show", "master", "br0").size() == 2)).isTrue();
            Endpoint z = n0.attach(EndpointSpec.create(sb.name("z")).address(xAddress));   // no ports, x's address
            assertThat(table(host)).doesNotContain("\"" + xAddress + "\"");
            assertThat(PublishRaceTest.dnatRules(host, 7003)).isZero();
            Endpoint y = n0.attach(EndpointSpec.create(sb.name("y")).publish(7003, 80));
            assertThat(PublishRaceTest.dnatRules(host, 7003)).isEqualTo(1);
            try (ServerSocket zs = PublishTest.listen(z, 80); ServerSocket ys = PublishTest.listen(y, 80)) {
                assertThat(PublishTest.reach(sb.internet(), ys, sb.uplinkAddress(), 7003)).isEqualTo(sb.internetAddress());
            }
            // This process's own detach frees its port in the index: taken again without a refusal.
            n0.endpoint(sb.name("a2")).orElseThrow().detach();
            n0.attach(EndpointSpec.create(sb.name("a3")).publish(7009, 80));
            assertThat(PublishRaceTest.dnatRules(host, 7009)).isEqualTo(1);
        }
    }

    @Test
    void aChildKilledMidAttachWithAPortLeavesNothingAnotherProcessCannotFinish() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network n0 = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create();
             Network n1 = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            n0.attach(EndpointSpec.create(sb.name("a")).publish(7100, 80));
            n1.attach(EndpointSpec.create(sb.name("b")).publish(7101, 80));
            int next = 7110;
            for (String point : List.of("attach:ports-bumped", "attach:veth-created")) {
                int port = next;
                next += 10;
                Process p = child(point, "attach-port", host, "br1", sb.name("k" + port), String.valueOf(port));
                run(p);
                assertThat(p.exitValue()).as("halted at %s", point).isEqualTo(137);
                // The killed attach's network is finished (reconciled) by this process; records and rules agree.
                List<Endpoint> eps = n1.endpoints();
                long recorded = eps.stream().filter(e -> e.published().stream().anyMatch(m -> m.hostPort() == port)).count();
                n1.endpoint(sb.name("b")).orElseThrow().publish(port + 1, 80);   // a whole apply from the records
                assertThat(PublishRaceTest.dnatRules(host, port)).as("after a kill at %s", point).isEqualTo(recorded);
                // The port is taken exactly when a record holds it: never both, never lost.
                String refused = null;
                try {
                    n0.attach(EndpointSpec.create(sb.name("n" + port)).publish(port, 80));
                } catch (IllegalArgumentException e) {
                    refused = e.getMessage();
                }
                assertThat(refused == null).as("port %d free after a kill at %s", port, point).isEqualTo(recorded == 0);
                assertThat(PublishRaceTest.dnatRules(host, port)).isEqualTo(1);
            }
        }
    }

    @Test
    void aCommitOvertakenByAnothersIsComputedAgain() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            Endpoint a = net.attach(EndpointSpec.create(sb.name("a")).publish(7200, 80));
            net.attach(EndpointSpec.create(sb.name("b")).publish(7201, 80));
            // Between netkit's read of the generation and its commit, nft commits: the kernel refuses netkit's batch
            // (ERESTART), netkit lists again and commits the change at the new generation.
            AtomicInteger commits = new AtomicInteger();
            Faults.hook(point -> {
                if (point.equals("nft:commit") && commits.getAndIncrement() == 0) {
                    foreignCommit(host);
                }
            });
            a.publish(7202, 80);
            Faults.hook(null);
            assertThat(commits.get()).as("commit attempts").isEqualTo(2);
            assertThat(PublishRaceTest.dnatRules(host, 7202)).isEqualTo(1);
            assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "tables")).contains("nktforeign");
            Cmd.run("ip", "netns", "exec", host, "nft", "delete", "table", "ip", "nktforeign");

            // The same on the append path: the overtaken append changes nothing and the whole apply takes over.
            net.attach(EndpointSpec.create(sb.name("c")).publish(7203, 80));   // known again after the listing
            long appends = NftFirewall.appends();
            AtomicInteger appendCommits = new AtomicInteger();
            Faults.hook(point -> {
                if (point.equals("nft:append-commit") && appendCommits.getAndIncrement() == 0) {
                    foreignCommit(host);
                }
            });
            Endpoint d = net.attach(EndpointSpec.create(sb.name("d")).publish(7204, 80));
            Faults.hook(null);
            assertThat(appendCommits.get()).isEqualTo(1);
            assertThat(NftFirewall.appends()).isEqualTo(appends);
            for (int port = 7200; port <= 7204; port++) {
                assertThat(PublishRaceTest.dnatRules(host, port)).as("DNAT rules of %d", port).isEqualTo(1);
            }
            try (ServerSocket server = PublishTest.listen(d, 80)) {
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 7204)).isEqualTo(sb.internetAddress());
            }
            InetAddress unused = d.address();
            assertThat(unused).isNotNull();
        }
    }
}
