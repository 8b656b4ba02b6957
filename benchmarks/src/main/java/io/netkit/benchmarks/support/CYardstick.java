package io.netkit.benchmarks.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A C yardstick built at benchmark time from its source in {@code benchmarks/src/main/c} ({@code gcc -O2}) into
 * {@code benchmarks/target}, once (again when the source is newer). The repository is found upwards from
 * {@code -Dnkb.root} or the working directory.
 */
public final class CYardstick {
    private CYardstick() {}

    /** Builds {@code benchmarks/src/main/c/NAME.c} into {@code benchmarks/target/NAME}; returns the executable. */
    public static Path build(String name) {
        Path start = Path.of(System.getProperty("nkb.root", ".")).toAbsolutePath().normalize();
        Path src = null;
        for (Path q = start; q != null && src == null; q = q.getParent()) {
            Path s = q.resolve("benchmarks/src/main/c/" + name + ".c");
            if (Files.isRegularFile(s)) {
                src = s;
            }
        }
        if (src == null) {
            throw new IllegalStateException("benchmarks/src/main/c/" + name + ".c not found above " + start
                    + ": run from the repository root (or give -Dnkb.root=REPO)");
        }
        Path out = src.getParent().getParent().getParent().getParent().resolve("target/" + name);
        try {
            if (Files.isExecutable(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) > 0) {
                return out;
            }
            Files.createDirectories(out.getParent());
            Process p = new ProcessBuilder("gcc", "-O2", "-Wall", "-o", out.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("gcc of " + src + " failed (apt-get install gcc libc6-dev): " + log);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building " + src, e);
        }
    }
}
