package io.netkit.benchmarks.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A temporary directory for yardstick inputs ({@code ip -batch} files, shell scripts, restore payloads), removed by
 * {@link #close()} or, if the JVM is interrupted first, by a shutdown hook.
 */
public final class WorkDir implements AutoCloseable {
    private final Path dir;
    private final Thread hook;

    public WorkDir() {
        try {
            dir = Files.createTempDirectory("nkb-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hook = new Thread(this::delete, "nkb-workdir-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Writes the lines (each followed by a newline) to a file in this directory and returns its path. */
    public Path write(String fileName, List<String> lines) {
        Path p = dir.resolve(fileName);
        try {
            Files.write(p, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Writes text as is. */
    public Path writeString(String fileName, String text) {
        Path p = dir.resolve(fileName);
        try {
            Files.writeString(p, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway and finds nothing
        }
    }

    private void delete() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover file in /tmp is harmless; never fail a benchmark's teardown over it
        }
    }
}
