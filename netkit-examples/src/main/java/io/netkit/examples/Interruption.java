package io.netkit.examples;

/**
 * A demo run stopped by a signal (Ctrl-C, {@code kill}): the JVM runs shutdown hooks while the example's own thread
 * goes on, so a cleanup racing it could remove the sandbox and then see the example make a file or namespace again
 * (a network lock in {@code /run/netkit}, say). Instead the hook {@linkplain #request() asks} the example to stop:
 * its next {@link Narrator} step throws {@link Stopped}, the example's own try-with-resources remove what it made, and
 * the hook waits for that before its backstop removal.
 */
final class Interruption {
    private static final Object LOCK = new Object();
    private static boolean requested; // guarded by LOCK

    private Interruption() {}

    /** Thrown at the next step boundary of an example that was asked to stop. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped by a signal; removing the sandbox", null, false, false);
        }
    }

    /** Asks the running example to stop at its next step; wakes it from a step pause. */
    static void request() {
        synchronized (LOCK) {
            requested = true;
            LOCK.notifyAll();
        }
    }

    /** Throws {@link Stopped} once a stop was requested. */
    static void check() {
        synchronized (LOCK) {
            if (requested) {
                throw new Stopped();
            }
        }
    }

    /** Pauses up to {@code millis}, or until a stop is requested. */
    static void pause(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        synchronized (LOCK) {
            long left;
            while (!requested && (left = end - System.nanoTime()) > 0) {
                try {
                    LOCK.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
