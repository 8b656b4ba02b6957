package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.internal.CleanAddresses;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12: an attach on a publishing network skips the conntrack dump when this process knows the new address has no
 * entry ({@link CleanAddresses}), and otherwise sweeps, so a previous holder's UDP flow (which keeps its DNAT) never
 * reaches the new holder: after this process's own detach (fast), after a namespace removed behind netkit's back,
 * after the owning process was killed, after another process's detach whose cleanup never ran, and after the lock
 * file was replaced (all swept). Witnesses: {@code conntrack -L} in the host and datagrams of the old flow.
 */
@Privileged
class CleanFlowsTest {
    static final String PREFIX = "nkt-cf-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void anAddressThisProcessDetachedIsHandedOutAgainWithoutADumpAndWithoutItsFlows() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").subnet("fd00:16::/64").masquerade().create()) {
            CleanAddresses clean = net.allocations.lock.cleanAddresses();
            Endpoint old = net.attach(EndpointSpec.create(sb.name("old")).publish(Protocol.UDP, 5353, 53));
            assertThat(clean.sweeps()).as("the first attach of the process sweeps").isEqualTo(1);
            assertThat(clean.skips()).isZero();
            Endpoint fresh = net.attach(EndpointSpec.create(sb.name("fresh")).publish(8080, 80));
            assertThat(clean.skips()).as("a never-held address after the sweep").isEqualTo(1);
            InetAddress address = old.address();
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40061))) {
                flow(sb, client, 40061, old.namespace(), 5353);
                assertThat(entriesOf(sb, address, 40061)).as("the flow's entry, translated to " + address).isNotEmpty();
                old.detach();
                Endpoint next = net.attach(EndpointSpec.create(sb.name("next")).publish(8081, 80));
                assertThat(next.address()).as("the lowest free address again").isEqualTo(address);
                assertThat(clean.skips()).as("handed out again without a dump").isEqualTo(2);
                assertThat(clean.sweeps()).isEqualTo(1);
                assertThat(entriesOf(sb, address, 40061)).as("the old flow's entry").isEmpty();
                assertNoDatagramOfTheOldFlow(sb, client, next.namespace(), 5353);
            }
            fresh.detach();
        }
    }

    @Test
    void anAddressWhoseNamespaceVanishedBehindNetkitsBackIsSwept() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            CleanAddresses clean = net.allocations.lock.cleanAddresses();
            net.attach(EndpointSpec.create(sb.name("first")).publish(8080, 80)); // the knowledge is there
            Cmd.run("ip", "netns", "add", sb.name("gone"));
            NetNamespace goneNs = NetNamespace.open(sb.name("gone"));
            Endpoint gone = net.attach(EndpointSpec.existing(goneNs).publish(Protocol.UDP, 5353, 53));
            assertThat(clean.skips()).isEqualTo(1);
            InetAddress address = gone.address();
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40062))) {
                flow(sb, client, 40062, goneNs, 5353);
                goneNs.close();
                Cmd.run("ip", "netns", "del", sb.name("gone")); // no detach: netkit is not told
                assertThat(Probe.eventually(10_000, () -> Probe.ip(sb.name("host"), "link", "show", "master", "br0").size() == 1))
                        .as("the vanished namespace's veth is gone").isTrue();
                assertThat(entriesOf(sb, address, 40062)).isNotEmpty();
                Endpoint next = net.attach(EndpointSpec.create(sb.name("next")).address(address.getHostAddress()));
                assertThat(entriesOf(sb, address, 40062)).as("the vanished holder's flow").isEmpty();
                assertNoDatagramOfTheOldFlow(sb, client, next.namespace(), 5353);
                assertThat(clean.sweeps()).as("an address freed without a detach is swept").isEqualTo(2);
                assertThat(clean.skips()).isEqualTo(1);
            }
        }
    }

    @Test
    void afterAnotherProcessChangedTheNetworkTheAttachSweepsEvenIfThatProcessWasKilled() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            CleanAddresses clean = net.allocations.lock.cleanAddresses();
            net.attach(EndpointSpec.create(sb.name("first")).publish(8080, 80));
            net.attach(EndpointSpec.create(sb.name("second")).publish(8081, 80));
            assertThat(clean.sweeps()).isEqualTo(1);
            assertThat(clean.skips()).isEqualTo(1);

            // 1. The owning process is killed (SIGKILL) while its endpoint has a flow (its namespace is removed below).
            String killedNs = sb.name("killed");
            InetAddress killed = childWithFlow(sb, killedNs, 40063, null, child -> {
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            });
            // 2. Another process detaches its endpoint and dies before its conntrack cleanup runs.
            InetAddress halted = childWithFlow(sb, sb.name("halted"), 40064, "flows:before-dump", child -> {
                try (OutputStream in = child.getOutputStream()) {
                    in.write("detach\n".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).as("halted in the detach's background cleanup").isEqualTo(137);
            });
            Cmd.run("ip", "netns", "del", killedNs);
            assertThat(Probe.eventually(10_000, () -> Probe.ip(sb.name("host"), "link", "show", "master", "br0").size() == 2))
                    .as("the killed process's veth is gone with its namespace").isTrue();
            assertThat(entriesOf(sb, killed, 40063)).isNotEmpty();
            assertThat(entriesOf(sb, halted, 40064)).as("the halted detach's flow survived").isNotEmpty();

            Endpoint a = net.attach(EndpointSpec.create(sb.name("a")).address(killed.getHostAddress()));
            assertThat(entriesOf(sb, killed, 40063)).as("the killed process's flow").isEmpty();
            assertThat(entriesOf(sb, halted, 40064)).as("the halted process's flow (one sweep for all)").isEmpty();
            assertThat(clean.sweeps()).as("another process changed the network: sweep").isEqualTo(2);
            assertThat(clean.skips()).isEqualTo(1);
            Endpoint b = net.attach(EndpointSpec.create(sb.name("b")).address(halted.getHostAddress()));
            assertThat(clean.skips()).as("swept with the first: no dump").isEqualTo(2);
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40063))) {
                assertNoDatagramOfTheOldFlow(sb, client, a.namespace(), 5363);
            }
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40064))) {
                assertNoDatagramOfTheOldFlow(sb, client, b.namespace(), 5364);
            }
        }
    }

    @Test
    void anAttachKilledInItsSweepIsUndoneByTheNextProcess() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
            String ns = sb.name("c1");
            assertThat(RecoveryTest.child("attach:flows-sweep", "attach", sb.name() + "-host", "br0", ns))
                    .as(RecoveryTest.lastOutput).isEqualTo(137);
            assertThat(NetNamespace.exists(ns)).as("the killed attach made its namespace").isTrue();
            Network adopted = Network.open(sb.host(), "br0");
            assertThat(NetNamespace.exists(ns)).as("undone: namespace").isFalse();
            assertThat(adopted.endpoints()).hasSize(1);
            assertThat(adopted.attach(ns).address().getHostAddress()).isEqualTo("172.16.0.3");
        }
    }

    @Test
    void aReplacedLockFileMeansUnknownSoTheAttachSweeps() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host().firewall(FirewallBackend.NFTABLES))
                     .subnet("172.16.0.0/24").masquerade().create()) {
            CleanAddresses clean = net.allocations.lock.cleanAddresses();
            net.attach(EndpointSpec.create(sb.name("first")).publish(8080, 80));
            net.attach(sb.name("second"));
            assertThat(clean.skips()).isEqualTo(1);
            Path file = net.allocations.lock.file();
            byte[] content = Files.readAllBytes(file);
            Files.delete(file);
            Files.write(file, content); // same generation, another file: another process may have used it meanwhile
            net.attach(sb.name("third"));
            assertThat(clean.sweeps()).isEqualTo(2);
            assertThat(clean.skips()).isEqualTo(1);
        }
    }

    /**
     * Runs {@link CrashChild} {@code udp} on the sandbox's network (halting at {@code haltAt} if not null), makes a UDP
     * flow from the internet through its published port {@code 5300 + clientPort % 100} to its endpoint, runs
     * {@code then} with the child and returns the endpoint's address.
     */
    private static InetAddress childWithFlow(Sandbox sb, String ns, int clientPort, String haltAt, Step then) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path")));
        if (haltAt != null) {
            argv.add("-Dnetkit.test.haltAt=" + haltAt);
        }
        argv.addAll(List.of(CrashChild.class.getName(), "udp", sb.name() + "-host", "br0", ns,
                Integer.toString(5300 + clientPort % 100)));
        Process child = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(line).as("the child's endpoint address").isNotNull();
            InetAddress address = InetAddress.getByName(line.trim());
            try (NetNamespace n = NetNamespace.open(ns);
                 DatagramSocket client = sb.internet().call(() -> new DatagramSocket(clientPort))) {
                flow(sb, client, clientPort, n, 5300 + clientPort % 100);
            }
            assertThat(entriesOf(sb, address, clientPort)).isNotEmpty();
            then.run(child);
            return address;
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    interface Step {
        void run(Process child) throws Exception;
    }

    /** Datagrams both ways between {@code client} and a server on port 53 in {@code ns}, through the published port. */
    private static void flow(Sandbox sb, DatagramSocket client, int clientPort, NetNamespace ns, int hostPort) throws Exception {
        try (DatagramSocket server = ns.call(() -> new DatagramSocket(53))) {
            server.setSoTimeout(700);
            for (int i = 0; i < 3; i++) {
                assertThat(PublishFlowsTest.sendUntilReceived(client, sb.uplinkAddress(), hostPort, server, "hello " + i)).isTrue();
                byte[] r = "answer".getBytes(StandardCharsets.US_ASCII);
                server.send(new DatagramPacket(r, r.length, sb.internetAddress(), clientPort));
            }
        }
    }

    /** The same client socket keeps sending to the old published port: none of it reaches the new holder. */
    private static void assertNoDatagramOfTheOldFlow(Sandbox sb, DatagramSocket client, NetNamespace ns, int hostPort)
            throws Exception {
        try (DatagramSocket server = ns.call(() -> new DatagramSocket(53))) {
            server.setSoTimeout(500);
            for (int i = 0; i < 3; i++) {
                assertThat(PublishFlowsTest.sendAndReceive(client, sb.uplinkAddress(), hostPort, server, "for the old one " + i))
                        .as("the old flow's datagram %d reaching the new holder", i).isFalse();
            }
        }
    }

    /** The host's conntrack entries ({@code conntrack -L}) of the client's port that name {@code address}. */
    private static List<String> entriesOf(Sandbox sb, InetAddress address, int clientPort) {
        return PublishFlowsTest.conntrack(sb.name("host")).lines()
                .filter(l -> l.contains("=" + address.getHostAddress() + " ") && l.contains("port=" + clientPort + " "))
                .toList();
    }
}
