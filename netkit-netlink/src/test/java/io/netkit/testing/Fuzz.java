package io.netkit.testing;

import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Runs a fuzz loop under a per-input watchdog: the inputs are made and fed to the target on a daemon thread while
 * the test's thread watches it. An input that runs longer than the per-input limit fails the test with that input
 * (hex) and its number, and the build goes on (the stuck daemon thread cannot block the JVM's exit). An exception
 * the target throws that {@code allowed} does not accept fails the test the same way.
 *
 * <pre>{@code
 * Fuzz.Result r = Fuzz.run("decode", 1_000_000, 0x5eed, rnd -> mutate(rnd), in -> RtNetlink.decode(wrap(in)),
 *         e -> e instanceof MalformedMessageException);
 * }</pre>
 */
public final class Fuzz {
    private Fuzz() {}

    /** How long one input may take before it counts as a hang (generous: the CI machine is shared). */
    public static final Duration PER_INPUT_LIMIT = Duration.ofSeconds(5);
    /** How long a whole run may take. */
    public static final Duration TOTAL_LIMIT = Duration.ofSeconds(240);

    /** Feeds one input to the code under test. */
    @FunctionalInterface
    public interface Target {
        /** Processes the input; throws what the code under test throws. */
        void accept(byte[] input) throws Exception;
    }

    /**
     * The outcome of a run that found nothing.
     *
     * @param inputs how many inputs ran
     * @param rejected how many ended with an allowed exception
     * @param nanos how long the run took
     */
    public record Result(long inputs, long rejected, long nanos) {}

    private static final class Worker implements Runnable {
        final long inputs;
        final SplittableRandom rnd;
        final Function<SplittableRandom, byte[]> generator;
        final Target target;
        final Predicate<Throwable> allowed;
        volatile byte[] current;
        volatile long index = -1;
        volatile long startedAt;
        volatile boolean done;
        volatile Throwable unexpected;
        long rejected;

        Worker(long inputs, long seed, Function<SplittableRandom, byte[]> generator, Target target,
               Predicate<Throwable> allowed) {
            this.inputs = inputs;
            this.rnd = new SplittableRandom(seed);
            this.generator = generator;
            this.target = target;
            this.allowed = allowed;
        }

        @Override
        public void run() {
            try {
                for (long i = 0; i < inputs; i++) {
                    byte[] in = generator.apply(rnd);
                    current = in;
                    startedAt = System.nanoTime();
                    index = i;
                    try {
                        target.accept(in);
                    } catch (Throwable t) {
                        if (!allowed.test(t)) {
                            unexpected = t;
                            return;
                        }
                        rejected++;
                    }
                }
            } catch (Throwable t) {
                unexpected = t;   // the generator itself failed
            } finally {
                done = true;
            }
        }
    }

    /**
     * Runs {@code inputs} inputs made by {@code generator} (from a {@link SplittableRandom} seeded with {@code seed},
     * so a failure is reproducible) through {@code target}.
     *
     * @throws AssertionError naming the input when one hangs or throws what {@code allowed} rejects, or when the run
     *     takes longer than {@link #TOTAL_LIMIT}
     */
    public static Result run(String name, long inputs, long seed, Function<SplittableRandom, byte[]> generator,
                             Target target, Predicate<Throwable> allowed) {
        Worker w = new Worker(inputs, seed, generator, target, allowed);
        Thread t = new Thread(w, "fuzz-" + name);
        t.setDaemon(true);
        long start = System.nanoTime();
        t.start();
        long limit = PER_INPUT_LIMIT.toNanos();
        try {
            while (!w.done) {
                t.join(50);
                long now = System.nanoTime();
                long idx = w.index;
                if (!w.done && idx >= 0 && idx == w.index && now - w.startedAt > limit && idx == w.index) {
                    throw new AssertionError(name + ": input #" + idx + " (seed " + seed + ") still running after "
                            + TimeUnit.NANOSECONDS.toMillis(now - w.startedAt) + " ms (a hang): "
                            + HexFormat.of().formatHex(w.current));
                }
                if (!w.done && now - start > TOTAL_LIMIT.toNanos()) {
                    throw new AssertionError(name + ": only " + idx + " of " + inputs + " inputs within " + TOTAL_LIMIT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (w.unexpected != null) {
            byte[] in = w.current;
            throw new AssertionError(name + ": input #" + w.index + " (seed " + seed + ") threw " + w.unexpected
                    + (in == null ? "" : "; input: " + HexFormat.of().formatHex(in)), w.unexpected);
        }
        return new Result(inputs, w.rejected, System.nanoTime() - start);
    }
}
