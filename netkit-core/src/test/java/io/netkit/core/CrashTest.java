package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9's "Done when" on the iptables backend ({@link NftCrashTest} for the native one): a child JVM attaching, detaching, publishing and unpublishing in a loop on a sandbox host is
 * killed with SIGKILL at random moments; after each kill, a fresh {@link Network#open} (this process never made the
 * network) checks from the kernel: no duplicate address among the container namespaces ({@code ip -j -n NS addr}),
 * every namespace, veth and DNAT rule accounted for, every endpoint healthy. At the end {@code delete()} leaves nothing
 * and the sweep finds nothing. And: two processes × 16 threads attaching to one network, zero duplicate addresses.
 */
@Privileged
class CrashTest {
    static final String PREFIX = "nkt-cr-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    private static final int KILLS = 14; // NftCrashTest kills the native backend's
    private static final Pattern DNAT = Pattern.compile("--to-destination ([0-9.]+):");
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @org.junit.jupiter.api.BeforeEach
    void snapshotFiles() throws java.io.IOException {
        RecoveryTest.filesBefore = RecoveryTest.allLockFiles();
    }

    /** Starts {@link CrashChild} with {@code args} in a child JVM (C1 only, CDS if present, stderr discarded). */
    static Process start(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName()));
        argv.addAll(List.of(args));
        return new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void killedAtRandomMomentsTheNetworkStaysConsistentAndDeleteLeavesNothing() throws Exception {
        Random rnd = new Random();
        long seed = rnd.nextLong();
        rnd = new Random(seed);
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create();
            int steps = 0;
            for (int kill = 0; kill < KILLS; kill++) {
                Process p = start("loop", host, "br0", sb.name("k" + kill), Long.toString(rnd.nextLong()));
                java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String l; (l = out.readLine()) != null; ) {
                            count.incrementAndGet();
                            running.countDown();
                        }
                    } catch (java.io.IOException closed) {
                        // killed
                    }
                    running.countDown();
                });
                reader.start();
                assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(count.get()).as("seed " + seed + ": the child's loop runs").isPositive();
                Thread.sleep(rnd.nextInt(700));
                p.destroyForcibly(); // SIGKILL
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                reader.join(5000);
                steps += count.get();

                Network net = Network.open(sb.host(), "br0");
                checkConsistent(sb, net, "seed " + seed + ", kill " + kill);
                // Keep the network small: detach some endpoints (this process never attached them).
                for (Endpoint e : net.endpoints()) {
                    if (rnd.nextBoolean()) {
                        e.detach();
                    }
                }
            }
            System.out.printf("crash test: %d kills after %d steps in all (seed %d)%n", KILLS, steps, seed);
            Network net = Network.open(sb.host(), "br0");
            net.delete();
            net.delete();
            RecoveryTest.nothingLeft(sb);
            assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("k")));
        }
    }

    /** What the kernel shows is exactly what the network's records account for. */
    private static void checkConsistent(Sandbox sb, Network net, String what) {
        String host = sb.name() + "-host";
        List<Endpoint> eps = net.endpoints();
        Set<String> epNames = new HashSet<>();
        Set<String> hostIfs = new HashSet<>();
        Set<String> epAddresses = new HashSet<>();
        for (Endpoint e : eps) {
            epNames.add(e.name());
            hostIfs.add(e.hostInterface());
            assertThat(epAddresses.add(e.address().getHostAddress())).as(what + ": duplicate address in records " + e).isTrue();
            assertThat(e.health().isHealthy()).as(what + ": " + e + " is " + e.health()).isTrue();
        }
        // Every container namespace of the child: an endpoint's, with exactly its address; no address twice.
        Map<String, String> seen = new HashMap<>();
        for (String ns : NetNamespace.list()) {
            if (!ns.startsWith(sb.name("k"))) {
                continue;
            }
            if (!epNames.contains(ns)) {
                StringBuilder diag = new StringBuilder();
                try (var files = java.nio.file.Files.list(io.netkit.core.internal.NetworkLock.directory())) {
                    for (var f : files.filter(f -> f.toString().contains(net.id) && f.toString().endsWith(".d")).toList()) {
                        try (var slots = java.nio.file.Files.list(f)) {
                            for (var slot : slots.toList()) {
                                diag.append(slot.getFileName()).append('=').append(new String(java.nio.file.Files.readAllBytes(slot))
                                        .replace("\0", "").replace('\n', ' ')).append("; ");
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    diag.append(e);
                }
                diag.append(" links in it: ").append(Probe.linkNames(ns));
                diag.append(" host links: ").append(Probe.linkNames(host));
                assertThat(epNames).as(what + ": namespace " + ns + " is not accounted for; intents: " + diag).contains(ns);
            }
            for (Map<String, Object> l : Probe.ip(ns, "-4", "addr", "show")) {
                Object info = l.get("addr_info");
                for (Object a : (List<?>) info) {
                    String local = String.valueOf(((Map<?, ?>) a).get("local"));
                    if (local.startsWith("127.")) {
                        continue;
                    }
                    String other = seen.put(local, ns);
                    assertThat(other).as(what + ": address " + local + " in " + ns + " and " + other).isNull();
                }
            }
        }
        // Every link on the host: netkit's bridge, an endpoint's veth or a detached one awaiting the reaper.
        for (Map<String, Object> l : Probe.ip(host, "link", "show")) {
            String name = (String) l.get("ifname");
            if (name.equals("lo") || name.equals(Sandbox.UPLINK) || name.equals("br0") || hostIfs.contains(name)) {
                continue;
            }
            assertThat(String.valueOf(l.get("group"))).as(what + ": link " + name + " is not accounted for: " + l)
                    .isEqualTo(Integer.toString(net.reapGroup));
        }
        // Every DNAT goes to a current endpoint's address.
        Matcher m = DNAT.matcher(Probe.iptablesSave(host));
        while (m.find()) {
            assertThat(epAddresses).as(what + ": DNAT to " + m.group(1) + " of no endpoint").contains(m.group(1));
        }
    }

    @Test
    void twoProcessesWithSixteenThreadsEachNeverShareAnAddress() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Process child = start("threads", sb.name() + "-host", "br0", sb.name("child"), "16");
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                try (OutputStream go = child.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.UTF_8));
                }
                List<Future<Endpoint>> mine = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String n = sb.name("parent-" + i);
                    mine.add(pool.submit(() -> net.attach(n)));
                }
                Set<String> addresses = new HashSet<>();
                for (Future<Endpoint> f : mine) {
                    addresses.add(f.get().address().getHostAddress());
                }
                List<String> childLines = out.lines().toList();
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();
                assertThat(childLines).hasSize(16);
                childLines.forEach(l -> addresses.add(l.split(" ")[1]));
                assertThat(addresses).as("32 distinct addresses").hasSize(32);
                // The kernel's view, namespace by namespace.
                Map<String, String> seen = new HashMap<>();
                for (Endpoint e : net.endpoints()) {
                    String ns = e.name();
                    String local = String.valueOf(((Map<?, ?>) ((List<?>) Probe.ip(ns, "-4", "addr", "show", "dev", "eth0")
                            .get(0).get("addr_info")).get(0)).get("local"));
                    assertThat(seen.put(local, ns)).as(local).isNull();
                }
                assertThat(seen).hasSize(32);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
