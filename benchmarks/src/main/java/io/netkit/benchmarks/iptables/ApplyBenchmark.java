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
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Applying 1000 filter rules (an owned chain {@code -s CIDR -p tcp --dport N -m comment -j ACCEPT}, hooked into
 * FORWARD) in a bench host namespace with netkit-iptables, whose processes are started inside the namespace by
 * {@code NetNamespace.start} (as netkit-core does), beside the tools:
 *
 * <ul>
 *   <li>first apply — the owner has nothing yet (removed untimed before each iteration): {@code netkitApplyNew1000}
 *       ({@code Iptables.applyNew}, what netkit-core uses for a new network: one optimistic restore),
 *       {@code netkitApply1000} ({@code apply} by the instance that removed them) and {@code netkitApplyFresh1000}
 *       ({@code apply} by a new instance, as a new process or an adopted network has), vs
 *       {@code restoreNew1000} (the payload {@code applyNew} sends) and {@code restoreNoflush1000}: {@code iptables-restore --noflush --wait}
 *       fed the payload netkit itself sent for that apply (captured from its runner, byte for byte) from a shell
 *       ({@code ip netns exec H sh -c '... < FILE'}), vs {@code iptablesAppend100}: one {@code iptables -A} per rule
 *       into the emptied chain (100 of the same rules from one shell in the namespace; ×10 in the report);</li>
 *   <li>re-apply — the rules are in place and netkit rewrites its chain whole: {@code netkitReapply1000} vs
 *       {@code restoreReapply1000} (the payload netkit sends for a re-apply, captured likewise).</li>
 * </ul>
 * {@code ipNetnsExecTrue} measures what entering the namespace and starting a shell costs the yardsticks. The
 * processes netkit starts are counted per apply ({@code processes} / {@code applies} in the JMH output).
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
    CommandRunner runner;
    Iptables iptables;
    Owner owner;
    OwnedRules rules;
    final AtomicLong started = new AtomicLong();
    volatile byte[] lastRestorePayload;
    String firstApplyShell;
    String newApplyShell;
    String reapplyShell;
    String perRuleScript;
    String flushCommand;

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
        runner = (argv, stdin) -> {
            started.incrementAndGet();
            if (argv.get(0).endsWith("-restore")) {
                lastRestorePayload = stdin;
            }
            return inNamespace.run(argv, stdin);
        };
        iptables = Iptables.create(runner);
        owner = Owner.of("nkb-bench");
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
        iptables.remove(owner);
        String first = capture(() -> iptables.apply(rules));   // into an empty state
        iptables.remove(owner);
        String fresh = capture(() -> iptables.applyNew(rules)); // into an empty state, as a new owner
        String again = capture(() -> iptables.apply(rules));   // rewrite of what is there
        String restore = String.join(" ", iptables.restoreCommand());
        firstApplyShell = restore + " < " + work.writeString("first.v4", first);
        newApplyShell = restore + " < " + work.writeString("new.v4", fresh);
        reapplyShell = restore + " < " + work.writeString("reapply.v4", again);

        List<String> script = new ArrayList<>();
        script.add("set -e");
        String tool = iptables.backend().command(iptables.family());
        for (String line : first.split("\n")) {
            if (line.startsWith("-A ") && script.size() <= PER_RULE) {
                script.add(tool + " -w -t filter " + line);
            }
        }
        perRuleScript = work.write("per-rule.sh", script).toString();
        flushCommand = tool + " -w -t filter -F " + chain;
    }

    private String capture(Runnable apply) {
        lastRestorePayload = null;
        apply.run();
        if (lastRestorePayload == null) {
            throw new IllegalStateException("netkit's apply ran no restore");
        }
        return new String(lastRestorePayload, StandardCharsets.UTF_8);
    }

    @Setup(Level.Iteration)
    public void prepare(BenchmarkParams params) {
        String b = params.getBenchmark();
        if (b.endsWith(".netkitApply1000") || b.endsWith("Fresh1000") || b.endsWith(".restoreNoflush1000")
                || b.endsWith("New1000")) {
            iptables.remove(owner);                      // nothing of the owner left: a first apply follows
        } else if (b.endsWith("Append100")) {
            iptables.apply(rules);
            Proc.run("ip", "netns", "exec", host, "sh", "-c", flushCommand);   // the owned chain, emptied
        } else {
            iptables.apply(rules);                       // in place: a re-apply follows
        }
    }

    /** netkit, first apply of a new owner: {@code Iptables.applyNew(rules)} (as netkit-core creates a network). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 15)
    public void netkitApplyNew1000(Processes p) {
        long before = started.get();
        iptables.applyNew(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** Yardstick for {@code applyNew}: its payload through {@code iptables-restore --noflush --wait} from a shell. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 15)
    public void restoreNew1000() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", newApplyShell);
    }

    /** netkit, first apply by the instance that removed the rules: {@code Iptables.apply(rules)}. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 15)
    public void netkitApply1000(Processes p) {
        long before = started.get();
        iptables.apply(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** netkit, first apply by a fresh {@code Iptables} (backend given, so no detection). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 15)
    public void netkitApplyFresh1000(Processes p) {
        long before = started.get();
        Iptables.builder().runner(runner).backend(iptables.backend()).build().apply(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** Yardstick for the first apply: {@code iptables-restore --noflush --wait < payload} from a shell. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 15)
    public void restoreNoflush1000() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", firstApplyShell);
    }

    /** Yardstick: 100 {@code iptables -A} calls from one shell in the namespace, into the emptied chain. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public void iptablesAppend100() {
        Proc.run("ip", "netns", "exec", host, "sh", perRuleScript);
    }

    /** netkit, re-apply: the rules are in place; the owned chain is rewritten whole. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void netkitReapply1000(Processes p) {
        long before = started.get();
        iptables.apply(rules);
        p.processes += started.get() - before;
        p.applies++;
    }

    /** Yardstick for the re-apply: the re-apply payload through {@code iptables-restore --noflush --wait}. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void restoreReapply1000() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", reapplyShell);
    }

    /** Baseline: what {@code ip netns exec H sh -c true} costs (included in every yardstick above). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 1)
    public void ipNetnsExecTrue() {
        Proc.run("ip", "netns", "exec", host, "sh", "-c", "true");
    }

    @org.openjdk.jmh.annotations.TearDown(Level.Trial)
    public void tearDown() {
        if (ns != null) {
            ns.close();
        }
        spaces.close();
        work.close();
    }
}
