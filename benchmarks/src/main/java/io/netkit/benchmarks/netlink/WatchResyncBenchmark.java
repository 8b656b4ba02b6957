package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Link;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtEvent;
import io.netkit.netlink.RtTopic;
import io.netkit.netlink.RtWatch;
import io.netkit.netlink.WatchSpec;
import java.util.ArrayList;
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

/**
 * The cost of a resync at N links: a link watch with the smallest receive buffer overruns (set up untimed: its
 * listener is held inside an event while 64 MTU changes arrive, so the kernel drops notifications and reports
 * {@code ENOBUFS}); timed is the rest, from releasing the listener until {@link RtEvent.Resynced} with all N links
 * is delivered (the watcher reads the error, empties its queue, dumps the links, folds in what queued meanwhile).
 * Beside it: netkit's plain {@code links().list()} (the dump alone) and what a shell consumer of {@code ip monitor}
 * would do to recover, one {@code ip -o link show} process.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WatchResyncBenchmark {
    /** The namespace with N links and the watch. */
    @State(Scope.Benchmark)
    public static class Host {
        @Param({"100", "1000"})
        public int links;

        BenchNamespaces spaces;
        String host;
        NetNamespace ns;
        Links api;
        RtWatch watch;
        volatile boolean armed;
        volatile boolean held;
        volatile long resyncs;
        volatile int resyncedLinks;
        int alias;

        @Setup(Level.Trial)
        public void setUp() {
            spaces = new BenchNamespaces();
            host = spaces.create("host");
            List<String> lines = new ArrayList<>();
            lines.add("link add x0 up type bridge");
            for (int i = 0; i < (links - 2) / 2; i++) {
                lines.add("link add " + LinkCreateBenchmark.a(i) + " type veth peer name " + LinkCreateBenchmark.b(i));
            }
            try (WorkDir work = new WorkDir()) {
                Proc.run("ip", "-n", host, "-batch", work.write("resync.batch", lines).toString());
            }
            ns = NetNamespace.open(host);
            api = ns.netlink().links();
            int n = api.list().size();
            if (Math.abs(n - links) > 1) {
                throw new IllegalStateException("expected about " + links + " links, netkit lists " + n);
            }
            watch = ns.netlink().watch(WatchSpec.of(RtTopic.LINKS).withReceiveBufferSize(1).withPollInterval(
                    java.time.Duration.ofMillis(100)), e -> {
                        if (e instanceof RtEvent.Resynced r) {
                            resyncedLinks = r.state().links().size();
                            resyncs++;
                        } else if (armed) {
                            held = true;
                            while (armed) {
                                Thread.onSpinWait();
                            }
                        }
                    });
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (watch != null) {
                watch.close();
            }
            if (ns != null) {
                ns.close();
            }
            spaces.close();
        }
    }

    /** Per invocation, untimed: hold the listener inside an event and overrun the socket behind it. */
    @State(Scope.Thread)
    public static class Overrun {
        long before;

        @Setup(Level.Invocation)
        public void overrun(Host h) {
            h.held = false;
            h.armed = true;
            h.api.setMtu("x0", 1280 + (h.alias++ % 200));
            await(() -> h.held);
            for (int i = 0; i < 64; i++) {
                h.api.setMtu("x0", 1280 + (h.alias++ % 200));
            }
            before = h.resyncs;
        }
    }

    private static void await(java.util.function.BooleanSupplier done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not within 10 s");
            }
            Thread.yield();
        }
    }

    /** netkit: release the listener; wait for the Resynced event carrying every link. */
    @Benchmark
    public int netkitResync(Host h, Overrun o) {
        h.armed = false;
        await(() -> h.resyncs > o.before);
        if (Math.abs(h.resyncedLinks - h.links) > 1) {
            throw new IllegalStateException("resynced " + h.resyncedLinks + " links, expected " + h.links);
        }
        return h.resyncedLinks;
    }

    /** The dump alone: {@code links().list()}. */
    @Benchmark
    public List<Link> netkitList(Host h) {
        return h.api.list();
    }

    /** Yardstick: how a shell consumer of {@code ip monitor} recovers, {@code ip -o link show} (stdout to /dev/null). */
    @Benchmark
    public void ipOLinkShow(Host h) {
        Proc.run("ip", "-n", h.host, "-o", "link", "show");
    }
}
