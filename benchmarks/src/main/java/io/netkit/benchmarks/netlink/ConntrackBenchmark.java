package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Conntrack;
import io.netkit.netlink.ConntrackEntry;
import io.netkit.netlink.NetNamespace;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The conntrack table of a namespace holding 1000 UDP entries (made with {@code conntrack -I}): netkit's in-process
 * ctnetlink ({@link Conntrack#list()}) vs the {@code conntrack} tool
 * (conntrack-tools) run with {@code ip netns exec}, as CNI's portmap and kube-proxy run it. Deleting is measured
 * by {@link ConntrackDeleteBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ConntrackBenchmark {
    static final int ENTRIES = 1000;

    BenchNamespaces spaces;
    String host;
    NetNamespace ns;
    Conntrack ct;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        host = spaces.create("host");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            lines.add("conntrack -I -p udp -s 10.9." + (i / 250) + "." + (i % 250 + 1) + " -d 10.8.0.1 --sport 40000"
                    + " --dport " + (1000 + i) + " -t 600 >/dev/null 2>&1");
        }
        try (WorkDir work = new WorkDir()) {
            Proc.run("ip", "netns", "exec", host, "sh", work.write("fill.sh", lines).toString());
        }
        ns = NetNamespace.open(host);
        ct = Conntrack.open(ns);
        int n = ct.list().size();
        if (n != ENTRIES) {
            throw new IllegalStateException("expected " + ENTRIES + " conntrack entries, netkit lists " + n);
        }
    }

    /** netkit: {@code Conntrack.list()}, one ctnetlink dump decoded into ConntrackEntry values. */
    @Benchmark
    public List<ConntrackEntry> netkitList() {
        return ct.list();
    }

    /** Yardstick: {@code ip netns exec HOST conntrack -L > /dev/null}. */
    @Benchmark
    public void conntrackL() {
        Proc.run("ip", "netns", "exec", host, "conntrack", "-L");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ct != null) {
            ct.close();
        }
        if (ns != null) {
            ns.close();
        }
        spaces.close();
    }
}
