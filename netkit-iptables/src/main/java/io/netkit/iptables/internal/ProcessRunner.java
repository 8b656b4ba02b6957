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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link CommandRunner}: one process; stdin written and stdout/stderr drained on their own threads,
 * the whole run bounded by a timeout.
 */
public final class ProcessRunner implements CommandRunner {
    /**
     * Pipe I/O blocks, so it runs on dedicated daemon threads rather than the common fork-join pool (which may
     * have a single thread on a 2-CPU machine: draining stdout there before stderr could deadlock).
     */
    private static final ExecutorService IO = Executors.newCachedThreadPool(new java.util.concurrent.ThreadFactory() {
        private final AtomicInteger n = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "netkit-iptables-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    });

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
        Future<byte[]> out = IO.submit(() -> drain(p.getInputStream()));
        Future<byte[]> err = IO.submit(() -> drain(p.getErrorStream()));
        IO.submit(() -> {
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null && stdin.length > 0) in.write(stdin);
            } catch (IOException e) {
                // The tool may exit early (e.g. on a parse error) and close its stdin; its exit status tells why.
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(argv.get(0) + " did not finish within " + timeout.toMillis() + " ms; killed it");
            }
            long left = Math.max(1, deadline - System.nanoTime());
            return new Result(p.exitValue(), out.get(left, TimeUnit.NANOSECONDS), err.get(left, TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + argv.get(0));
        } catch (ExecutionException e) {
            throw new IOException("reading the output of " + argv.get(0) + " failed", e.getCause());
        } catch (TimeoutException e) {
            // The process exited but something it started still holds its pipes open.
            throw new IOException(argv.get(0) + " exited but its output stayed open past " + timeout.toMillis() + " ms", e);
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
