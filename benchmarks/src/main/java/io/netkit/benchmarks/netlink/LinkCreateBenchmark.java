package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.LinkSpec;
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

/**
 * Create + set up 1000 veth pairs (both ends up) in a fresh "bench host" namespace: netkit one request at a time
 * ({@code create}, {@code setUp}, {@code setUp}; {@code create} also reads the new link back to return it), netkit
 * creating each pair up with one call ({@code LinkSpec.up().peerUp()}), netkit batched ({@code createAll}), {@code ip -batch} from a file, and one {@code ip} process per step (100 pairs, scaled ×10 in the
 * report). One operation = the whole set; each iteration starts from an empty namespace (the links are removed
 * between iterations with one group delete, untimed).
 *
 * <p>Per pair the work is the same for every contender: {@code ip link add A group 77 type veth peer name B},
 * {@code ip link set A up}, {@code ip link set B up}. Like {@code ip}, netkit's {@code setUp} looks the link up
 * ({@code RTM_GETLINK}) before it sets it up, so the kernel does the same work for both (see benchmarks/README.md,
 * "Per-op floor, like with like"). Three warm-up iterations (3000 pairs) get netkit's code compiled before the
 * measured ones; each iteration's group delete is followed by an untimed pause, so the kernel's deferred work of the
 * previous iteration does not land in the next one, for every contender alike. JMH runs the methods one after the
 * other; for a ratio under load, alternate whole runs (see the README's reproduce line).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(1)
@State(Scope.Benchmark)
public class LinkCreateBenchmark {
    static final int PAIRS = 1000;
    static final int PER_STEP_PAIRS = 100;
    static final int GROUP = 77;
    /** Untimed quiet after each iteration's group delete. */
    static final long PAUSE_MS = 300;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    Path batchFile;
    Path perStepScript;
    NetNamespace ns;
    Links links;
    List<LinkSpec> specs;
    List<LinkSpec> upSpecs;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            batch.add("link add " + a(i) + " group " + GROUP + " type veth peer name " + b(i));
            batch.add("link set " + a(i) + " up");
            batch.add("link set " + b(i) + " up");
        }
        batchFile = work.write("create.batch", batch);
        List<String> script = new ArrayList<>();
        script.add("set -e");
        for (int i = 0; i < PER_STEP_PAIRS; i++) {
            script.add("ip -n " + host + " link add " + a(i) + " group " + GROUP + " type veth peer name " + b(i));
            script.add("ip -n " + host + " link set " + a(i) + " up");
            script.add("ip -n " + host + " link set " + b(i) + " up");
        }
        perStepScript = work.write("create.sh", script);
        ns = NetNamespace.open(host);
        links = ns.netlink().links();
        specs = new ArrayList<>();
        upSpecs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            specs.add(LinkSpec.veth(a(i), b(i)).group(GROUP));
            upSpecs.add(LinkSpec.veth(a(i), b(i)).group(GROUP).up().peerUp());
        }
    }

    /** netkit, one request at a time: {@code create} (the new link echoed by the kernel), {@code setUp(a)}, {@code setUp(b)} per pair. */
    @Benchmark
    public void netkitOneByOne() {
        for (int i = 0; i < PAIRS; i++) {
            links.create(specs.get(i));
            links.setUp(a(i));
            links.setUp(b(i));
        }
    }

    /** netkit, one call per pair: {@code create(veth(a, b).up().peerUp())} (create-up, echoed, then peer-up by index). */
    @Benchmark
    public void netkitCreateUp() {
        for (int i = 0; i < PAIRS; i++) {
            links.create(upSpecs.get(i));
        }
    }

    /** netkit batched: {@code createAll} of the 1000 up-specs (all requests in one batch). */
    @Benchmark
    public void netkitBatched() {
        links.createAll(upSpecs);
    }

    static String a(int i) {
        return "nkba" + i;
    }

    static String b(int i) {
        return "nkbb" + i;
    }

    /** Yardstick: {@code ip -n HOST -batch FILE} with 3000 lines (one process, one request per line). */
    @Benchmark
    public void ipBatch() {
        Proc.run("ip", "-n", host, "-batch", batchFile.toString());
    }

    /** Yardstick: one {@code ip} process per step, run by one {@code sh}; 100 pairs (300 processes). */
    @Benchmark
    public void ipPerStep100() {
        Proc.run("sh", perStepScript.toString());
    }

    @TearDown(Level.Iteration)
    public void removeLinks() throws InterruptedException {
        Proc.runIgnoringFailure("ip", "-n", host, "link", "del", "group", Integer.toString(GROUP));
        Thread.sleep(PAUSE_MS);
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
