package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CrashTest} for the native backend: a child JVM creating and deleting networks, attaching, detaching,
 * publishing and unpublishing on {@code table inet netkit} is killed with SIGKILL at random moments. After each kill
 * this process (which never made the child's networks) opens what exists and collects the leftovers, then checks with
 * {@code nft -j list table inet netkit}: exactly the chains of the networks that exist (no orphan, each network's chains
 * complete: a change is one transaction, so no kill leaves half of one), every comment naming a live network, every DNAT
 * to one of its endpoints, the table equal to what re-applying the records gives, and a published port still answers.
 */
@Privileged
class NftCrashTest {
    static final String PREFIX = "nkt-nc-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    private static final int KILLS = 10;
    private static final List<String> BRIDGES = List.of("br0", "bn1", "bn2");
    private static final Set<String> BASE = Set.of("forward", "prerouting", "output", "postrouting", "user");
    private static final Pattern DNAT = Pattern.compile("dnat ip to ([0-9.]+):");
    private static final Pattern COMMENT = Pattern.compile("netkit:(\\w+)@(\\w+)");
    /** Why each open that did not return a network did not (shown if something is left at the end). */
    private static final List<String> OPEN_FAILURES = java.util.Collections.synchronizedList(new ArrayList<>());
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @org.junit.jupiter.api.BeforeEach
    void snapshotFiles() throws java.io.IOException {
        RecoveryTest.filesBefore = RecoveryTest.allLockFiles();
    }

    @Test
    void killedAtRandomMomentsTheNativeTableHoldsExactlyTheLiveNetworksWholeAndTrafficFlows() throws Exception {
        long seed = new Random().nextLong();
        Random rnd = new Random(seed);
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            Host h = sb.host().firewall(FirewallBackend.NFTABLES);
            Network br0 = Network.bridge("br0").on(h).subnet("172.20.0.0/24").masquerade().create();
            List<Network> opened = new ArrayList<>(); // every object this process opened (each holds its lock file)
            Endpoint web = br0.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
            try (ServerSocket server = PublishTest.listen(web, 80)) {
                int steps = 0;
                for (int kill = 0; kill < KILLS; kill++) {
                    String what = "seed " + seed + ", kill " + kill;
                    Process p = CrashTest.start("nftloop", host, String.join(",", BRIDGES), sb.name("k" + kill),
                            Long.toString(rnd.nextLong()));
                    AtomicInteger count = new AtomicInteger();
                    java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                    Thread reader = new Thread(() -> {
                        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                                StandardCharsets.UTF_8))) {
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
                    assertThat(count.get()).as(what + ": the child's loop runs").isPositive();
                    Thread.sleep(rnd.nextInt(700));
                    p.destroyForcibly(); // SIGKILL
                    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
                    reader.join(5000);
                    steps += count.get();

                    // Before any repair: each network's chains are whole (one transaction each).
                    wholeChains(host, what + " (as killed)");
                    Map<String, Network> live = openAll(sb, h);
                    opened.addAll(live.values());
                    sb.host().leftovers().collect();
                    checkTable(host, live, what);
                    // Traffic: the published port of this process's endpoint still answers, DNAT only.
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080))
                            .as(what + ": " + web + " in " + live.values() + "\n" + String.join("\n", table(host))
                                    + "\nendpoints of br0: " + br0.endpoints())
                            .isEqualTo(sb.internetAddress());
                    // Keep the networks small: detach some of the child's endpoints (this process never attached them).
                    for (Network n : live.values()) {
                        for (Endpoint e : n.endpoints()) {
                            if (!e.name().equals(sb.name("web")) && rnd.nextBoolean()) {
                                e.detach();
                            }
                        }
                    }
                }
                System.out.printf("native crash test: %d kills after %d steps in all (seed %d)%n", KILLS, steps, seed);
            }
            // An open that finds a killed create or delete it could not finish says "call Network.open again to
            // resume": do so (a few rounds) until none of the bridges is left.
            for (int round = 0; round < 3 && Probe.linkNames(host).stream().anyMatch(BRIDGES::contains); round++) {
                OPEN_FAILURES.clear();
                for (Network n : openAll(sb, h).values()) {
                    n.delete();
                }
            }
            // Objects of networks the child deleted later: deleting them releases (and removes) their lock files.
            for (Network n : opened) {
                n.delete();
            }
            br0.delete();
            assertThat(Probe.linkNames(host)).as("bridges left; the last opens said: %s", OPEN_FAILURES)
                    .doesNotContainAnyElementsOf(BRIDGES);
            RecoveryTest.nothingLeft(sb);
            assertThat(chains(host)).as("only the base chains and the administrator's stay").isEqualTo(BASE);
            assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("k")));
        }
    }

    /** Opens every network of {@link #BRIDGES} that exists (an open undoes a killed create and finishes a delete). */
    private static Map<String, Network> openAll(Sandbox sb, Host h) {
        Map<String, Network> live = new HashMap<>();
        for (String br : BRIDGES) {
            try {
                Network n = Network.open(h, br);
                assertThat(n.firewall()).isEqualTo(FirewallBackend.NFTABLES);
                live.put(n.id, n);
            } catch (NetkitException gone) {
                // not there, or a killed create / delete that the open completed (or, if incomplete, resumes next time)
                OPEN_FAILURES.add(br + ": " + gone.getMessage()
                        + (gone.getCause() == null ? "" : " <- " + gone.getCause()));
            }
        }
        return live;
    }

    /** The chain names of {@code table inet netkit}. */
    private static Set<String> chains(String ns) {
        Set<String> out = new HashSet<>();
        for (Map<String, Object> o : NftFirewallTest.nft(ns, "table", "inet", "netkit")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) o.get("chain");
            if (c != null) {
                out.add((String) c.get("name"));
            }
        }
        return out;
    }

    /**
     * Every network chain set is whole: {@code fwd-ID} and {@code post-ID} (masquerade) together, the forward chain's
     * jump to {@code fwd-ID} exactly once with it, {@code fwd-ID} holding its admin-first and bridged rules once each.
     */
    private static void wholeChains(String ns, String what) {
        Set<String> chains = chains(ns);
        Map<String, Integer> perChainComment = new HashMap<>();
        for (String rc : NftFirewallTest.ruleComments(ns)) {
            perChainComment.merge(rc, 1, Integer::sum);
        }
        for (String c : chains) {
            if (!c.startsWith("fwd-")) {
                continue;
            }
            String id = c.substring(4);
            assertThat(chains).as(what + ": post- with " + c).contains("post-" + id);
            long jumps = perChainComment.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("forward|netkit:") && e.getKey().endsWith("@" + id))
                    .mapToInt(Map.Entry::getValue).sum();
            assertThat(jumps).as(what + ": forward's jumps to " + c).isEqualTo(1);
            assertThat(perChainComment.entrySet().stream().filter(e -> e.getKey().startsWith(c + "|")
                    && e.getKey().endsWith(" admin first")).mapToInt(Map.Entry::getValue).sum()).as(what).isEqualTo(1);
            assertThat(perChainComment.entrySet().stream().filter(e -> e.getKey().startsWith(c + "|")
                    && e.getKey().endsWith(" bridged")).mapToInt(Map.Entry::getValue).sum()).as(what).isEqualTo(1);
        }
        for (String c : chains) {
            if (c.startsWith("post-") || c.startsWith("dnat-")) {
                assertThat(chains).as(what + ": " + c + " without its fwd- chain").contains("fwd-" + c.substring(5));
            }
        }
    }

    /** The table holds exactly the live networks' chains and rules, as re-applying their records gives them. */
    private static void checkTable(String ns, Map<String, Network> live, String what) {
        wholeChains(ns, what);
        Set<String> perNetwork = new HashSet<>(chains(ns));
        perNetwork.removeAll(BASE);
        Set<String> expected = new HashSet<>();
        for (String id : live.keySet()) {
            expected.add("fwd-" + id);
            expected.add("post-" + id);
        }
        assertThat(perNetwork).as(what + ": per-network chains (no orphan)").containsAll(expected)
                .allMatch(c -> live.containsKey(c.substring(c.indexOf('-') + 1)));
        for (String rc : NftFirewallTest.ruleComments(ns)) {
            Matcher m = COMMENT.matcher(rc);
            if (m.find()) {
                Network n = live.get(m.group(2));
                assertThat(n).as(what + ": rule of no live network: " + rc).isNotNull();
                assertThat(n.name()).as(what + ": " + rc).isEqualTo(m.group(1));
            }
        }
        for (Network n : live.values()) {
            Set<String> addresses = new HashSet<>();
            n.endpoints().forEach(e -> addresses.add(e.address().getHostAddress()));
            if (chains(ns).contains("dnat-" + n.id)) {
                Matcher m = DNAT.matcher(Cmd.run("ip", "netns", "exec", ns, "nft", "list", "chain", "inet", "netkit",
                        "dnat-" + n.id));
                while (m.find()) {
                    assertThat(addresses).as(what + ": DNAT to " + m.group(1) + " of no endpoint of " + n).contains(m.group(1));
                }
            }
        }
        // Re-applying every live network's rules from its records (an attach and a detach on a publishing network
        // re-apply its whole set) changes nothing: what the kernel held was complete, not part of a change.
        List<String> before = table(ns);
        for (Network n : live.values()) {
            String probe = PREFIX + "-probe";
            n.attach(probe).detach();
        }
        assertThat(table(ns)).as(what + ": the table equals the records' rules").isEqualTo(before);
    }

    /** The lines of {@code nft list table inet netkit} without counters, sorted (a re-applied jump may move). */
    private static List<String> table(String ns) {
        return Cmd.run("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "netkit")
                .replaceAll("counter packets \\d+ bytes \\d+", "counter").lines().map(String::strip).sorted().toList();
    }
}
