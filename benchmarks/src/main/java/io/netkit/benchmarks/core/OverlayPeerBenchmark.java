package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.core.Host;
import io.netkit.core.Overlay;
import io.netkit.core.OverlayPeer;
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
 * The cost per remote host of programming a VXLAN overlay's data plane (flannel's three entries: neighbour, FDB,
 * onlink route), for 100 remote hosts: netkit's {@code Overlay.addPeer} (idempotent: it reads the device's neighbour
 * and FDB tables first, then makes the three changes) vs the same three commands per host as {@code ip}/{@code bridge}
 * processes from one {@code sh}, and vs {@code ip -batch} + {@code bridge -batch}. The yardsticks program a second
 * vxlan device of their own; every iteration starts from a device without peers (cleared untimed).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 7)
@Fork(1)
@State(Scope.Benchmark)
public class OverlayPeerBenchmark {
    static final int PEERS = 100;
    static final String YARD = "nkbvx1";

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    Host netkitHost;
    Overlay overlay;
    List<OverlayPeer> peers = new ArrayList<>();
    Path perStep;
    Path ipBatch;
    Path bridgeBatch;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        Proc.run("ip", "-n", host, "link", "add", "nkbul0", "type", "veth", "peer", "name", "nkbul1");
        Proc.run("ip", "-n", host, "addr", "add", "192.168.50.1/24", "dev", "nkbul0");
        Proc.run("ip", "-n", host, "link", "set", "nkbul0", "up");
        Proc.run("ip", "-n", host, "link", "set", "nkbul1", "up");
        netkitHost = Host.namespace(host);
        overlay = Overlay.vxlan("nkbvx0").on(netkitHost).vni(1).underlay("192.168.50.1").cidr("10.244.0.0/16")
                .subnet("10.244.0.0/24").bridge("nkbov0").create();
        Proc.run("ip", "-n", host, "link", "add", YARD, "type", "vxlan", "id", "2", "local", "192.168.50.1", "dev", "nkbul0",
                "dstport", "4790", "nolearning");
        Proc.run("ip", "-n", host, "link", "set", YARD, "up");
        List<String> script = new ArrayList<>();
        List<String> ip = new ArrayList<>();
        List<String> bridge = new ArrayList<>();
        script.add("set -e");
        for (int i = 1; i <= PEERS; i++) {
            String mac = String.format("02:00:00:00:%02x:%02x", i >> 8, i & 0xff);
            String underlay = "192.168.51." + i;
            peers.add(OverlayPeer.of("10.244." + i + ".0/24", underlay, mac));
            String vtep = "10.246." + i + ".0";
            script.add("ip -n " + host + " neigh replace " + vtep + " lladdr " + mac + " dev " + YARD + " nud permanent");
            script.add("bridge -n " + host + " fdb append " + mac + " dev " + YARD + " dst " + underlay + " self permanent");
            script.add("ip -n " + host + " route replace " + vtep + "/24 via " + vtep + " dev " + YARD + " onlink");
            ip.add("neigh replace " + vtep + " lladdr " + mac + " dev " + YARD + " nud permanent");
            ip.add("route replace " + vtep + "/24 via " + vtep + " dev " + YARD + " onlink");
            bridge.add("fdb append " + mac + " dev " + YARD + " dst " + underlay + " self permanent");
        }
        perStep = work.write("overlay.sh", script);
        ipBatch = work.write("overlay.ip", ip);
        bridgeBatch = work.write("overlay.bridge", bridge);
    }

    /** netkit: {@code overlay.addPeer(peer)} for 100 remote hosts. */
    @Benchmark
    public void netkitAddPeer100() {
        for (OverlayPeer p : peers) {
            overlay.addPeer(p);
        }
    }

    /** Yardstick: 300 processes ({@code ip neigh replace}, {@code bridge fdb append}, {@code ip route replace} per host) from one sh. */
    @Benchmark
    public void ipPerStep100() {
        Proc.run("sh", perStep.toString());
    }

    /** Yardstick: {@code ip -batch} (neighbours and routes) + {@code bridge -batch} (FDB), 2 processes. */
    @Benchmark
    public void ipBatch100() {
        Proc.run("ip", "-n", host, "-batch", ipBatch.toString());
        Proc.run("bridge", "-n", host, "-batch", bridgeBatch.toString());
    }

    @TearDown(Level.Iteration)
    public void clear() {
        overlay.sync(List.of());
        // A fresh device drops the yardstick's neighbours, FDB entries and routes at once.
        Proc.runIgnoringFailure("ip", "-n", host, "link", "del", YARD);
        Proc.run("ip", "-n", host, "link", "add", YARD, "type", "vxlan", "id", "2", "local", "192.168.50.1", "dev", "nkbul0",
                "dstport", "4790", "nolearning");
        Proc.run("ip", "-n", host, "link", "set", YARD, "up");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (overlay != null) {
            overlay.close();
        }
        if (netkitHost != null) {
            netkitHost.close();
        }
        spaces.close();
        work.close();
    }
}
