package io.netkit.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * netkit's deferred deletions, run when this process is idle so that they never hold the kernel's rtnl lock in front
 * of a caller's next operation. Two kinds, per network:
 * <ul>
 *   <li><b>Detached veths</b>: deleting a link costs the kernel an RCU grace period (17–21 ms here, under rtnl) whether
 *       it deletes one link or a thousand in one request, so detach only moves a link into the network's "reap" link
 *       group and this reaper deletes the whole group later, in one request ({@code ip link del group R}).</li>
 *   <li><b>Namespaces released by detach</b>: detach unmounts and unlinks {@code /run/netns/NAME} at once (the name is
 *       gone), but keeps the namespace itself open here: destroying it ({@code cleanup_net}, once its last reference
 *       is closed) takes rtnl too. The reaper deletes their veths with the group, then closes them together (the
 *       kernel destroys them in one batch), only while no netkit operation runs.</li>
 * </ul>
 * Idle means: no attach or detach of this process in flight and none ended for {@value #IDLE_MS} ms. What piles up is
 * bounded: at {@value #MAX_PENDING} held namespaces, or when the oldest deferred work is {@value #MAX_AGE_MS} ms old,
 * it runs anyway, as a <em>forced drain</em>: it waits for the operations in flight to end, and operations that begin
 * meanwhile wait at their start until it is done — during continuous churn one caller waits for the whole drain once,
 * instead of many callers each meeting a stretch of it under rtnl. An idle round closes the namespaces
 * {@value #CHUNK} at a time and, when an operation begins, holds the rest again until the next idle moment. A network's
 * {@code close()} releases what it still holds; a process that exits releases everything (its open namespace files
 * close), and any later process reaps what is left in a reap group. One daemon thread serves all networks. Not for use outside netkit.
 */
public final class Reaper {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    }
    /** How long the process must have been without attach/detach before deferred work runs. */
    static final long IDLE_MS = 50;
    /** Held namespaces (all networks) at which the work runs even while operations go on. */
    static final int MAX_PENDING = 256;
    /** Age of the oldest deferred work at which it runs even while operations go on. */
    static final long MAX_AGE_MS = 10_000;

    /** {@link #MAX_AGE_MS}, or {@code -Dnetkit.reaper.maxAgeMs} (read at every check: tests shorten it). */
    static long maxAgeMs() {
        return Long.getLong("netkit.reaper.maxAgeMs", MAX_AGE_MS);
    }

    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static final java.util.concurrent.atomic.AtomicLong ROUNDS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong BUSY_ROUNDS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong FORCED_ROUNDS = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong ACTIVITY = new java.util.concurrent.atomic.AtomicLong();
    private static volatile long lastActive = System.nanoTime();
    /** Set while a forced drain runs: operations wait at their start (see {@link #operationStarted()}). */
    private static volatile boolean exclusive;
    private static final Object GATE = new Object();
    /** Namespaces closed per chunk of an idle round; between chunks, an operation that began pauses the round. */
    static final int CHUNK = 32;

    /** {@link #CHUNK}, or {@code -Dnetkit.reaper.chunk} (read at every round: tests shorten it). */
    static int chunk() {
        return Math.max(1, Integer.getInteger("netkit.reaper.chunk", CHUNK));
    }

    /** How long a forced drain waits for the operations in flight to end before it runs beside them. */
    static final long EXCLUSIVE_WAIT_MS = 1_000;
    private static final Object LOCK = new Object();
    private static final Set<Reaper> DUE = new LinkedHashSet<>(); // guarded by LOCK
    private static int held;                                     // guarded by LOCK: namespaces held, all networks
    private static long oldest;                                  // guarded by LOCK: nanoTime of the oldest due work
    private static Thread worker;                                // guarded by LOCK

    private final String what;
    private final Runnable task;
    private final ReentrantLock running = new ReentrantLock();
    private final List<AutoCloseable> namespaces = new ArrayList<>(); // guarded by LOCK
    private boolean deleteDue;                                        // guarded by LOCK
    private boolean stopped;                                          // guarded by LOCK

    /** @param task deletes the reap group; may throw, the error is logged */
    public Reaper(String what, Runnable task) {
        this.what = what;
        this.task = task;
    }

    /**
     * An attach or detach begins: deferred work waits until none runs (see {@link #operationEnded()}). While a forced
     * drain runs (see {@link #awaitIdleOrBound()}), the operation waits for it here, before it takes any lock: one caller
     * waits for the whole drain instead of many callers each meeting a part of it under the kernel's rtnl lock.
     */
    public static void operationStarted() {
        while (true) {
            IN_FLIGHT.incrementAndGet();
            if (!exclusive) {
                return;
            }
            // The drain set the flag before it looked at IN_FLIGHT: step back, let it run, come again when it is done.
            operationEnded();
            synchronized (GATE) {
                boolean interrupted = false;
                while (exclusive) {
                    try {
                        GATE.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** An attach or detach ended (call once per {@link #operationStarted()}, in a finally). */
    public static void operationEnded() {
        lastActive = System.nanoTime();
        if (IN_FLIGHT.decrementAndGet() == 0 && exclusive) {
            synchronized (GATE) {
                GATE.notifyAll(); // the drain waits for the operations in flight to end
            }
        }
    }

    /** Attaches and detaches of this process in flight now (for {@link Spares}). */
    static int inFlight() {
        return IN_FLIGHT.get();
    }

    /** Nanoseconds since the last attach or detach ended (or a deferred-work round settled). */
    static long quietNanos() {
        return System.nanoTime() - lastActive;
    }

    /** Runs an attach or detach between {@link #operationStarted()} and {@link #operationEnded()}. */
    public static <T> T duringOperation(java.util.function.Supplier<T> operation) {
        operationStarted();
        try {
            return operation.get();
        } finally {
            operationEnded();
        }
    }

    /**
     * Deferred-work rounds run so far in this process (a group deletion and/or namespaces closed) and, of those, the ones
     * that began while an attach or detach was in flight or had ended less than {@value #IDLE_MS} ms before (for the
     * benchmarks), and the forced drains among them (too much held, or held too long, while operations went on).
     */
    public static long[] rounds() {
        return new long[] {ROUNDS.get(), BUSY_ROUNDS.get(), FORCED_ROUNDS.get()};
    }

    /**
     * Odd while a deferred-work round runs, incremented when one begins and when it ends (for the benchmarks: an
     * operation that saw it change, or odd, overlapped netkit's own deferred work).
     */
    public static long activity() {
        return ACTIVITY.get();
    }

    /** Schedules one bulk deletion of the reap group when the process is idle (a no-op if one is due already). */
    public void schedule() {
        if (eager()) {
            scheduleEagerly();
            return;
        }
        synchronized (LOCK) {
            deleteDue = true;
            due();
        }
    }

    /**
     * Takes over a handle on a namespace whose name is already gone: it is closed (and so the namespace destroyed by the
     * kernel, with the devices in it) when the process is idle, together with the others held, or by {@link #releaseNow()}.
     */
    public void hold(AutoCloseable namespace) {
        if (eager()) {
            closeAll(List.of(namespace));
            return;
        }
        synchronized (LOCK) {
            namespaces.add(namespace);
            held++;
            deleteDue = true; // its veth: deleted with the group before the namespace is closed
            due();
        }
    }

    /**
     * The scheduling before issue 14, for comparison in the same benchmark run ({@code -Dnetkit.reaper.eager=true}):
     * namespaces released at once, the group deleted {@value #EAGER_DELAY_MS} ms after a detach, busy or not.
     */
    private static boolean eager() {
        return Boolean.getBoolean("netkit.reaper.eager");
    }

    static final long EAGER_DELAY_MS = 20;
    private static final java.util.concurrent.ScheduledExecutorService EAGER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(new DaemonThreads("netkit-reaper-eager"));
    private java.util.concurrent.ScheduledFuture<?> eagerPending; // guarded by this

    private synchronized void scheduleEagerly() {
        if (eagerPending == null || eagerPending.isDone()) {
            eagerPending = EAGER.schedule(() -> {
                synchronized (this) {
                    eagerPending = null;
                }
                synchronized (LOCK) {
                    deleteDue = true;
                }
                runDue();
            }, EAGER_DELAY_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    private void due() { // holding LOCK
        if (DUE.isEmpty()) {
            oldest = System.nanoTime();
        }
        DUE.add(this);
        if (worker == null) {
            worker = new Thread(Reaper::work, "netkit-reaper");
            worker.setDaemon(true);
            worker.start();
        }
        LOCK.notifyAll();
    }

    private static void work() {
        while (true) {
            List<Reaper> round;
            boolean forced;
            try {
                synchronized (LOCK) {
                    while (DUE.isEmpty()) {
                        LOCK.wait();
                    }
                }
                forced = awaitIdleOrBound();
                synchronized (LOCK) {
                    round = new ArrayList<>(DUE);
                    DUE.clear();
                }
            } catch (InterruptedException e) {
                return;
            }
            if (forced) {
                FORCED_ROUNDS.incrementAndGet();
                beginExclusive();
            }
            try {
                for (Reaper r : round) {
                    r.runDue(forced);
                }
            } finally {
                if (forced) {
                    endExclusive();
                }
            }
            lastActive = System.nanoTime(); // what the kernel does after this round settles before the next one
        }
    }

    /**
     * Waits until no operation ran for IDLE_MS (returns false), or until too much is held or waits too long (returns
     * true: a forced drain).
     */
    private static boolean awaitIdleOrBound() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            long quietMs = (now - lastActive) / 1_000_000;
            synchronized (LOCK) {
                if (held >= MAX_PENDING || (now - oldest) / 1_000_000 >= maxAgeMs()) {
                    Log.LOG.debug("deferred deletions run while operations go on ({} namespaces held)", held);
                    return true;
                }
            }
            if (IN_FLIGHT.get() == 0 && quietMs >= IDLE_MS) {
                return false;
            }
            Thread.sleep(IN_FLIGHT.get() == 0 ? Math.max(1, IDLE_MS - quietMs) : IDLE_MS);
        }
    }

    /**
     * A forced drain begins: operations that start from now on wait at their start, and this waits (at most
     * {@value #EXCLUSIVE_WAIT_MS} ms) for those in flight to end. During continuous churn there is no idle moment, so
     * the drain has to meet some caller: this way it meets one (the next to start), whose wait is the drain, instead of
     * many that each meet a stretch of it (the group deletion, then the kernel's cleanup of the namespaces) under rtnl.
     */
    private static void beginExclusive() {
        exclusive = true;
        long deadline = System.nanoTime() + EXCLUSIVE_WAIT_MS * 1_000_000;
        synchronized (GATE) {
            while (IN_FLIGHT.get() > 0) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    Log.LOG.debug("deferred deletions run beside {} operations still in flight", IN_FLIGHT.get());
                    return;
                }
                try {
                    GATE.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void endExclusive() {
        synchronized (GATE) {
            exclusive = false;
            GATE.notifyAll();
        }
    }

    /**
     * Deletes the reap group first (one request: the veths of every held namespace), then closes the held namespaces,
     * which hold only their loopback by then. Measured here (KernelCost in benchmarks/README.md, 100 namespaces): the
     * other order — the veths going with their namespaces in the kernel's batched cleanup — holds rtnl for one stretch of
     * 140–230 ms; this order for at most 17–84 ms.
     */
    private void runDue() {
        runDue(true);
    }

    /**
     * @param whole close every held namespace in this round (a forced drain, or the eager scheduling); otherwise they
     *              are closed {@value #CHUNK} at a time and, when an operation has begun meanwhile, the rest are held
     *              again and the round ends (it resumes at the next idle moment)
     */
    private void runDue(boolean whole) {
        running.lock();
        try {
            List<AutoCloseable> close;
            boolean delete;
            synchronized (LOCK) {
                if (stopped) {
                    return; // teardown runs; it deletes the group and releases the namespaces itself
                }
                close = new ArrayList<>(namespaces);
                namespaces.clear();
                held -= close.size();
                delete = deleteDue;
                deleteDue = false;
            }
            if (delete || !close.isEmpty()) {
                ROUNDS.incrementAndGet();
                if (IN_FLIGHT.get() > 0 || (System.nanoTime() - lastActive) / 1_000_000 < IDLE_MS) {
                    BUSY_ROUNDS.incrementAndGet();
                }
            }
            boolean counted = delete || !close.isEmpty();
            if (counted) {
                ACTIVITY.incrementAndGet();
            }
            try {
                if (delete) {
                    task.run();
                }
            } finally {
                if (!whole) {
                    close = closeInChunks(close);
                }
                closeAll(close);
                if (counted) {
                    ACTIVITY.incrementAndGet();
                }
            }
        } catch (RuntimeException e) {
            Log.LOG.warn("{}: reaping detached links failed (they are deleted at the network's teardown): {}", what,
                    e.toString());
        } finally {
            running.unlock();
        }
    }

    /**
     * Closes {@code close} {@value #CHUNK} at a time while no operation is in flight; returns what must still be closed
     * now (empty unless the network was stopped meanwhile). When an operation begins, the rest are held again.
     */
    private List<AutoCloseable> closeInChunks(List<AutoCloseable> close) {
        int i = 0;
        while (i < close.size()) {
            if (i > 0 && IN_FLIGHT.get() > 0) {
                List<AutoCloseable> rest = close.subList(i, close.size());
                synchronized (LOCK) {
                    if (stopped) {
                        return new ArrayList<>(rest); // teardown waits for this round: closed now
                    }
                    namespaces.addAll(rest);
                    held += rest.size();
                    due(); // the rest at the next idle moment
                }
                return List.of();
            }
            int end = Math.min(close.size(), i + chunk());
            closeAll(close.subList(i, end));
            i = end;
        }
        return List.of();
    }

    private void closeAll(List<AutoCloseable> close) {
        for (AutoCloseable c : close) {
            try {
                c.close();
            } catch (Exception e) {
                Log.LOG.warn("{}: closing a released namespace failed: {}", what, e.toString());
            }
        }
    }

    /** Closes the namespaces held for this network now (its teardown, after its links are gone). */
    public void releaseNow() {
        List<AutoCloseable> close;
        synchronized (LOCK) {
            close = new ArrayList<>(namespaces);
            namespaces.clear();
            held -= close.size();
        }
        closeAll(close);
    }

    /** Keeps deferred work of this network from running and waits for a running one; until {@link #resume()}. */
    public void stop() {
        synchronized (LOCK) {
            stopped = true;
        }
        running.lock();
    }

    /** Ends what {@link #stop()} began. */
    public void resume() {
        synchronized (LOCK) {
            stopped = false;
            if (deleteDue || !namespaces.isEmpty()) {
                due(); // what was due while stopped
            }
        }
        running.unlock();
    }
}
