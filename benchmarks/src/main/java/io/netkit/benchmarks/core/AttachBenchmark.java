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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Attach and detach of one container on a bridge network in a bench host namespace, one per iteration (the report
 * shows the median of 50, after 30 warm-up iterations): netkit-core's {@code attach}/{@code detach} vs the same steps
 * as {@code ip} commands run by one {@code sh} (see {@link IpSteps}).
 *
 * <p>Each operation is measured on its own: attaches accumulate (iteration k attaches the k-th container to a network
 * that has k-1), a detach is preceded by an untimed attach, and before every measured call the benchmark waits
 * 100 ms (untimed) so that deferred kernel work of the previous iteration — a namespace's cleanup after
 * {@code ip netns del}, netkit's bulk veth reaper after a detach — does not land in the next measurement. Detach is
 * measured as the caller sees it; the work netkit defers (deleting the veth pair in bulk) and the kernel's
 * asynchronous namespace cleanup happen after the call returns, for both contenders. The network is a plain bridge
 * network ({@code Network.bridge("nkbbr0").subnet("172.16.0.0/24")}, no masquerade: attach and detach never touch
 * iptables).
 *
 * <p>netkit is measured in two states. {@code netkitAttach} and {@code netkitDetach} first run {@value #WARM_CYCLES}
 * untimed attach/detach cycles (in the trial's setup) so that the JIT has compiled netkit's code, as it has in a
 * process that has been attaching containers for a while: JMH's usual steady state. {@code netkitAttachFirst} skips
 * them and so shows a process's first attaches (after the 30 warm-up iterations only), with much of netkit still
 * interpreted and the JIT compiling on the same two CPUs. The {@code ip} yardstick starts new processes every time,
 * so it has no such states.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 30)
@Measurement(iterations = 50)
@Fork(1)
@State(Scope.Benchmark)
public class AttachBenchmark {
    static final int SETTLE_MS = Integer.getInteger("nkb.settleMs", 100);
    static final int WARM_CYCLES = 1000;
    static final int BURST = 20;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    boolean ip;
    boolean attachMeasured;
    int iteration;
    String container;
    Path attachScript;
    Path detachScript;
    Host netkitHost;
    Network network;
    Endpoint endpoint;
    boolean burst;
    final List<Endpoint> bursted = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        ip = params.getBenchmark().contains(".ip");
        attachMeasured = !params.getBenchmark().endsWith("Detach");
        burst = params.getBenchmark().endsWith("Burst");
        if (ip) {
            Proc.run("sh", work.write("bridge.sh", sh(IpSteps.createBridge(host))).toString());
        } else {
            netkitHost = Host.namespace(host);
            network = Network.bridge(IpSteps.BRIDGE).on(netkitHost).subnet("172.16.0.0" + IpSteps.SUBNET_BITS).create();
            if (!params.getBenchmark().endsWith("First")) {
                warmUp();
            }
        }
    }

    /** Untimed attach/detach cycles; then a pause for the deferred work (bulk veth deletes, namespace cleanup). */
    private void warmUp() {
        for (int i = 0; i < WARM_CYCLES; i++) {
            network.detach(network.attach(spaces.name("w" + i)));
        }
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<String> sh(List<String> commands) {
        List<String> lines = new ArrayList<>();
        lines.add("set -e");
        lines.addAll(commands);
        return lines;
    }

    @Setup(Level.Iteration)
    public void prepare() throws InterruptedException {
        iteration++;
        if (burst) {
            // The previous burst's containers go (untimed); their deferred work settles in the pause below.
            for (Endpoint e : bursted) {
                network.detach(e);
            }
            bursted.clear();
        }
        container = spaces.name("c" + iteration);
        if (ip) {
            attachScript = work.write("attach.sh",
                    sh(IpSteps.attach(host, container, "nkbv" + iteration, 2 + iteration % 250)));
            detachScript = work.write("detach.sh", sh(IpSteps.detach(container)));
            if (!attachMeasured) {
                Proc.run("sh", attachScript.toString());
            }
        } else if (!attachMeasured) {
            endpoint = network.attach(container);
        }
        Thread.sleep(SETTLE_MS);
    }

    /** netkit: {@code network.attach(name)}: namespace, veth with eth0 inside, address, lo/eth0 up, default route. */
    @Benchmark
    public Endpoint netkitAttach() {
        endpoint = network.attach(container);
        return endpoint;
    }

    /**
     * {@value #BURST} attaches back to back (time per attach): no pause between them, so work netkit does in the
     * background after an attach (making the next container namespace ahead of time) competes with the next attach
     * for the CPUs and the kernel's rtnl lock, and its cost is counted here.
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public void netkitAttachBurst() {
        for (int i = 0; i < BURST; i++) {
            bursted.add(network.attach(container + "b" + i));
        }
    }

    /** The same as {@link #netkitAttach} in a process that has not attached containers before (no warm-up cycles). */
    @Benchmark
    public Endpoint netkitAttachFirst() {
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

    @TearDown(Level.Trial)
    public void tearDown() {
        if (network != null) {
            for (Endpoint e : bursted) {
                network.detach(e);
            }
            network.close();
        }
        if (netkitHost != null) {
            netkitHost.close();
        }
        spaces.close();
        work.close();
    }
}
