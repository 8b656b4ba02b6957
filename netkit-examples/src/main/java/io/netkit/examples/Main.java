package io.netkit.examples;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's command line: {@code java -jar netkit-examples.jar [veth|bridge|nat] [--keep|--cleanup] [--help]}.
 * Everything it does happens in a sandbox of network namespaces of its own.
 */
public final class Main {

    /** Everything claimed was verified (or --help, or --cleanup done). */
    public static final int EXIT_OK = 0;
    /** A step failed or a claim did not hold. */
    public static final int EXIT_FAILED = 1;
    /** The command line made no sense. */
    public static final int EXIT_USAGE = 2;
    /** The demo cannot run here: privileges, a missing tool, a sandbox left over from an earlier run. */
    public static final int EXIT_ENVIRONMENT = 3;

    static final String DEFAULT_JAR = "netkit-examples/target/netkit-examples.jar";

    private Main() {}

    public static void main(String[] args) {
        // Interrupted with Ctrl-C: remove the sandbox of the run in progress (unless --keep asked to leave it).
        // The example's thread keeps running while the hook does: ask it to stop at its next step and let it remove
        // what it made (a removal racing it could be followed by a lock file or namespace it makes next), then
        // remove whatever is still there.
        Thread hook = new Thread(() -> {
            Options running = RUNNING;
            if (running != null && !running.keep()) {
                Interruption.request();
                awaitRunEnd(STOP_WAIT_MS);
                try {
                    Sandboxes.removeLeftovers(new SandboxNames(running.prefix()));
                } catch (RuntimeException ignored) {
                    // the next run's preflight finds what is left and says how to remove it
                }
            }
        }, "netkit-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        int status = run(args, System.out, System.err, Preflight.system());
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C arrived as the run ended: the hook is already removing what is left
        }
        System.exit(status);
    }

    /** The options of the example running now in this process, for the Ctrl-C cleanup; guarded by Main.class. */
    private static volatile Options RUNNING;

    /** How long a signal's cleanup waits for the example to unwind (a step stuck in the kernel must not hang exit). */
    private static final long STOP_WAIT_MS = 10_000;

    private static void awaitRunEnd(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        synchronized (Main.class) {
            long left;
            while (RUNNING != null && (left = end - System.nanoTime()) > 0) {
                try {
                    Main.class.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void runEnded() {
        synchronized (Main.class) {
            RUNNING = null;
            Main.class.notifyAll();
        }
    }

    /** Runs the command line {@code args}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, Preflight preflight) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            err.println("netkit-examples: " + e.getMessage());
            err.println("Try: " + command() + " --help");
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(help());
            out.flush();
            return EXIT_OK;
        }
        List<String> problems = preflight.problems(options);
        if (!problems.isEmpty()) {
            for (String p : problems) {
                err.println("netkit-examples: " + p);
            }
            return EXIT_ENVIRONMENT;
        }
        SandboxNames names = new SandboxNames(options.prefix());
        if (options.cleanup()) {
            return cleanup(names, preflight, out, err);
        }
        DemoResult result = runExample(options, out);
        printSummary(result, names, out);
        return result.passed() ? EXIT_OK : EXIT_FAILED;
    }

    /**
     * Runs one example in the sandbox {@code options.prefix()} names, printing each step to {@code out}, and
     * returns what it verified. Does no preflight: the caller knows the process may create namespaces.
     * Unless {@code options.keep()}, nothing of the sandbox remains afterwards, also when a step failed.
     */
    public static DemoResult runExample(Options options, PrintStream out) {
        return runExample(options, out, options.ipv6() ? NatExample::runIpv6 : walkthrough(options.example()));
    }

    static DemoResult runExample(Options options, PrintStream out, Walkthrough walkthrough) {
        SandboxNames names = new SandboxNames(options.prefix());
        DemoResult.Builder result = new DemoResult.Builder(options.example());
        result.kept(options.keep());
        Narrator say = new Narrator(out, result);
        say.title("netkit " + options.example().id() + " example: " + options.example().title());
        say.title("Sandbox: namespaces named " + names.prefix() + "-*; the machine's own network is not touched.");
        Throwable failure = null;
        RUNNING = options;
        try {
            walkthrough.run(say, names, options.keep());
        } catch (Throwable t) {
            failure = t;
            out.println();
            out.println((t instanceof Interruption.Stopped ? "STOPPED after step " : "FAILED in step ")
                    + say.currentStep() + ": " + describe(t));
            out.flush();
            if (t instanceof Error && !(t instanceof AssertionError)) throw (Error) t;
        } finally {
            if (!options.keep()) {
                // The example removes what it made; this catches what a failure midway may have left.
                try {
                    Sandboxes.removeLeftovers(names);
                } catch (RuntimeException e) {
                    out.println("Could not remove the sandbox: " + describe(e));
                    out.println("Remove it with: " + command() + Preflight.cleanupArgs(names));
                    if (failure == null) failure = e;
                }
            }
            runEnded();
        }
        return result.build(failure);
    }

    static Walkthrough walkthrough(Example example) {
        return switch (example) {
            case VETH -> VethExample::run;
            case BRIDGE -> BridgeExample::run;
            case NAT -> NatExample::run;
            case OVERLAY -> OverlayExample::run;
        };
    }

    private static int cleanup(SandboxNames names, Preflight preflight, PrintStream out, PrintStream err) {
        List<String> present = preflight.leftovers(names);
        if (present.isEmpty()) {
            out.println("Nothing to clean up: no namespace named " + names.prefix() + "-* exists.");
            return EXIT_OK;
        }
        out.println("Removing what an earlier run left (its networks first, then its namespaces):");
        out.println("    $ " + SandboxNames.removalCommands(present));
        try {
            Sandboxes.removeLeftovers(names);
        } catch (RuntimeException e) {
            err.println("netkit-examples: could not remove the sandbox: " + describe(e));
            return EXIT_FAILED;
        }
        List<String> still = preflight.leftovers(names);
        if (!still.isEmpty()) {
            err.println("netkit-examples: still there after removal: " + String.join(", ", still));
            return EXIT_FAILED;
        }
        out.println("    -> removed " + String.join(", ", present)
                + " (with them every link, address, route and firewall rule inside)");
        return EXIT_OK;
    }

    private static void printSummary(DemoResult result, SandboxNames names, PrintStream out) {
        out.println();
        long passed = result.checks().stream().filter(DemoResult.Check::passed).count();
        if (result.passed()) {
            out.println("Summary: " + result.example().id() + " - all " + passed + " claims verified:");
        } else {
            out.println("Summary: " + result.example().id() + " - FAILED (" + passed + " of " + result.checks().size()
                    + " claims verified" + result.failure().map(t -> "; stopped by: " + describe(t)).orElse("") + "):");
        }
        for (DemoResult.Check c : result.checks()) {
            out.println((c.passed() ? "  ok      " : "  FAILED  ") + c.claim());
        }
        if (result.kept()) {
            List<String> kept = Preflight.system().leftovers(names);
            out.println();
            out.println("The sandbox is still there (--keep): " + String.join(", ", kept));
            out.println("Look at it:");
            out.println("  ip netns list");
            for (String ns : kept) {
                out.println("  ip -n " + ns + " -br addr; ip -n " + ns + " route");
            }
            for (String ns : kept) {
                if (ns.endsWith("-host")) out.println("  ip -n " + ns + " -d link show br0; ip netns exec " + ns + " nft list table inet netkit   (iptables-save"
                        + " where the iptables backend holds the rules)");
            }
            out.println("Remove it:");
            out.println("  " + command() + Preflight.cleanupArgs(names));
        }
        out.flush();
    }

    static String describe(Throwable t) {
        String msg = t.getMessage();
        String text = msg == null ? t.getClass().getSimpleName() : msg;
        Throwable cause = t.getCause();
        if (cause != null && cause.getMessage() != null && !text.contains(cause.getMessage())) {
            text += " (" + cause.getMessage() + ")";
        }
        return text;
    }

    /** How to start this program again: {@code java -jar <the jar this runs from>}. */
    static String command() {
        String jar = DEFAULT_JAR;
        try {
            Path location = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (location.toString().endsWith(".jar")) {
                Path cwd = Path.of("").toAbsolutePath();
                jar = location.startsWith(cwd) ? cwd.relativize(location).toString() : location.toString();
            }
        } catch (Exception | Error ignored) {
            // no code source (tests, custom class loaders): the path the README uses
        }
        return "java -jar " + jar;
    }

    static String help() {
        StringBuilder examples = new StringBuilder();
        for (Example e : Example.values()) {
            examples.append(String.format("  %-8s %s%n", e.id(), e.summary()));
        }
        return """
                netkit examples: the container-networking walkthrough, run by netkit in a sandbox.

                Usage: %1$s [veth|bridge|nat [--ipv6]] [--keep | --cleanup] [--prefix NAME]

                Examples:
                %2$s
                Options:
                  --keep          leave the sandbox in place afterwards, to look at it with `ip netns list`
                  --cleanup       remove a sandbox left by --keep (or by an interrupted run), then exit
                  --prefix NAME   name prefix of the sandbox's namespaces (default: %3$s)
                  --ipv6          nat only: dual stack, the containers also reach the internet's
                                  2001:db8::1 over IPv6 through NAT66 (seen as 2001:db8::2)
                  -h, --help      show this text

                Each step prints what it does, the ip/iptables commands that would do the same, and the result;
                the summary lists what was verified with real traffic.

                Sandbox only: the "host" is a network namespace of its own (%3$s-xxxxxx-host), the "internet"
                another (%3$s-xxxxxx-inet, 203.0.113.0/24), each container one more (%3$s-xxxxxx-c1, ...).
                The machine's own network is never changed and no packet leaves the machine.

                Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN). Firewall rules go native (nftables, in-process)
                by default; with -Dnetkit.firewall=iptables nat needs iptables-restore (Debian package: iptables).

                Exit status: 0 everything verified, 1 a step or a check failed, 2 bad command line,
                3 cannot run here (privileges, missing iptables, a sandbox left from an earlier run).
                """.formatted(command(), examples, Options.DEFAULT_PREFIX);
    }
}
