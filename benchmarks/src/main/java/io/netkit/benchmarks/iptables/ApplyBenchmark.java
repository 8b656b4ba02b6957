package io.netkit.benchmarks.iptables;

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
 * Applying 1000 filter rules in a bench host namespace: netkit-iptables vs {@code iptables-restore --noflush} fed
 * the same payload from a shell ({@code ip netns exec H sh -c 'iptables-restore --noflush < FILE'}) vs one
 * {@code iptables -A} per rule (100 rules from one shell inside the namespace, scaled ×10 in the report).
 * {@code ipNetnsExecTrue} measures what entering the namespace and starting a shell costs the two yardsticks.
 * Re-applying the payload rewrites the chain whole, so every apply after the first does the same work.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(1)
@State(Scope.Benchmark)
public class ApplyBenchmark {
    static final int RULES = 1000;
    static final int PER_RULE = 100;
    static final String CHAIN = "NETKIT-BENCH";

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    Path payload;
    Path perRuleScript;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < RULES; i++) {
            rules.add("-A " + CHAIN + " -s 10." + (i / 250) + "." + (i % 250) + ".0/24 -p tcp -m tcp --dport "
                    + (1000 + i) + " -m comment --comment \"netkit:bench\" -j ACCEPT");
        }
        List<String> text = new ArrayList<>();
        text.add("*filter");
        text.add(":" + CHAIN + " - [0:0]");
        text.addAll(rules);
        text.add("COMMIT");
        payload = work.write("rules.v4", text);
        List<String> script = new ArrayList<>();
        script.add("set -e");
        for (int i = 0; i < PER_RULE; i++) {
            script.add("iptables -w -t filter " + rules.get(i));
        }
        perRuleScript = work.write("per-rule.sh", script);
        Proc.run("ip", "netns", "exec", host, "iptables", "-w", "-t", "filter", "-N", CHAIN);
    }

    /** Yardstick: {@code iptables-restore --noflush < payload} from a shell in the namespace. */
    @Benchmark
    public void restoreNoflush1000() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", "iptables-restore --noflush < " + payload);
    }

    /** Yardstick: 100 {@code iptables -A} calls from one shell in the namespace. */
    @Benchmark
    public void iptablesAppend100() {
        Proc.run("ip", "netns", "exec", host, "sh", perRuleScript.toString());
    }

    /** Baseline: what {@code ip netns exec H sh -c true} costs (included in both yardsticks above). */
    @Benchmark
    public void ipNetnsExecTrue() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", "true");
    }

    @TearDown(Level.Iteration)
    public void flush(BenchmarkParams params) {
        if (params.getBenchmark().endsWith("Append100")) {
            Proc.run("ip", "netns", "exec", host, "iptables", "-w", "-t", "filter", "-F", CHAIN);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        spaces.close();
        work.close();
    }
}
