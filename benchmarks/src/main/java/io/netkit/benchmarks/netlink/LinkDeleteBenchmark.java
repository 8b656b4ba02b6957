package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetNamespace;
import java.nio.file.Path;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Delete veth pairs (deleting one end removes its peer): in bulk, 1000 pairs in one request through their link group
 * (netkit {@code deleteGroup} vs {@code ip link del group G}), and one by one (netkit vs an {@code ip -batch} file of
 * {@code link del} lines). One-by-one deletion pays the kernel's RCU wait (≈ 17–21 ms) per link, so those two are
 * measured on 100 pairs and scaled ×10 in the report. The pairs are created before each iteration, untimed.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class LinkDeleteBenchmark {
    static final int BULK_PAIRS = 1000;
    static final int ONE_BY_ONE_PAIRS = 100;
    static final int GROUP = 78;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    Path create1000;
    Path create100;
    Path delete100;
    NetNamespace ns;
    Links links;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        create1000 = work.write("create1000.batch", createLines(BULK_PAIRS));
        create100 = work.write("create100.batch", createLines(ONE_BY_ONE_PAIRS));
        List<String> del = new ArrayList<>();
        for (int i = 0; i < ONE_BY_ONE_PAIRS; i++) {
            del.add("link del " + LinkCreateBenchmark.a(i));
        }
        delete100 = work.write("delete100.batch", del);
        ns = NetNamespace.open(host);
        links = ns.netlink().links();
    }

    private static List<String> createLines(int pairs) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            lines.add("link add " + LinkCreateBenchmark.a(i) + " group " + GROUP + " type veth peer name "
                    + LinkCreateBenchmark.b(i));
        }
        return lines;
    }

    @Setup(Level.Iteration)
    public void createPairs(BenchmarkParams params) {
        boolean bulk = params.getBenchmark().endsWith("1000");
        Proc.run("ip", "-n", host, "-batch", (bulk ? create1000 : create100).toString());
    }

    /** netkit: {@code deleteGroup(78)}, one RTM_DELLINK with IFLA_GROUP for all 1000 pairs. */
    @Benchmark
    public void netkitGroup1000() {
        links.deleteGroup(GROUP);
    }

    /** netkit: {@code delete(name)} for 100 pairs, one request (and one RCU wait) each. */
    @Benchmark
    public void netkitOneByOne100() {
        for (int i = 0; i < ONE_BY_ONE_PAIRS; i++) {
            links.delete(LinkCreateBenchmark.a(i));
        }
    }

    /** Yardstick: {@code ip link del group 78}, one RTM_DELLINK for all 1000 pairs. */
    @Benchmark
    public void ipDelGroup1000() {
        Proc.run("ip", "-n", host, "link", "del", "group", Integer.toString(GROUP));
    }

    /** Yardstick: {@code ip -batch} with 100 {@code link del} lines. */
    @Benchmark
    public void ipBatchDelete100() {
        Proc.run("ip", "-n", host, "-batch", delete100.toString());
    }

    @TearDown(Level.Iteration)
    public void removeLeftovers() {
        Proc.runIgnoringFailure("ip", "-n", host, "link", "del", "group", Integer.toString(GROUP));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ns != null) {
            ns.close();
        }
        spaces.close();
        work.close();
    }
}
