package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtEvent;
import io.netkit.netlink.RtWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Event delivery latency: from a link change (its MTU, set through netkit's {@code Links.setMtu}, in a bench
 * namespace) until the watcher sees it. netkit: {@code links().watch(listener)}, the listener records the MTU it saw.
 * Yardstick: one {@code ip -n NS monitor link} process started at setup, whose standard output a JVM thread reads
 * line by line and records the MTU of the link's line — the same change, measured the same way. {@code changeOnly}
 * is the change request alone: subtract it from both to get the delivery part.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class WatchLatencyBenchmark {
    static final String LINK = "lat0";

    BenchNamespaces spaces;
    String host;
    NetNamespace ns;
    Links links;
    RtWatch watch;
    Process monitor;
    Thread monitorReader;
    volatile int netkitSeen;
    volatile int monitorSeen;
    int mtu = 1280;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        spaces = new BenchNamespaces();
        host = spaces.create("host");
        Proc.run("ip", "-n", host, "link", "add", LINK, "type", "bridge");
        ns = NetNamespace.open(host);
        links = ns.netlink().links();
        watch = links.watch(e -> {
            if (e instanceof RtEvent.LinkEvent l && l.link().name().equals(LINK)) {
                netkitSeen = l.link().mtu();
            }
        });
        monitor = new ProcessBuilder("ip", "-n", host, "monitor", "link")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        monitorReader = new Thread(() -> {
            String marker = ": " + LINK + ": ";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(monitor.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    int at = line.indexOf(marker);
                    int m = line.indexOf(" mtu ");
                    if (at >= 0 && m > at) {
                        int end = line.indexOf(' ', m + 5);
                        monitorSeen = Integer.parseInt(line.substring(m + 5, end < 0 ? line.length() : end));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process ended (teardown)
            }
        }, "ip-monitor-reader");
        monitorReader.setDaemon(true);
        monitorReader.start();
        // both watchers are ready once they report a change (ip monitor needs a moment to start listening)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            int probe = next();
            links.setMtu(LINK, probe);
            long wait = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while ((netkitSeen != probe || monitorSeen != probe) && System.nanoTime() < wait) {
                Thread.yield();
            }
            if (netkitSeen == probe && monitorSeen == probe) {
                break;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("ip monitor or the netkit watch saw no change within 20 s");
            }
        }
    }

    private int next() {
        mtu = mtu >= 1499 ? 1280 : mtu + 1;
        return mtu;
    }

    private static void await(java.util.function.BooleanSupplier done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the change was not seen within 10 s");
            }
            Thread.yield();
        }
    }

    /** Baseline: the MTU change request alone (RTM_GETLINK by name + RTM_NEWLINK with its ack). */
    @Benchmark
    public int changeOnly() {
        int m = next();
        links.setMtu(LINK, m);
        return m;
    }

    /** netkit: change, then wait until the watch's listener has seen it. */
    @Benchmark
    public int netkitWatch() {
        int m = next();
        links.setMtu(LINK, m);
        while (netkitSeen != m) {
            Thread.yield();
        }
        return m;
    }

    /** Yardstick: change, then wait until {@code ip monitor link} has printed it. */
    @Benchmark
    public int ipMonitor() {
        int m = next();
        links.setMtu(LINK, m);
        while (monitorSeen != m) {
            Thread.yield();
        }
        return m;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (watch != null) {
            watch.close();
        }
        if (monitor != null) {
            monitor.destroy();
        }
        if (ns != null) {
            ns.close();
        }
        spaces.close();
    }
}
