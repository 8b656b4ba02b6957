package io.netkit.examples;

import java.io.PrintStream;
import java.util.Objects;

/**
 * Tells what an example does while it does it: each step as one line of plain English with its
 * {@code ip}/{@code iptables} equivalent, then what came of it; and records what was verified.
 *
 * <pre>
 * [3] Attach container c1: its namespace, a veth pair with eth0 inside, the next free address, a default route
 *     $ ip netns add netkit-demo-c1
 *     $ ip link add veth... type veth peer name eth0 netns netkit-demo-c1; ip link set veth... master br0 up
 *     -> netkit-demo-c1 eth0 172.16.0.2/24, default via 172.16.0.1
 * </pre>
 */
public final class Narrator {

    /**
     * Milliseconds to pause after each step's result (system property {@code netkit.demo.stepPauseMs}, default 0):
     * to follow a run on a projector, and for the test that interrupts a run midway.
     */
    static final long STEP_PAUSE_MS = Long.getLong("netkit.demo.stepPauseMs", 0);

    private final PrintStream out;
    private final DemoResult.Builder result;
    private int step;

    Narrator(PrintStream out, DemoResult.Builder result) {
        this.out = Objects.requireNonNull(out, "out == null");
        this.result = Objects.requireNonNull(result, "result == null");
    }

    /** A heading line. */
    public void title(String text) {
        out.println(text);
    }

    /** A new step: what it does in plain English, then the shell commands that would do the same. */
    public void step(String what, String... shellEquivalent) {
        Interruption.check();   // a signal asked the run to stop: unwind here, between steps, not inside one
        out.println();
        out.printf("[%d] %s%n", ++step, what);
        for (String cmd : shellEquivalent) {
            out.println("    $ " + cmd);
        }
        out.flush();
    }

    /** What came of the current step. */
    public void result(String text) {
        for (String line : text.split("\n", -1)) {
            out.println("    -> " + line);
        }
        out.flush();
        if (STEP_PAUSE_MS > 0) {
            Interruption.pause(STEP_PAUSE_MS);
        }
    }

    /** Several lines of output (a command's, a rule set), indented under the current step. */
    public void output(String text) {
        for (String line : text.strip().split("\n")) {
            out.println("       " + line);
        }
        out.flush();
    }

    /** A remark that is neither a command nor a result. */
    public void note(String text) {
        out.println("    " + text);
    }

    /** Records a claim and whether it held; prints it; returns {@code passed}. */
    public boolean verify(String claim, boolean passed, String detail) {
        result.check(new DemoResult.Check(claim, passed, detail));
        out.println((passed ? "    ok      " : "    FAILED  ") + claim + (detail == null || detail.isEmpty() ? "" : "  (" + detail + ")"));
        out.flush();
        return passed;
    }

    /** Records something observed, for the summary and for tests. */
    public void fact(String key, String value) {
        result.fact(key, value);
    }

    /** Records a namespace the example made, so a failure or {@code --keep} can name it. */
    public void madeNamespace(String name) {
        result.namespace(name);
    }

    /** The number of the current step (0 before the first). */
    public int currentStep() {
        return step;
    }

    PrintStream out() {
        return out;
    }
}
