package io.netkit.iptables.internal;

import io.netkit.iptables.CommandRunner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The default {@link CommandRunner}: one process, stdin written and stdout/stderr drained concurrently. */
public final class ProcessRunner implements CommandRunner {
    private final ProcessStarter starter;
    private final Duration timeout;

    public ProcessRunner(ProcessStarter starter, Duration timeout) {
        this.starter = starter;
        this.timeout = timeout;
    }

    @Override
    public Result run(List<String> argv, byte[] stdin) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        // A predictable C locale keeps the tools' messages parseable ("line N failed").
        pb.environment().put("LC_ALL", "C");
        Process p = starter.start(pb);
        // Drain both pipes on other threads: a tool that fills one pipe while we write stdin would deadlock.
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null && stdin.length > 0) in.write(stdin);
        } catch (IOException e) {
            // The tool may exit early (e.g. on a parse error) and close its stdin; its exit status tells why.
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(argv.get(0) + " did not finish within " + timeout.toSeconds() + " s; killed it");
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + argv.get(0));
        } catch (ExecutionException e) {
            throw new IOException("reading the output of " + argv.get(0) + " failed", e.getCause());
        }
    }

    private static byte[] drain(InputStream s) {
        try (s) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            s.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
