package io.netkit.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a witness command (e.g. {@code ip -j link}) and returns its output. For tests only. */
public final class Cmd {
    private Cmd() {}

    /** The outcome of a command. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs {@code argv} and returns stdout; throws {@link AssertionError} with stderr on a non-zero exit. */
    public static String run(String... argv) {
        Result r = result(argv);
        if (r.exitCode != 0) {
            throw new AssertionError("command failed (exit " + r.exitCode + "): " + String.join(" ", argv)
                    + "\nstderr: " + r.stderr.strip() + "\nstdout: " + r.stdout.strip());
        }
        return r.stdout;
    }

    /** Runs {@code argv} and returns exit code, stdout and stderr; waits at most 60 s. */
    public static Result result(String... argv) {
        ProcessBuilder pb = new ProcessBuilder(List.of(argv));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // Drain both streams concurrently so a chatty command cannot block on a full pipe.
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
            String out = drain(p.getInputStream());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("command timed out: " + String.join(" ", argv));
            }
            return new Result(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", argv), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", argv), e);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            in.transferTo(bos);
            return bos.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
