package io.netkit.benchmarks.core;

import io.netkit.core.internal.NetworkLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What issue 9's write-ahead mark costs: one network lock taken and released ({@code lockRelease}: the in-process
 * lock, {@code fcntl(F_SETLKW)} on the lock file, an 8-byte read of its generation) against the same with the
 * dirty mark written before the holder's first change ({@code lockMarkRelease}: one more 8-byte {@code pwrite}), as
 * every attach, detach and publish does. Yardstick: {@code flock -x FILE true}, the standard tool taking the same kind
 * of lock from a shell. No root needed: the lock files live in a {@code /tmp/nkb-lock-*} directory (system property
 * {@code netkit.lockDirectory}), removed afterwards. Uses netkit-core's internal {@code NetworkLock} directly.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class LockBenchmark {
    Path dir;
    NetworkLock lock;

    @Setup
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("nkb-lock-");
        System.setProperty("netkit.lockDirectory", dir.toString());
        lock = NetworkLock.of(1, "nkbbr0", "0badc0de");
        lock.acquire().close();
    }

    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public void lockRelease() {
        lock.acquire().close();
    }

    @Benchmark
    public void lockMarkRelease() {
        NetworkLock.Held held = lock.acquire();
        held.changed();
        held.close();
    }

    @Benchmark
    public int flockProcess() throws Exception {
        return new ProcessBuilder("flock", "-x", lock.file().toString(), "true")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }
}
