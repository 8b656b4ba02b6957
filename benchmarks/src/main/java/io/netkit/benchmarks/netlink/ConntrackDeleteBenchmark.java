package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Conntrack;
import io.netkit.netlink.ConntrackEntry;
import io.netkit.netlink.ConntrackFilter;
import io.netkit.netlink.ConntrackTuple;
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
 * Deleting the entry of one port ({@code -p udp --orig-port-dst 9}) from a conntrack table of 1000 UDP entries, as
 * netkit does after an unpublish: {@link Conntrack#delete(ConntrackFilter)} (one ctnetlink dump, one delete request)
 * vs {@code ip netns exec HOST conntrack -D -p udp --orig-port-dst 9} (conntrack-tools: the same dump and delete). The
 * entry is inserted again before each iteration, untimed; one call per iteration (median of single shots).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 20)
@Measurement(iterations = 40)
@Fork(1)
@State(Scope.Benchmark)
public class ConntrackDeleteBenchmark {
    static final int ENTRIES = 1000;

    BenchNamespaces spaces;
    String host;
    NetNamespace ns;
    Conntrack ct;
    final ConntrackFilter port9 = ConntrackFilter.all().protocol(ConntrackTuple.UDP).originalDestinationPort(9);

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

    @Setup(Level.Iteration)
    public void insertPort9() {
        Proc.run("ip", "netns", "exec", host, "conntrack", "-I", "-p", "udp", "-s", "10.7.0.1", "-d", "10.8.0.1",
                "--sport", "40000", "--dport", "9", "-t", "600");
    }

    /** netkit: {@code Conntrack.delete(-p udp --orig-port-dst 9)}. */
    @Benchmark
    public int netkitDelete() {
        int n = ct.delete(port9);
        if (n != 1) {
            throw new IllegalStateException("deleted " + n + " entries, expected 1");
        }
        return n;
    }

    /** Yardstick: {@code ip netns exec HOST conntrack -D -p udp --orig-port-dst 9}. */
    @Benchmark
    public void conntrackD() {
        Proc.run("ip", "netns", "exec", host, "conntrack", "-D", "-p", "udp", "--orig-port-dst", "9");
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
