package io.netkit.netlink.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NamespaceThread.class);
    }
    private static final Runnable STOP = () -> { };

    /** The namespace thread (if any) running on the current thread. */
    private static final ThreadLocal<NamespaceThread> SELF = new ThreadLocal<>();
    /** Which namespace thread each namespace thread is blocked waiting for, to refuse a wait that closes a cycle. */
    private static final ConcurrentHashMap<NamespaceThread, NamespaceThread> WAITING = new ConcurrentHashMap<>();

    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private volatile SynchronousQueue<Object> assignment;   // a spare's hand-off, null once assigned
    private volatile Thread thread;
    private volatile boolean stopped;

    private NamespaceThread() {}

    /**
     * Starts a namespace thread named {@code name} that first runs {@code enter} (which moves it into its
     * namespace); if {@code enter} throws, the thread ends and the exception is rethrown here.
     */
    public static NamespaceThread start(String name, Runnable enter) {
        return await(startAsync(name, enter));
    }

    /**
     * Starts a namespace thread as {@link #start} does but returns at once: the future completes with the thread
     * once {@code enter} has run on it, or exceptionally with what {@code enter} threw (the thread has then ended).
     * The caller can do other work meanwhile; the new thread runs on another CPU.
     */
    public static CompletableFuture<NamespaceThread> startAsync(String name, Runnable enter) {
        CompletableFuture<NamespaceThread> started = new CompletableFuture<>();
        NamespaceThread spare = Spare.SPARE.getAndSet(null);
        if (spare != null) {
            // A thread the spawner made ahead of time, waiting in the original namespace and never used: it takes
            // the name and enters the namespace exactly as a new one would, without a thread start on this path.
            putUninterruptibly(spare.assignment, new Object[] {name, enter, started});
        } else {
            NamespaceThread nt = new NamespaceThread();
            Spawner.spawn(() -> {
                Thread t = new Thread(() -> nt.loop(enter, started), name);
                t.setDaemon(true);   // a forgotten handle must not keep the JVM alive
                nt.thread = t;
                t.start();
            });
        }
        // The next spare is made once this thread has entered its namespace, not while it does: on a machine with
        // few CPUs, starting a thread meanwhile would compete with the namespace creation it is meant to speed up.
        started.whenComplete((t, e) -> Spare.refill());
        return started;
    }

    /**
     * Waits for {@code future} without giving up on interrupts (what it stands for, a thread's start or a
     * namespace's creation, cannot be abandoned half-way; the interrupt is kept for the caller) and returns its
     * value, or rethrows its failure as it was thrown (unwrapped from {@link CompletionException}).
     */
    public static <T> T await(CompletableFuture<T> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof CompletionException && c.getCause() != null) {
                        c = c.getCause();
                    }
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new CompletionException(c);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One idle thread made by the spawner ahead of time (so in the original namespace), handed to the next
     * {@link #start}: starting a platform thread through the spawner costs a few hundred microseconds of the
     * caller's time, most of it waiting for two threads to be scheduled. Taking the spare has the spawner make the
     * next one in the background. At most one spare exists; it never runs anything before it is assigned.
     */
    private static final class Spare {
        private static final java.util.concurrent.atomic.AtomicReference<NamespaceThread> SPARE =
                new java.util.concurrent.atomic.AtomicReference<>();
        private static final java.util.concurrent.atomic.AtomicBoolean REFILLING =
                new java.util.concurrent.atomic.AtomicBoolean();

        /** Has the spawner make a new spare in the background, unless there is one or one is being made. */
        static void refill() {
            if (SPARE.get() == null && REFILLING.compareAndSet(false, true)) {
                Spawner.submit(Spare::make);
            }
        }

        private static void make() {
            try {
                if (SPARE.get() != null) {
                    return;
                }
                NamespaceThread nt = new NamespaceThread();
                nt.assignment = new SynchronousQueue<>();
                Thread t = new Thread(nt::awaitAssignment, "netkit-netns-spare");
                t.setDaemon(true);
                nt.thread = t;
                t.start();
                SPARE.set(nt);
            } catch (RuntimeException | Error e) {
                Log.LOG.debug("could not make a spare namespace thread: {}", e.toString());
            } finally {
                REFILLING.set(false);
            }
        }
    }

    /** A spare's life until it is assigned a namespace: then it is named and enters it as a new thread would. */
    private void awaitAssignment() {
        Object[] a = (Object[]) takeUninterruptibly(assignment);
        assignment = null;
        Thread.currentThread().setName((String) a[0]);
        @SuppressWarnings("unchecked")
        CompletableFuture<NamespaceThread> started = (CompletableFuture<NamespaceThread>) a[2];
        loop((Runnable) a[1], started);
    }

    /** The namespace thread the caller runs on (also while it enters its namespace), or null. */
    public static NamespaceThread current() {
        return SELF.get();
    }

    private void loop(Runnable enter, CompletableFuture<NamespaceThread> started) {
        SELF.set(this);
        try {
            enter.run();
        } catch (Throwable e) {
            stopped = true;
            started.completeExceptionally(e);
            return;
        }
        started.complete(this);
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
        NamespaceThread me = SELF.get();
        if (me != null) {
            // Each namespace runs its tasks one at a time on its own thread: if the namespace we are about to wait
            // for is (directly or through others) waiting for us, both would wait forever. Refuse instead.
            WAITING.put(me, this);
            NamespaceThread n = this;
            for (int hops = 0; n != null && hops < 1024; hops++) {
                n = WAITING.get(n);
                if (n == me) {
                    WAITING.remove(me);
                    throw new IllegalStateException("a task on " + me.name() + " calls into " + name()
                            + ", whose thread is itself waiting (directly or through others) for " + me.name()
                            + ": this would deadlock; do not call from one namespace's task into another in both"
                            + " directions at once");
                }
            }
        }
        try {
            FutureTask<T> f = new FutureTask<>(task);
            queue.add(f);
            if (stopped && queue.remove(f)) {
                throw new IllegalStateException("namespace handle is closed");
            }
            return await(f);
        } finally {
            if (me != null) {
                WAITING.remove(me);
            }
        }
    }

    /**
     * Queues {@code task} to run on this thread and returns at once; the future completes with its result or
     * failure. Called on this thread itself, the task still runs later (after the current one), never nested.
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (stopped) {
            result.completeExceptionally(new IllegalStateException("namespace handle is closed"));
            return result;
        }
        FutureTask<T> f = new FutureTask<>(task) {
            @Override
            protected void done() {
                try {
                    result.complete(get());
                } catch (ExecutionException e) {
                    result.completeExceptionally(e.getCause());
                } catch (CancellationException | InterruptedException e) {
                    result.completeExceptionally(new IllegalStateException("namespace handle was closed before the task ran", e));
                }
            }
        };
        queue.add(f);
        if (stopped && queue.remove(f)) {
            f.cancel(false);
        }
        return result;
    }

    private static <T> T await(FutureTask<T> f) {
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

    /** Renames the thread (a template's spare takes the name of the namespace it becomes). */
    public void rename(String name) {
        Thread t = thread;
        if (t != null) {
            t.setName(name);
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

    private static <T> void putUninterruptibly(SynchronousQueue<T> q, T o) {
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

        /** Runs {@code r} on the spawner without waiting for it. */
        static void submit(Runnable r) {
            TASKS.add(new FutureTask<>(r, null));
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
                Path original = Path.of("/proc/" + ProcessId.pid() + "/ns/net");
                Object here = Files.getAttribute(Path.of("/proc/thread-self/ns/net"), "unix:ino");
                Object home = Files.getAttribute(original, "unix:ino");
                if (here.equals(home)) {
                    return;
                }
                int fd = LibC.open(original.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
                if (fd < 0 || LibC.setns(fd, LibC.CLONE_NEWNET) != 0) {
                    Log.LOG.warn("namespace spawner could not enter the original network namespace: errno {}",
                            LibC.errno());
                }
                if (fd >= 0) {
                    LibC.close(fd);
                }
            } catch (IOException | RuntimeException | LinkageError e) {
                Log.LOG.warn("namespace spawner could not check its network namespace", e);
            }
        }
    }
}
