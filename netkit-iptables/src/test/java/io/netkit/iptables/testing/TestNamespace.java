package io.netkit.iptables.testing;

import io.netkit.iptables.CommandRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace made for one test with {@code ip netns add nkt-<random>-ipt} and deleted by
 * {@link #close()} (use try-with-resources, so it goes also on failure). {@link #runner()} runs tools inside it
 * through {@code ip netns exec NAME}.
 */
public final class TestNamespace implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private boolean closed;

    private TestNamespace(String name) {
        this.name = name;
    }

    /** Creates {@code nkt-<6 random hex>-<role>}. */
    public static TestNamespace create(String role) {
        String name = String.format("nkt-%06x-%s", RANDOM.nextInt(1 << 24), role);
        run(List.of("ip", "netns", "add", name));
        return new TestNamespace(name);
    }

    public String name() {
        return name;
    }

    /** A runner that prefixes {@code ip netns exec NAME}. */
    public CommandRunner runner() {
        return CommandRunner.starting(pb -> {
            List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", name));
            argv.addAll(pb.command());
            return pb.command(argv).start();
        });
    }

    /** Runs {@code argv} inside the namespace; returns stdout, throws with stderr on a non-zero exit. */
    public String exec(String... argv) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(argv));
        return run(full);
    }

    /** Runs {@code argv} in the namespace with {@code stdin}; returns stdout, throws with stderr on failure. */
    public String execWithInput(String stdin, String... argv) {
        try {
            List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
            full.addAll(List.of(argv));
            CommandRunner.Result r = CommandRunner.local().run(full, stdin.getBytes(StandardCharsets.UTF_8));
            if (r.exitCode() != 0) throw new IllegalStateException(full + " failed: " + r.stderrText());
            return r.stdoutText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command on the machine (e.g. {@code ip netns add}); returns stdout. */
    public static String run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(argv + " failed: " + new String(err, StandardCharsets.UTF_8));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(argv + " could not run", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the namespace (idempotent). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        run(List.of("ip", "netns", "del", name));
    }
}
