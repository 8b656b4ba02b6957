package io.netkit.netlink.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One platform thread that lives in one network namespace and runs tasks there, one at a time.
 *
 * <p>Linux threads inherit the network namespace of the thread that creates them. So that a namespace
 * thread never starts life in some other namespace (or passes one on), every namespace thread is created by
 * one "spawner" thread that has entered the process's original namespace; the new thread then enters its
 * own namespace ({@code setns} or {@code unshare}) before it runs anything. Tasks must not start long-lived
 * threads or pools: those would inherit this thread's namespace.
 */
public final class NamespaceThread {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceThread.class);
    private static final Runnable STOP = () -> { };

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private volatile Thread thread;
    private volatile boolean stopped;

    private NamespaceThread() {}

    /**
     * Starts a namespace thread named {@code name} that first runs {@code enter} (which moves it into its
     * namespace); if {@code enter} throws, the thread ends and the exception is rethrown here.
     */
    public static NamespaceThread start(String name, Runnable enter) {
        NamespaceThread nt = new NamespaceThread();
        SynchronousQueue<Object> started = new SynchronousQueue<>();
        Spawner.spawn(() -> {
            Thread t = new Thread(() -> nt.loop(enter, started), name);
            t.setDaemon(true);   // a forgotten handle must not keep the JVM alive
            nt.thread = t;
            t.start();
        });
        Object result;
        try {
            result = takeUninterruptibly(started);
        } catch (RuntimeException e) {
            throw e;
        }
        if (result instanceof RuntimeException re) {
            throw re;
        }
        if (result instanceof Error err) {
            throw err;
        }
        return nt;
    }

    private void loop(Runnable enter, SynchronousQueue<Object> started) {
        try {
            enter.run();
        } catch (Throwable e) {
            stopped = true;
            putUninterruptibly(started, e);
            return;
        }
        putUninterruptibly(started, Boolean.TRUE);
        while (true) {
            Runnable r;
            try {
                r = queue.take();
            } catch (InterruptedException e) {
                continue;   // only a task may be interrupted (cancellation); the thread keeps serving
            }
            if (r == STOP) {
                break;
            }
            r.run();
            Thread.interrupted();   // do not leak a cancellation's interrupt into the next task
        }
        // Fail whatever was queued after stop.
        Runnable r;
        while ((r = queue.poll()) != null) {
            if (r instanceof FutureTask<?> f) {
                f.cancel(false);
            }
        }
    }

    /** Whether the current thread is this namespace thread. */
    public boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /**
     * Runs {@code task} on this thread and returns its result. Unchecked exceptions and errors are rethrown as
     * they are; an {@link IOException} is wrapped in {@link UncheckedIOException}, other checked exceptions in
     * {@link CompletionException}. Called on this thread itself, the task runs directly.
     */
    public <T> T call(Callable<T> task) {
        if (isCurrent()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }
        if (stopped) {
            throw new IllegalStateException("namespace handle is closed");
        }
        FutureTask<T> f = new FutureTask<>(task);
        queue.add(f);
        if (stopped && queue.remove(f)) {
            throw new IllegalStateException("namespace handle is closed");
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            CancellationException ce = new CancellationException("interrupted while waiting for a namespace task");
            ce.initCause(e);
            throw ce;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            if (c instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw new CompletionException(c);
        } catch (CancellationException e) {
            throw new IllegalStateException("namespace handle was closed before the task ran", e);
        }
    }

    /** Stops the thread after the tasks already queued. Idempotent. */
    public void stop() {
        if (!stopped) {
            stopped = true;
            queue.add(STOP);
        }
    }

    /** The thread's name (for diagnostics). */
    public String name() {
        Thread t = thread;
        return t == null ? "?" : t.getName();
    }

    private static Object takeUninterruptibly(SynchronousQueue<Object> q) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return q.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void putUninterruptibly(SynchronousQueue<Object> q, Object o) {
        while (true) {
            try {
                q.put(o);
                return;
            } catch (InterruptedException e) {
                // retry: the starter is waiting for exactly this hand-off
            }
        }
    }

    /** The one thread that creates namespace threads; it lives in the process's original network namespace. */
    private static final class Spawner {
        private static final BlockingQueue<Runnable> TASKS = new LinkedBlockingQueue<>();

        static {
            Thread t = new Thread(Spawner::loop, "netkit-netns-spawner");
            t.setDaemon(true);
            t.start();
        }

        static void spawn(Runnable r) {
            FutureTask<Void> f = new FutureTask<>(r, null);
            TASKS.add(f);
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        f.get();
                        return;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        Throwable c = e.getCause();
                        if (c instanceof RuntimeException re) {
                            throw re;
                        }
                        throw new IllegalStateException("could not start namespace thread", c);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private static void loop() {
            enterOriginalNamespace();
            while (true) {
                try {
                    TASKS.take().run();
                } catch (InterruptedException e) {
                    // keep serving
                }
            }
        }

        /** The spawner may have been created from inside some namespace thread: move it back home. */
        private static void enterOriginalNamespace() {
            try {
                Path original = Path.of("/proc/" + ProcessHandle.current().pid() + "/ns/net");
                Object here = Files.getAttribute(Path.of("/proc/thread-self/ns/net"), "unix:ino");
                Object home = Files.getAttribute(original, "unix:ino");
                if (here.equals(home)) {
                    return;
                }
                int fd = LibC.open(original.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
                if (fd < 0 || LibC.setns(fd, LibC.CLONE_NEWNET) != 0) {
                    LOG.warn("namespace spawner could not enter the original network namespace: errno {}", LibC.errno());
                }
                if (fd >= 0) {
                    LibC.close(fd);
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                LOG.warn("namespace spawner could not check its network namespace", e);
            }
        }
    }
}
