package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Link;
import io.netkit.netlink.Links;
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
 * A full link dump of a namespace holding 1000 links (500 veth pairs, plus lo): netkit's {@code Links.list()}
 * decoding every message into a {@code Link} vs one {@code ip -o link show} process (its output to /dev/null).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class LinkDumpBenchmark {
    static final int PAIRS = 500;

    BenchNamespaces spaces;
    String host;
    NetNamespace ns;
    Links links;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        host = spaces.create("host");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            lines.add("link add " + LinkCreateBenchmark.a(i) + " type veth peer name " + LinkCreateBenchmark.b(i));
        }
        try (WorkDir work = new WorkDir()) {
            Proc.run("ip", "-n", host, "-batch", work.write("dump.batch", lines).toString());
        }
        ns = NetNamespace.open(host);
        links = ns.netlink().links();
        int n = links.list().size();
        if (n != 2 * PAIRS + 1) {
            throw new IllegalStateException("expected " + (2 * PAIRS + 1) + " links, netkit lists " + n);
        }
    }

    /** netkit: {@code Links.list()}, one dump decoded into Link values. */
    @Benchmark
    public List<Link> netkitList() {
        return links.list();
    }

    /** Yardstick: {@code ip -n HOST -o link show > /dev/null}. */
    @Benchmark
    public void ipOLinkShow() {
        Proc.run("ip", "-n", host, "-o", "link", "show");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ns != null) {
            ns.close();
        }
        spaces.close();
    }
}
