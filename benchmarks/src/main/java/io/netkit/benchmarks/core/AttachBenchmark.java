package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.core.Endpoint;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Attach and detach of one container on a bridge network in a bench host namespace, one per iteration (the report
 * shows the median of 50): netkit-core's {@code attach}/{@code detach} vs the same steps as {@code ip} commands
 * run by one {@code sh} (see {@link IpSteps}). Detach is measured as the caller sees it, after an untimed attach.
 * The network is a plain bridge network ({@code Network.bridge("nkbbr0").subnet("172.16.0.0/24")}, no masquerade:
 * attach and detach never touch iptables).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 30)
@Measurement(iterations = 50)
@Fork(1)
@State(Scope.Benchmark)
public class AttachBenchmark {
    BenchNamespaces spaces;
    WorkDir work;
    String host;
    boolean attachMeasured;
    int iteration;
    String container;
    Path attachScript;
    Path detachScript;
    Host netkitHost;
    Network network;
    Endpoint endpoint;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        if (params.getBenchmark().contains(".ip")) {
            Proc.run("sh", work.write("bridge.sh", sh(IpSteps.createBridge(host))).toString());
        } else {
            netkitHost = Host.namespace(host);
            network = Network.bridge(IpSteps.BRIDGE).on(netkitHost).subnet("172.16.0.0" + IpSteps.SUBNET_BITS).create();
        }
        attachMeasured = params.getBenchmark().endsWith("Attach");
    }

    static List<String> sh(List<String> commands) {
        List<String> lines = new ArrayList<>();
        lines.add("set -e");
        lines.addAll(commands);
        return lines;
    }

    @Setup(Level.Iteration)
    public void prepareIp(BenchmarkParams params) {
        iteration++;
        container = spaces.name("c" + iteration);
        if (params.getBenchmark().contains(".ip")) {
            attachScript = work.write("attach.sh",
                    sh(IpSteps.attach(host, container, "nkbv" + iteration, 2 + iteration % 250)));
            detachScript = work.write("detach.sh", sh(IpSteps.detach(container)));
            if (!attachMeasured) {
                Proc.run("sh", attachScript.toString());
            }
        } else if (!attachMeasured) {
            endpoint = network.attach(container);
        }
    }

    /** netkit: {@code network.attach(name)}: namespace, veth with eth0 inside, address, lo/eth0 up, default route. */
    @Benchmark
    public Endpoint netkitAttach() {
        endpoint = network.attach(container);
        return endpoint;
    }

    /** netkit: {@code network.detach(endpoint)} as the caller sees it (veth deletion is deferred to a bulk reaper). */
    @Benchmark
    public void netkitDetach() {
        network.detach(endpoint);
    }

    /** Yardstick: the 7 attach steps as {@code ip} processes. */
    @Benchmark
    public void ipAttach() {
        Proc.run("sh", attachScript.toString());
    }

    /** Yardstick: {@code ip netns del C} (the veth pair goes with the namespace). */
    @Benchmark
    public void ipDetach() {
        Proc.run("sh", detachScript.toString());
    }

    @TearDown(Level.Iteration)
    public void cleanIteration(BenchmarkParams params) {
        if (params.getBenchmark().contains(".ip") && attachMeasured) {
            spaces.delete(container);
        } else if (attachMeasured && endpoint != null) {
            network.detach(endpoint);
        }
        endpoint = null;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (network != null) {
            network.close();
        }
        if (netkitHost != null) {
            netkitHost.close();
        }
        spaces.close();
        work.close();
    }
}
