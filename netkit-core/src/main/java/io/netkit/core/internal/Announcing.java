package io.netkit.core.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts attach's background address announcements (gratuitous ARP / unsolicited neighbour advertisements, sent from
 * the container's namespace thread after attach returned, three times), so that a benchmark can tell whether a slow
 * operation ran beside one (issue 14: does a detach's tail coincide with the previous attach's deferred work?). Not for
 * use outside netkit.
 */
public final class Announcing {
    private static final AtomicLong STARTED = new AtomicLong();
    private static final AtomicLong ENDED = new AtomicLong();

    private Announcing() {
    }

    /** Runs one announcement, counted. */
    public static <T> T run(Callable<T> announcement) throws Exception {
        STARTED.incrementAndGet();
        try {
            return announcement.call();
        } finally {
            ENDED.incrementAndGet();
        }
    }

    /** {started, ended} so far: one ran during an interval if started changed or started > ended at its start. */
    public static long[] counts() {
        long ended = ENDED.get();
        return new long[] {STARTED.get(), ended};
    }
}
