package io.netkit.benchmarks.iptables;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.Iptables;
import io.netkit.iptables.OwnedRules;
import io.netkit.iptables.Owner;
import io.netkit.iptables.Protocol;
import io.netkit.iptables.Rule;
import io.netkit.iptables.Table;
import io.netkit.iptables.Target;
import io.netkit.netlink.NetNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Applying 1000 filter rules (an owned chain hooked into FORWARD) in a bench host namespace: netkit-iptables'
 * {@code Iptables.apply} (its processes started inside the namespace by {@code NetNamespace.start}, as netkit-core
 * does) — re-applied by the same instance ({@code netkitApply1000}: it remembers what it applied and sends one
 * restore) and by a fresh instance each time ({@code netkitApplyFresh1000}: reads the state with
 * {@code iptables-save} first, as a new process or an adopted network does) — vs
 * {@code iptables-restore --noflush --wait} fed the payload netkit itself sends (captured from its runner, byte for
 * byte) from a shell ({@code ip netns exec H sh -c 'iptables-nft-restore --noflush --wait < FILE'}) vs one
 * {@code iptables -A} per rule (100 of the same rules from one shell inside the namespace, ×10 in the report).
 * {@code ipNetnsExecTrue} measures what entering the namespace and starting a shell costs the two yardsticks.
 * Re-applying rewrites the chain whole, so every apply after the first does the same work. The processes netkit
 * starts per apply are counted ({@code processes} in the JMH output).
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Benchmark)
public class ApplyBenchmark {
    static final int RULES = 1000;
    static final int PER_RULE = 100;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    NetNamespace ns;
    Iptables iptables;
    OwnedRules rules;
    final AtomicLong started = new AtomicLong();
    Path payload;
    Path perRuleScript;
    String flushCommand;
    volatile byte[] lastRestorePayload;

    /** Processes netkit started and applies done, per iteration (the report divides one by the other). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Processes {
        public long processes;
        public long applies;
    }

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        ns = NetNamespace.open(host);
        CommandRunner inNamespace = CommandRunner.starting(pb -> ns.start(pb));
        CommandRunner counting = (argv, stdin) -> {
            started.incrementAndGet();
            if (argv.get(0).endsWith("-restore")) {
                lastRestorePayload = stdin;
            }
            return inNamespace.run(argv, stdin);
        };
        this.runner = counting;
        iptables = Iptables.create(counting);
        Owner owner = Owner.of("nkb-bench");
        String chain = owner.chain("BENCH");
        OwnedRules.Builder b = OwnedRules.builder(owner);
        for (int i = 0; i < RULES; i++) {
            b.rule(Table.FILTER, Rule.builder(chain)
                    .source("10." + (i / 250) + "." + (i % 250) + ".0/24")
                    .protocol(Protocol.TCP).destinationPort(1000 + i)
                    .target(Target.ACCEPT).build());
        }
        b.hook(Table.FILTER, "FORWARD", chain);
        rules = b.build();
        iptables.apply(rules);
        // What every further apply sends (chain declared = flushed, 1000 rules; the hook is already there):
        lastRestorePayload = null;
        iptables.apply(rules);
        if (lastRestorePayload == null) {
            throw new IllegalStateException("netkit's re-apply ran no restore");
        }
        String text = new String(lastRestorePayload, java.nio.charset.StandardCharsets.UTF_8);
        String plan = iptables.plan(rules);
        if (!text.equals(plan)) {
            String[] x = text.split("\n");
            String[] y = plan.split("\n");
            int i = 0;
            while (i < Math.min(x.length, y.length) && x[i].equals(y[i])) {
                i++;
            }
            System.out.println("note: netkit's re-apply payload (" + x.length + " lines) differs from Iptables.plan ("
                    + y.length + " lines) at line " + (i + 1) + ": \"" + (i < x.length ? x[i] : "") + "\" vs \""
                    + (i < y.length ? y[i] : "") + "\"; the yardstick is fed the re-apply payload");
        }
        payload = work.writeString("rules.v4", text);
        String restore = String.join(" ", iptables.restoreCommand());
        List<String> script = new ArrayList<>();
        script.add("set -e");
        String tool = iptables.backend().command(iptables.family());
        for (String line : text.split("\n")) {
            if (line.startsWith("-A ") && script.size() <= PER_RULE) {
                script.add(tool + " -w -t filter " + line);
            }
        }
        perRuleScript = work.write("per-rule.sh", script);
        flushCommand = tool + " -w -t filter -F " + chain;
        restoreShell = restore + " < " + payload;
    }

    String restoreShell;
    CommandRunner runner;

    /** netkit: {@code Iptables.apply(rules)} with 1000 rules. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void netkitApply1000(Processes p) {
        long before = started.get();
        iptables.apply(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** netkit: a fresh {@code Iptables} (backend given, so no detection) applying the 1000 rules. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void netkitApplyFresh1000(Processes p) {
        long before = started.get();
        Iptables.builder().runner(runner).backend(iptables.backend()).build().apply(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** Yardstick: {@code iptables-restore --noflush --wait < payload} from a shell in the namespace. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void restoreNoflush1000() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", restoreShell);
    }

    /** Baseline: what {@code ip netns exec H sh -c true} costs (included in both yardsticks). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public void ipNetnsExecTrue() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", "true");
    }

    /** Yardstick: 100 {@code iptables -A} calls from one shell in the namespace (into the emptied chain). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public void iptablesAppend100() {
        Proc.run("ip", "netns", "exec", host, "sh", perRuleScript.toString());
    }

    @Setup(Level.Iteration)
    public void emptyChain(BenchmarkParams params) {
        if (params.getBenchmark().endsWith("Append100")) {
            Proc.run("ip", "netns", "exec", host, "sh", "-c", flushCommand);
        }
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
