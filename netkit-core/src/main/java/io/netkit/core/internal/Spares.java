package io.netkit.core.internal;

import io.netkit.netlink.NamespaceTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When attach's next namespace is made ahead of time ({@link NamespaceTemplate#prepareNext()}: an
 * {@code unshare(CLONE_NEWNET)}, its sysctls and netlink socket on a background thread, ≈ 0.6 ms of CPU, partly under
 * the kernel's rtnl lock). Issue 14: made right after every attach, it ran beside the caller's next operation and an
 * attach that came at once waited for it. Modes ({@code -Dnetkit.netns.spare}, read at every attach):
 * <ul>
 *   <li>{@code idle} (default): made once no attach or detach of this process is in flight and none ended for
 *       {@value #IDLE_MS} ms ({@code -Dnetkit.netns.spareIdleMs}); back-to-back attaches make their namespace on the
 *       spot instead (on a new thread, while the caller takes the lock and picks the address).</li>
 *   <li>{@code eager}: right after every attach (the scheduling before).</li>
 *   <li>{@code false}: never.</li>
 * </ul>
 * Not for use outside netkit.
 */
public final class Spares {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Spares.class);
    }
    /** Quiet time after the last attach/detach before the spare is made. */
    static final long IDLE_MS = 5;

    private static final Object LOCK = new Object();
    private static Runnable due;            // guarded by LOCK: the making of the spare that waits for an idle moment
    private static Thread worker;           // guarded by LOCK

    private Spares() {
    }

    /** {@code idle}, {@code eager} or {@code false}, from {@code -Dnetkit.netns.spare}. */
    static String mode() {
        String m = System.getProperty("netkit.netns.spare", "idle");
        return m.equals("eager") || m.equals("false") ? m : "idle";
    }

    static long idleMs() {
        return Math.max(0, Long.getLong("netkit.netns.spareIdleMs", IDLE_MS));
    }

    /**
     * An attach that made a namespace returned: schedule {@code prepare} (a {@link NamespaceTemplate#prepareNext()}
     * call, which returns at once) to make the next one.
     */
    public static void attachEnded(Runnable prepare) {
        switch (mode()) {
            case "false" -> { }
            case "eager" -> prepare.run();
            default -> {
                synchronized (LOCK) {
                    due = prepare;
                    if (worker == null) {
                        worker = new Thread(Spares::work, "netkit-spare-scheduler");
                        worker.setDaemon(true);
                        worker.start();
                    }
                    LOCK.notifyAll();
                }
            }
        }
    }

    private static void work() {
        while (true) {
            Runnable t;
            try {
                synchronized (LOCK) {
                    while (due == null) {
                        LOCK.wait();
                    }
                }
                awaitIdle();
                synchronized (LOCK) {
                    t = due;
                    due = null;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (!mode().equals("idle")) {
                continue;   // switched meanwhile (tests, benchmarks)
            }
            try {
                t.run();   // returns at once: the namespace is made on its own thread
            } catch (RuntimeException e) {
                Log.LOG.debug("making the next namespace ahead of time failed: {}", e.toString());
            }
        }
    }

    /** Until no attach or detach is in flight and none ended for {@link #idleMs()}. */
    private static void awaitIdle() throws InterruptedException {
        while (true) {
            long idle = idleMs();
            long quietMs = Reaper.quietNanos() / 1_000_000;
            boolean busy = Reaper.inFlight() > 0;
            if (!busy && quietMs >= idle) {
                return;
            }
            Thread.sleep(busy ? Math.max(1, idle) : Math.max(1, idle - quietMs));
        }
    }
}
