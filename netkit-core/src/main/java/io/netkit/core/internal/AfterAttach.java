package io.netkit.core.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that runs what follows an attach after it returned (gratuitous ARPs and their repeats, the
 * scheduling of the next namespace ahead of time), so that the caller hands all of it over with ONE queue offer,
 * i.e. at most one thread wake-up (issue 14: each wake-up on the caller's path costs a futex call, and on 2 CPUs the
 * woken thread competes with the caller before it returns). Its thread is started when the class is first used, by
 * an attach's caller, so it lives in the caller's network namespace and never in a container's (a thread created
 * from a namespace thread would be in that namespace and keep it alive; as for {@link Spares}' scheduler, a first attach
 * called from inside a namespace would start it there). Not for use outside netkit.
 */
public final class AfterAttach {
    private static final ScheduledThreadPoolExecutor EXEC = start();

    private AfterAttach() {
    }

    private static ScheduledThreadPoolExecutor start() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, new DaemonThreads("netkit-after-attach"));
        e.setRemoveOnCancelPolicy(true);
        e.prestartCoreThread();   // now, on the caller's thread: later tasks (run there) never start a thread
        return e;
    }

    /** Runs {@code work} on the after-attach thread as soon as it is free. */
    public static void run(Runnable work) {
        EXEC.execute(work);
    }

    /** Runs {@code work} on the after-attach thread {@code delayMs} from now. */
    public static void later(Runnable work, long delayMs) {
        EXEC.schedule(work, delayMs, TimeUnit.MILLISECONDS);
    }
}
