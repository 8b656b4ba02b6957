package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.core.Host;
import io.netkit.core.Network;
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
 * A bridge network's whole life in a bench host namespace: create it, attach 100 containers, tear it all down —
 * netkit-core vs the same steps as {@code ip} commands run by one {@code sh} (3 + 700 + 101 processes). netkit:
 * {@code Network.bridge("nkbbr0").on(host).subnet("172.16.0.0/24").create()}, 100 × {@code attach(name)},
 * {@code close()} (veth pairs deleted in bulk through their link group, namespaces deleted). No masquerade.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class NetworkBenchmark {
    static final int CONTAINERS = 100;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    int iteration;
    Path ipScript;
    Host netkitHost;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        netkitHost = Host.namespace(host);
    }

    @Setup(Level.Iteration)
    public void prepare() {
        iteration++;
        List<String> lines = new ArrayList<>();
        lines.add("set -e");
        lines.addAll(IpSteps.createBridge(host));
        for (int k = 0; k < CONTAINERS; k++) {
            lines.addAll(IpSteps.attach(host, container(k), "nkbv" + iteration + "-" + k, 2 + k));
        }
        for (int k = 0; k < CONTAINERS; k++) {
            lines.addAll(IpSteps.detach(container(k)));
        }
        lines.addAll(IpSteps.deleteBridge(host));
        ipScript = work.write("network.sh", lines);
    }

    String container(int k) {
        return spaces.name("n" + iteration + "-" + k);
    }

    /** netkit: create the network, attach 100 containers, close it. */
    @Benchmark
    public void netkit100() {
        try (Network net = Network.bridge(IpSteps.BRIDGE).on(netkitHost).subnet("172.16.0.0" + IpSteps.SUBNET_BITS)
                .create()) {
            for (int k = 0; k < CONTAINERS; k++) {
                net.attach(container(k));
            }
        }
    }

    /** Yardstick: bridge + 100 attaches + teardown as {@code ip} commands. */
    @Benchmark
    public void ip100() {
        Proc.run("sh", ipScript.toString());
    }

    @TearDown(Level.Iteration)
    public void sweep() {
        for (int k = 0; k < CONTAINERS; k++) {
            spaces.delete(container(k));
        }
        Proc.runIgnoringFailure("ip", "-n", host, "link", "del", IpSteps.BRIDGE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        netkitHost.close();
        spaces.close();
        work.close();
    }
}
