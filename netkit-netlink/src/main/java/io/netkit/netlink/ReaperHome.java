package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import io.netkit.netlink.internal.NamespaceThread;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the JDK's process-reaper pool supplied with an idle thread that lives in the original namespace,
 * so that a child spawned from a namespace thread is reaped by it (see {@link NetNamespace#start(ProcessBuilder)}).
 */
final class ReaperHome {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NetNamespace.class);
    }

    private static final Object LOCK = new Object();
    private static NamespaceThread home;      // guarded by LOCK; a thread in the original namespace
    private static ProcessHandle finished;    // guarded by LOCK; a child that has exited and been reaped
    private static boolean unavailable;       // guarded by LOCK

    private ReaperHome() {
    }

    static Process start(NetNamespace ns, ProcessBuilder pb) {
        // The lock is taken on the namespace thread, never while waiting for one: a task running on a
        // namespace thread may itself start a process in another namespace without risking a deadlock.
        // While it is held, only JDK code runs (here and on the home thread, which runs nothing else).
        return ns.call(() -> {
            synchronized (LOCK) {
                ensureIdleReaper();
                return pb.start();
            }
        });
    }

    private static void ensureIdleReaper() {
        if (unavailable) {
            return;
        }
        try {
            if (home == null) {
                NetNamespace origin = NetNamespace.current();
                home = NamespaceThread.start("netkit-reaper-home", () -> {
                    if (LibC.setns(origin.fd(), LibC.CLONE_NEWNET) != 0) {
                        throw new NetlinkException("enter original namespace", null, LibC.errno(), null);
                    }
                });
            }
            home.call(() -> {
                if (finished == null || finished.isAlive()) {   // first use, or its pid was reused
                    Process p = new ProcessBuilder("/bin/true").redirectErrorStream(true).start();
                    p.getOutputStream().close();
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        throw new IOException("/bin/true did not finish");
                    }
                    finished = p.toHandle();
                }
                // Waiting on a finished process makes the pool run one short task on an idle reaper, or
                // create one from this thread, i.e. in the original namespace; it is idle again right after.
                try {
                    finished.onExit().get(5, TimeUnit.SECONDS);
                } catch (TimeoutException pidReused) {
                    finished = null;   // a new process got its pid; take a fresh one next time
                }
                awaitIdleReaper();
                return null;
            });
        } catch (RuntimeException | Error e) {
            unavailable = true;
            Log.LOG.warn("cannot keep a process reaper in the original namespace ({}); processes started in"
                    + " namespaces may pin them for up to 60 s after they end", e.toString());
        }
    }

    /**
     * Waits (up to 100 ms) until a reaper is back in the pool's queue: the one that ran the short task completes the
     * future before it returns there, and a child started in that instant would make the pool create a new reaper
     * from the namespace thread, inside the namespace. Idle reapers wait in {@code SynchronousQueue.poll} with the
     * pool's keep-alive ({@code TIMED_WAITING}); busy ones in {@code waitpid} ({@code RUNNABLE}). Thread-group
     * enumeration, not {@code Thread.getAllStackTraces()}: no safepoint, no stacks.
     */
    private static void awaitIdleReaper() throws InterruptedException {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        do {
            Thread[] threads = new Thread[root.activeCount() + 16];
            int n = root.enumerate(threads, true);
            for (int i = 0; i < n; i++) {
                if (threads[i].getName().equals("process reaper")
                        && threads[i].getState() == Thread.State.TIMED_WAITING) {
                    return;
                }
            }
            Thread.sleep(1);
        } while (System.nanoTime() < deadline);
    }
}
