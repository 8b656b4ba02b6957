package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.core.Endpoint;
import io.netkit.core.Host;
import io.netkit.core.Network;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Tail latency of attach and detach under churn (issue 14): back to back, with no pause in between, so that whatever
 * deferred work one operation leaves behind (netkit's bulk veth reaper, the kernel's namespace cleanup, netkit's
 * deferred namespace release) lands in front of the next one if it is going to. netkit-core vs the same churn as
 * {@code ip} commands ({@link IpSteps}: 7 {@code ip} processes per attach, {@code ip netns del} per detach), and vs
 * {@code floor}: the kernel floor, {@code src/main/c/churnfloor.c}, a C process issuing exactly the kernel operations
 * netkit issues per attach and detach (the same netlink messages, mounts and unlinks, listed from strace of a netkit
 * churn), timed inside the C process around the kernel calls alone. Each attach makes its namespace
 * ({@code unshare(CLONE_NEWNET)} ...) inside the timed part, as netkit's does in back-to-back churn, where its spare
 * (made only when idle) is never ready; {@code -Dnkb.floorSpareAhead=true} makes it between operations instead. The
 * deferred work (the reap group's deletion and the held namespaces' release) runs outside the timed part: between
 * iterations (idle) or after every detach (eager). If the floor's p99 is more than 3 × its median,
 * that tail is the kernel's (issue 14: the proof). {@code -Dnkb.floorDeferName=true}: an experiment, the floor's
 * detach leaves the namespace's unmount and unlink to the reaper round (what deferring them in netkit could gain).
 *
 * <p>Patterns ({@code pattern}):
 * <ul>
 *   <li>{@code interleaved}: {@value #POOL} containers attached (untimed, at trial start), then per iteration 100 ×
 *       (attach a new one, detach the oldest) — 100 attaches and 100 detaches interleaved.</li>
 *   <li>{@code sequential}: per iteration 100 attaches, then 100 detaches in the same order (the 100-container
 *       run of the issue, measured from outside).</li>
 * </ul>
 * The JMH score is the time of one iteration's 200 operations (throughput of the churn). Every single operation is
 * timed as well; at the end of the trial the percentiles (median, p90, p99, max over all measured iterations) of
 * attach and of detach are printed as lines starting with {@code CHURN}, and the network's {@code close()} (which
 * drains what is left of the deferred work) is timed too. netkit runs {@value #WARM_CYCLES} untimed attach/detach
 * cycles first (a warm JIT, as in {@link AttachBenchmark}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class ChurnBenchmark {
    static final int OPS = 100;
    static final int POOL = 10;
    static final int WARM_CYCLES = Integer.getInteger("nkb.churnWarm", 500);

    @Param({"interleaved", "sequential"})
    public String pattern;

    /**
     * netkit's deferred work: {@code idle} (issue 14: run when no attach/detach is in flight) or {@code eager} (before:
     * namespaces released at once, the reap group deleted 20 ms after a detach); the yardstick ignores it.
     */
    @Param({"idle", "eager"})
    public String deferral;

    BenchNamespaces spaces;
    String host;
    boolean ip;
    boolean floor;
    Process floorProc;
    java.io.BufferedWriter toFloor;
    java.io.BufferedReader fromFloor;
    long floorNanos;
    Host netkitHost;
    Network network;
    int counter;
    boolean measuring;
    int warmupIterations;
    int iteration;
    final ArrayDeque<Object> live = new ArrayDeque<>(); // Endpoint (netkit) or namespace name (ip)
    final Samples attach = new Samples();
    final Samples detach = new Samples();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws InterruptedException {
        spaces = new BenchNamespaces();
        host = spaces.create("host");
        ip = params.getBenchmark().endsWith(".ip");
        floor = params.getBenchmark().endsWith(".floor");
        System.setProperty("netkit.reaper.eager", Boolean.toString(deferral.equals("eager")));
        warmupIterations = params.getWarmup().getCount();
        if (ip) {
            Proc.run("sh", "-c", String.join("; ", IpSteps.createBridge(host)));
        } else if (floor) {
            Proc.run("sh", "-c", String.join("; ", IpSteps.createBridge(host)));
            startFloor();
            for (int i = 0; i < WARM_CYCLES; i++) {
                String w = spaces.name("w" + i);
                floorCall("a " + w + " " + (2 + i % 250));
                floorCall("d " + w);
            }
            floorCall("r");
        } else {
            netkitHost = Host.namespace(host);
            network = Network.bridge(IpSteps.BRIDGE).on(netkitHost).subnet("172.16.0.0" + IpSteps.SUBNET_BITS).create();
            for (int i = 0; i < WARM_CYCLES; i++) {
                network.detach(network.attach(spaces.name("w" + i)));
            }
        }
        if (pattern.equals("interleaved")) {
            for (int i = 0; i < POOL; i++) {
                live.add(doAttach());
            }
        }
        Thread.sleep(2000); // the warm-up's deferred work settles before the first iteration
    }

    @Setup(Level.Iteration)
    public void nextIteration() {
        iteration++;
        measuring = iteration > warmupIterations;
        if (iteration == warmupIterations + 1) {
            roundsBefore = io.netkit.core.internal.Reaper.rounds();
        }
        if (floor) {
            floorCall("r"); // the floor's reaper round, between iterations (netkit's runs when idle)
            if (iteration == warmupIterations + 1) {
                floorCall("s"); // its per-step statistics: the measured iterations only
            }
        }
    }

    private void startFloor() {
        try {
            java.nio.file.Path exe = io.netkit.benchmarks.support.CYardstick.build("churnfloor");
            List<String> argv = new java.util.ArrayList<>(List.of(exe.toString(), host, IpSteps.BRIDGE));
            if (Boolean.getBoolean("nkb.floorDeferName")) {
                argv.add("defer-name"); // experiment: the name's unmount and unlink in the reaper round, not in detach
            }
            if (Boolean.getBoolean("nkb.floorSpareAhead")) {
                argv.add("spare-ahead"); // the namespace made between operations (untimed), as netkit's idle spare
            }
            floorProc = new ProcessBuilder(argv)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            toFloor = new java.io.BufferedWriter(new java.io.OutputStreamWriter(floorProc.getOutputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            fromFloor = new java.io.BufferedReader(new java.io.InputStreamReader(floorProc.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One command to the floor process; returns the nanoseconds it measured around the kernel calls. */
    private long floorCall(String command) {
        try {
            toFloor.write(command);
            toFloor.write('\n');
            toFloor.flush();
            String answer = fromFloor.readLine();
            if (answer == null) {
                throw new IllegalStateException("churnfloor exited (status " + floorProc.waitFor() + ") at: " + command);
            }
            return Long.parseLong(answer.trim());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long[] roundsBefore = {0, 0, 0};

    private Object doAttach() {
        counter++;
        String name = spaces.name("c" + counter);
        if (ip) {
            Proc.run("sh", "-c", "set -e; " + String.join("; ",
                    IpSteps.attach(host, name, "nkbv" + counter, 2 + counter % 250)));
            return name;
        }
        if (floor) {
            floorNanos = floorCall("a " + name + " " + (2 + counter % 250));
            return name;
        }
        return network.attach(name);
    }

    private void doDetach(Object c) {
        if (ip) {
            Proc.run("ip", "netns", "del", (String) c);
        } else if (floor) {
            floorNanos = floorCall("d " + c);
            if (deferral.equals("eager")) {
                floorCall("r");
            }
        } else {
            network.detach((Endpoint) c);
        }
    }

    private void timedAttach() {
        long r0 = io.netkit.core.internal.Reaper.activity();
        long s0 = io.netkit.netlink.NamespaceTemplate.spareActivity();
        long g0 = Overlaps.gcCount();
        long[] a0 = io.netkit.core.internal.Announcing.counts();
        long t0 = System.nanoTime();
        Object c = doAttach();
        long dt = floor ? floorNanos : System.nanoTime() - t0;
        live.add(c);
        if (measuring) {
            attach.add(dt);
            overlaps.add('A', t0, dt, r0, s0, g0, a0);
        }
    }

    private void timedDetach() {
        Object c = live.poll();
        long r0 = io.netkit.core.internal.Reaper.activity();
        long s0 = io.netkit.netlink.NamespaceTemplate.spareActivity();
        long g0 = Overlaps.gcCount();
        long[] a0 = io.netkit.core.internal.Announcing.counts();
        long t0 = System.nanoTime();
        doDetach(c);
        long dt = floor ? floorNanos : System.nanoTime() - t0;
        if (measuring) {
            detach.add(dt);
            overlaps.add('D', t0, dt, r0, s0, g0, a0);
        }
    }

    final Overlaps overlaps = new Overlaps();

    /** netkit: {@code network.attach(name)} and {@code network.detach(endpoint)}. */
    @Benchmark
    public void netkit() {
        churn();
    }

    /** Yardstick: {@code sh} running the 7 attach steps as {@code ip} processes; {@code ip netns del} to detach. */
    @Benchmark
    public void ip() {
        churn();
    }

    /**
     * Kernel floor: netkit's own kernel operations from C ({@code churnfloor}); the per-operation times are the C
     * process's (kernel calls only), the JMH score adds the pipe round trip per operation.
     */
    @Benchmark
    public void floor() {
        churn();
    }

    private void churn() {
        if (pattern.equals("interleaved")) {
            for (int i = 0; i < OPS; i++) {
                timedAttach();
                timedDetach();
            }
        } else {
            for (int i = 0; i < OPS; i++) {
                timedAttach();
            }
            for (int i = 0; i < OPS; i++) {
                timedDetach();
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        String who = (ip ? "ip" : floor ? "floor " + deferral + (Boolean.getBoolean("nkb.floorDeferName") ? " defer-name" : "")
                + (Boolean.getBoolean("nkb.floorSpareAhead") ? " spare-ahead" : "")
                : "netkit " + deferral) + " " + pattern;
        long[] rounds = io.netkit.core.internal.Reaper.rounds();
        long t0 = System.nanoTime();
        if (ip) {
            while (!live.isEmpty()) {
                doDetach(live.poll());
            }
            Proc.runIgnoringFailure("sh", "-c", String.join("; ", IpSteps.deleteBridge(host)));
        } else if (floor) {
            try {
                floorCall("p"); // per-step percentiles (CHURNFLOOR lines, stderr): where the floor's tail is
                while (!live.isEmpty()) {
                    doDetach(live.poll());
                }
                floorCall("r");
            } finally {
                if (floorProc != null) floorProc.destroy(); // its held namespaces close with it; named ones are swept by spaces.close()
                live.clear();
                Proc.runIgnoringFailure("sh", "-c", String.join("; ", IpSteps.deleteBridge(host)));
            }
        } else {
            network.close();
            netkitHost.close();
        }
        long close = System.nanoTime() - t0;
        System.out.println();
        System.out.println(attach.line("CHURN " + who + " attach"));
        System.out.println(detach.line("CHURN " + who + " detach"));
        if (!ip && !floor) {
            System.out.printf("CHURN %s deferred-work rounds while measuring: %d, of which %d during operations%s%n", who,
                    rounds[0] - roundsBefore[0], rounds[1] - roundsBefore[1],
                    rounds.length > 2 ? ", " + (rounds[2] - roundsBefore[2]) + " forced drains" : "");
        }
        if (!ip && !floor) {
            System.out.println(overlaps.summary("CHURN " + who, attach.percentile(50), detach.percentile(50)));
            overlaps.write(who);
        }
        System.out.printf("CHURN %s close (%d left attached) %.2f ms%n", who, live.size(), close / 1e6);
        live.clear();
        spaces.close();
    }

    /**
     * Per operation: whether netkit's own background work overlapped it — a deferred-work round of the reaper
     * ({@code Reaper.activity()} changed during the operation or was odd at its start) or the spare namespace being
     * made ahead of time ({@code NamespaceTemplate.spareActivity()}, likewise), or a garbage collection of this JVM (the
     * collectors' counts changed). Summarised for the slow operations
     * (over 3 × the median of their kind); with {@code -Dnkb.churnLog=DIR} every operation is written to
     * {@code DIR/churn-<contender>.tsv} (kind, start as CLOCK_MONOTONIC ns, duration ns, reaper, spare, gc, an address
     * announcement of an earlier attach on its namespace thread) to line up
     * with a kernel trace taken with {@code trace_clock mono}.
     */
    static final class Overlaps {
        private final StringBuilder log = new StringBuilder();
        private final java.util.List<long[]> ops = new java.util.ArrayList<>(); // kind, dt, reaper, spare, gc

        /** Collections so far, all of this JVM's collectors. */
        static long gcCount() {
            long n = 0;
            for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                n += Math.max(0, b.getCollectionCount());
            }
            return n;
        }

        void add(char kind, long t0, long dt, long r0, long s0, long g0, long[] a0) {
            int gc = gcCount() != g0 ? 1 : 0;
            // an address announcement (attach's gratuitous ARP, on a namespace thread) ran during the operation
            int arp = io.netkit.core.internal.Announcing.counts()[0] != a0[0] || a0[0] > a0[1] ? 1 : 0;
            long r1 = io.netkit.core.internal.Reaper.activity();
            long s1 = io.netkit.netlink.NamespaceTemplate.spareActivity();
            int reaper = r0 != r1 || (r0 & 1) == 1 ? 1 : 0;
            // An attach that made its namespace starts the next spare itself, at its end (+1): not an overlap.
            int spare = s1 - s0 > (kind == 'A' ? 1 : 0) || (s0 & 1) == 1 ? 1 : 0;
            ops.add(new long[] {kind, dt, reaper, spare, gc, arp});
            log.append(kind).append('\t').append(t0).append('\t').append(dt).append('\t').append(reaper).append('\t')
                    .append(spare).append('\t').append(gc).append('\t').append(arp).append('\n');
        }

        String summary(String who, double attachMedian, double detachMedian) {
            StringBuilder b = new StringBuilder();
            for (char kind : new char[] {'A', 'D'}) {
                double limit = 3 * (kind == 'A' ? attachMedian : detachMedian) * 1e6;
                int all = 0, slow = 0, slowReaper = 0, slowSpare = 0, reaper = 0, spare = 0, gc = 0, slowGc = 0;
                int arp = 0, slowArp = 0;
                for (long[] o : ops) {
                    if (o[0] != kind) {
                        continue;
                    }
                    all++;
                    reaper += (int) o[2];
                    spare += (int) o[3];
                    gc += (int) o[4];
                    arp += (int) o[5];
                    if (o[1] > limit) {
                        slowArp += (int) o[5];
                        slow++;
                        slowReaper += (int) o[2];
                        slowSpare += (int) o[3];
                        slowGc += (int) o[4];
                    }
                }
                b.append(String.format("%s %s: %d ops, %d overlapped a reaper round, %d the spare's making, %d a GC, %d an"
                        + " announcement; %d over 3x median, of which %d overlapped a reaper round, %d the spare's making, %d a"
                        + " GC, %d an announcement%n", who, kind == 'A' ? "attach" : "detach", all, reaper, spare, gc, arp, slow,
                        slowReaper, slowSpare, slowGc, slowArp));
            }
            return b.toString().stripTrailing();
        }

        void write(String who) {
            String dir = System.getProperty("nkb.churnLog");
            if (dir == null) {
                return;
            }
            try {
                java.nio.file.Files.writeString(java.nio.file.Path.of(dir, "churn-" + who.replace(' ', '-') + ".tsv"), log);
            } catch (java.io.IOException e) {
                System.out.println("CHURN log not written: " + e);
            }
        }
    }

    /** Per-operation times (nanoseconds) and their percentiles (nearest rank). */
    static final class Samples {
        private long[] v = new long[1024];
        private int n;

        void add(long nanos) {
            if (n == v.length) {
                v = java.util.Arrays.copyOf(v, n * 2);
            }
            v[n++] = nanos;
        }

        double percentile(double p) {
            long[] s = java.util.Arrays.copyOf(v, n);
            java.util.Arrays.sort(s);
            int rank = (int) Math.ceil(p / 100.0 * n);
            return s[Math.max(0, Math.min(n - 1, rank - 1))] / 1e6;
        }

        String line(String label) {
            if (n == 0) {
                return label + ": no samples";
            }
            double p50 = percentile(50);
            double p99 = percentile(99);
            return String.format("%s n=%d median %.2f ms, p90 %.2f, p99 %.2f, max %.2f; p99/median %.1f", label, n, p50,
                    percentile(90), p99, percentile(100), p99 / p50);
        }
    }
}
