package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
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

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        if (params.getBenchmark().contains(".ip")) {
            Proc.run("sh", work.write("bridge.sh", sh(IpSteps.createBridge(host))).toString());
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
        }
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
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        spaces.close();
        work.close();
    }
}
