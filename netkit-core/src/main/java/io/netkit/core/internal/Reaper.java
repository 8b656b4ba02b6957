package io.netkit.core.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes detached links in the background, in bulk. Deleting a link costs the kernel an RCU grace period
 * (17–21 ms here) whether it deletes one link or a thousand in one request, so detach only moves a link into
 * the network's "reap" link group and this reaper deletes the whole group shortly after, in one request
 * ({@code ip link del group R}). One daemon thread serves all networks. Not for use outside netkit.
 */
public final class Reaper {
    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    private static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "netkit-reaper");
        t.setDaemon(true);
        return t;
    });
    /** Delay that lets a burst of detaches share one deletion. */
    private static final long DELAY_MS = 20;

    private final String what;
    private final Runnable task;
    private final ReentrantLock running = new ReentrantLock();
    private ScheduledFuture<?> pending; // guarded by this

    /** @param task deletes the reap group; may throw, the error is logged */
    public Reaper(String what, Runnable task) {
        this.what = what;
        this.task = task;
    }

    /** Schedules one bulk deletion soon (a no-op if one is already pending). */
    public synchronized void schedule() {
        if (pending == null || pending.isDone()) {
            pending = EXECUTOR.schedule(this::runNow, DELAY_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void runNow() {
        synchronized (this) {
            pending = null;
        }
        running.lock();
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.warn("{}: reaping detached links failed (they are deleted at the network's teardown): {}", what, e.toString());
        } finally {
            running.unlock();
        }
    }

    /** Cancels a pending deletion and waits for a running one; keeps further ones out until {@link #resume()}. */
    public void stop() {
        synchronized (this) {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
        }
        running.lock();
    }

    /** Ends what {@link #stop()} began. */
    public void resume() {
        running.unlock();
    }
}
