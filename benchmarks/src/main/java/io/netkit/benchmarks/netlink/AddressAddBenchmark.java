package io.netkit.benchmarks.netlink;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.Addresses;
import io.netkit.netlink.IpPrefix;
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
 * Add 1000 IPv4 addresses (each its own /24, with its broadcast address, like a gateway per subnet) to one link:
 * netkit one request at a time vs {@code ip -batch} vs one {@code ip addr add} process each (100, scaled ×10).
 * The addresses are flushed between iterations, untimed.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 7)
@Fork(1)
@State(Scope.Benchmark)
public class AddressAddBenchmark {
    static final int ADDRESSES = 1000;
    static final int PER_STEP = 100;
    static final String LINK = "nkba0";

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    Path batchFile;
    Path perStepScript;
    NetNamespace ns;
    Addresses addresses;
    IpPrefix[] prefixes;

    /** 10.100.0.1/24, 10.100.1.1/24, ... 10.103.231.1/24. */
    static String address(int i) {
        return "10." + (100 + i / 256) + "." + (i % 256) + ".1/24";
    }

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        Proc.run("ip", "-n", host, "link", "add", LINK, "type", "veth", "peer", "name", "nkbb0");
        List<String> batch = new ArrayList<>();
        List<String> script = new ArrayList<>();
        script.add("set -e");
        for (int i = 0; i < ADDRESSES; i++) {
            batch.add("addr add " + address(i) + " brd + dev " + LINK);
            if (i < PER_STEP) {
                script.add("ip -n " + host + " addr add " + address(i) + " brd + dev " + LINK);
            }
        }
        batchFile = work.write("addr.batch", batch);
        perStepScript = work.write("addr.sh", script);
        ns = NetNamespace.open(host);
        addresses = ns.netlink().addresses();
        prefixes = new IpPrefix[ADDRESSES];
        for (int i = 0; i < ADDRESSES; i++) {
            prefixes[i] = IpPrefix.parse(address(i));
        }
    }

    /** netkit: {@code addresses().add(LINK, prefix)} 1000 times (each looks the link up, then adds with broadcast). */
    @Benchmark
    public void netkitOneByOne() {
        for (IpPrefix p : prefixes) {
            addresses.add(LINK, p);
        }
    }

    /** Yardstick: {@code ip -n HOST -batch FILE} with 1000 {@code addr add} lines. */
    @Benchmark
    public void ipBatch() {
        Proc.run("ip", "-n", host, "-batch", batchFile.toString());
    }

    /** Yardstick: one {@code ip addr add} process per address, run by one {@code sh}; 100 addresses. */
    @Benchmark
    public void ipPerStep100() {
        Proc.run("sh", perStepScript.toString());
    }

    @TearDown(Level.Iteration)
    public void flush() {
        Proc.runIgnoringFailure("ip", "-n", host, "addr", "flush", "dev", LINK);
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
