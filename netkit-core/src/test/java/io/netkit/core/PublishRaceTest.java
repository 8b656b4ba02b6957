package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two netkit networks on one host asking for the same host port at the same instant (native backend, the default): a
 * publish checks and records its port in one hold of the host namespace's lock, an attach records first and re-checks
 * under that lock. Whatever the interleaving, never both win, the loser gets the clear "already published" error, and
 * the kernel holds one DNAT rule for the port.
 */
@Privileged
class PublishRaceTest {
    static final String PREFIX = "nkt-prc-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    static final int ROUNDS = 12;

    /** null: won; else the refusal's message. */
    private static String attempt(Callable<?> publish) throws Exception {
        try {
            publish.call();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** How many of netkit's DNAT rules in the host namespace translate host port {@code port}. */
    static long dnatRules(String host, int port) {
        String table = Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit");
        return table.lines().filter(l -> l.contains("dport " + port + " ") && l.contains("dnat")).count();
    }

    @Test
    void twoNetworksPublishingTheSameHostPortAtOnceNeverBothWin() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network n0 = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create();
             Network n1 = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            Endpoint a = n0.attach(sb.name("a"));
            Endpoint b = n1.attach(sb.name("b"));
            for (int round = 0; round < ROUNDS; round++) {
                int port = 3001 + round;
                CyclicBarrier start = new CyclicBarrier(2);
                // Even rounds: two publishes; odd rounds: an attach with the port against a publish.
                boolean attach = round % 2 == 1;
                String c = sb.name("c" + round);
                Future<String> first = pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return attempt(attach ? () -> n0.attach(EndpointSpec.create(c).publish(port, 80)) : () -> a.publish(port, 80));
                });
                Future<String> second = pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return attempt(() -> b.publish(port, 80));
                });
                String r0 = first.get(60, TimeUnit.SECONDS);
                String r1 = second.get(60, TimeUnit.SECONDS);
                assertThat(r0 == null && r1 == null).as("round %d: both won host port %d", round, port).isFalse();
                for (String refused : new String[] {r0, r1}) {
                    if (refused != null) {
                        assertThat(refused).contains("host port tcp/" + port + " is already published by endpoint");
                    }
                }
                if (!attach) {
                    // Two publishes are serialized by the host namespace's lock: exactly one wins.
                    assertThat(r0 == null || r1 == null).as("round %d: one publish wins", round).isTrue();
                }
                long holders = (r0 == null ? 1 : 0) + (r1 == null ? 1 : 0);
                assertThat(dnatRules(host, port)).as("DNAT rules for host port %d", port).isEqualTo(holders);
                if (r0 != null && attach) {
                    assertThat(n0.endpoint(c)).isEmpty();   // the refused attach left nothing
                }
            }
            // The records agree with the rules: each port is recorded by at most one endpoint.
            Map<Integer, Integer> recorded = new HashMap<>();
            List<Endpoint> all = new ArrayList<>(n0.endpoints());
            all.addAll(n1.endpoints());
            for (Endpoint e : all) {
                e.published().forEach(m -> recorded.merge(m.hostPort(), 1, Integer::sum));
            }
            assertThat(recorded.values()).allMatch(n -> n == 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anotherProcessPublishingTheSameHostPortsGetsEachOnlyIfThisOneDidNot() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network n0 = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create();
             Network n1 = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            Endpoint a = n0.attach(sb.name("a"));
            n1.attach(sb.name("b"));
            int count = 10;
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    PublishRaceMain.class.getName(), host, "br1", sb.name("b"), "4001", String.valueOf(count))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("ready");
                try (OutputStream go = child.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.UTF_8));
                }
                List<Integer> mine = new ArrayList<>();
                for (int port = 4001; port < 4001 + count; port++) {
                    int p = port;
                    String refused = attempt(() -> a.publish(p, 80));
                    if (refused == null) {
                        mine.add(port);
                    } else {
                        assertThat(refused).contains("host port tcp/" + port + " is already published by endpoint "
                                + sb.name("b")).contains("netkit network br1");
                    }
                }
                List<Integer> theirs = new ArrayList<>();
                for (String line = out.readLine(); !"done".equals(line); line = out.readLine()) {
                    assertThat(line).as("child output").isNotNull();
                    if (line.startsWith("won ")) {
                        theirs.add(Integer.parseInt(line.substring(4)));
                    } else {
                        assertThat(line).contains("is already published by endpoint " + sb.name("a"));
                    }
                }
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                // Publishes across processes are serialized by the host namespace's flock: every port has one owner.
                assertThat(mine).noneMatch(theirs::contains);   // either side may win every port (a slow child JVM)
                assertThat(mine.size() + theirs.size()).isEqualTo(count);
                for (int port = 4001; port < 4001 + count; port++) {
                    assertThat(dnatRules(host, port)).as("DNAT rules for host port %d", port).isEqualTo(1);
                }
            } finally {
                child.destroyForcibly();
            }
        }
    }
}
