package io.netkit.benchmarks.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs the yardstick processes ({@code ip}, {@code iptables}, {@code sh}) from inside a benchmark method.
 *
 * <p>Standard output goes to {@code /dev/null} unless asked for (the way {@code time ip ... >/dev/null} measures a
 * tool), standard error is collected so that a failing yardstick fails the benchmark with the tool's own message
 * instead of producing a fast, wrong number.
 */
public final class Proc {
    private Proc() {}

    /** Runs argv to completion, discarding stdout; throws with stderr if the exit code is not 0. */
    public static void run(String... argv) {
        exec(List.of(argv), null, false);
    }

    /** Runs argv with the given file as standard input, discarding stdout. */
    public static void runWithInput(Path stdin, String... argv) {
        exec(List.of(argv), stdin, false);
    }

    /** Runs argv and returns its standard output (for setup and checks, not inside timed code where avoidable). */
    public static String output(String... argv) {
        return exec(List.of(argv), null, true);
    }

    /** Runs argv, ignoring its exit code and output (cleanup of things that may already be gone). */
    public static void runIgnoringFailure(String... argv) {
        try {
            Process p = new ProcessBuilder(argv)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.waitFor();
        } catch (IOException e) {
            // the tool is missing: nothing to clean up with it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String exec(List<String> argv, Path stdin, boolean captureOut) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.redirectOutput(captureOut ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        try {
            Process p = pb.start();
            CompletableFuture<String> out = captureOut ? readAsync(p.getInputStream()) : null;
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            String stdout = out == null ? "" : out.join();
            if (rc != 0) {
                throw new IllegalStateException("yardstick failed (exit " + rc + "): " + String.join(" ", argv)
                        + (err.isBlank() ? "" : ": " + err.strip()));
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv, e);
        }
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** True when this process runs as root (the kernel benchmarks need CAP_NET_ADMIN and CAP_SYS_ADMIN). */
    public static boolean isRoot() {
        try {
            return output("id", "-u").strip().equals("0");
        } catch (RuntimeException e) {
            return false;
        }
    }
}
