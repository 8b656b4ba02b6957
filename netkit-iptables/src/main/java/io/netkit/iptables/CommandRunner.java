package io.netkit.iptables;

import io.netkit.iptables.internal.ProcessRunner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Starts the iptables tools on behalf of {@link Iptables}. netkit-iptables never chooses a namespace itself:
 * the runner decides where a process runs. {@link #local()} runs in the current process's network namespace;
 * netkit-core passes {@code CommandRunner.starting(namespace::start)} so the tools run inside a given network
 * namespace (like {@code ip netns exec NAME iptables-restore ...}).
 *
 * <p>Implementations must run {@code argv} without a shell, feed {@code stdin} to the process, close its
 * stdin, and collect stdout and stderr completely.
 */
@FunctionalInterface
public interface CommandRunner {

    /**
     * Runs {@code argv} to completion.
     *
     * @param argv  program and arguments, e.g. {@code [iptables-nft-restore, --noflush, --wait]}
     * @param stdin bytes written to the process's stdin (empty for none)
     * @throws IOException when the process cannot be started (a missing program included) or its output
     *                     cannot be read; a timeout is reported as an IOException too
     */
    Result run(List<String> argv, byte[] stdin) throws IOException;

    /** A runner starting processes with {@link ProcessBuilder} in this process's namespace (timeout 60 s). */
    static CommandRunner local() {
        return starting(ProcessBuilder::start);
    }

    /** A runner that starts each process through {@code starter}; the timeout is 60 s. */
    static CommandRunner starting(ProcessStarter starter) {
        return starting(starter, Duration.ofSeconds(60));
    }

    /**
     * A runner that starts each process through {@code starter} (for example a namespace's
     * {@code start(ProcessBuilder)}), writes stdin, reads stdout/stderr concurrently, and kills the process
     * when {@code timeout} passes.
     */
    static CommandRunner starting(ProcessStarter starter, Duration timeout) {
        Objects.requireNonNull(starter, "starter == null");
        Objects.requireNonNull(timeout, "timeout == null");
        return new ProcessRunner(starter, timeout);
    }

    /** Starts a configured {@link ProcessBuilder}; {@code ProcessBuilder::start} is the local one. */
    @FunctionalInterface
    interface ProcessStarter {
        /** Starts {@code pb} (its command and environment are set; redirects are pipes). */
        Process start(ProcessBuilder pb) throws IOException;
    }

    /**
     * What a process did.
     *
     * @param exitCode exit status
     * @param stdout   everything it wrote to stdout
     * @param stderr   everything it wrote to stderr
     */
    record Result(int exitCode, byte[] stdout, byte[] stderr) {
        /** Rejects null output arrays (use empty ones). */
        public Result {
            Objects.requireNonNull(stdout, "stdout == null");
            Objects.requireNonNull(stderr, "stderr == null");
        }

        /** stdout decoded as UTF-8. */
        public String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** stderr decoded as UTF-8. */
        public String stderrText() {
            return new String(stderr, StandardCharsets.UTF_8);
        }
    }
}
