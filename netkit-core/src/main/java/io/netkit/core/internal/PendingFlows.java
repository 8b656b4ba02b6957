package io.netkit.core.internal;

import io.netkit.netlink.Conntrack;
import io.netkit.netlink.ConntrackEntry;
import io.netkit.netlink.ConntrackFilter;
import io.netkit.netlink.NetNamespace;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The conntrack cleanup of detached endpoints, in the background and in bulk. Deleting a detached address's entries
 * means dumping the host's conntrack table, and a dump walks every bucket of the host-wide hash (262144 buckets: about
 * 6.5 ms) however few entries the namespace has; a detach only queues its addresses here, and one dump serves every
 * address queued meanwhile. Whoever hands an address out again in this process first waits for the queue
 * ({@link #await()}), so no old flow reaches a new holder through this process's own attaches; a completed forget
 * also tells {@link CleanAddresses} that the address is clean, so the attach that hands it out again on a publishing
 * network needs no dump of its own. One daemon thread serves all networks. Not for use outside netkit.
 */
public final class PendingFlows {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(PendingFlows.class);
    }
    private static final ExecutorService EXECUTOR = Executors.newSingleThreadExecutor(new DaemonThreads("netkit-flows"));

    private final NetNamespace host;
    private final String what;
    private final Set<InetAddress> queued = new LinkedHashSet<>(); // guarded by this
    private final List<Runnable> done = new ArrayList<>(); // to run once queued's forget completed; guarded by this
    private boolean busy; // a run is scheduled or running; guarded by this

    /** @param host the namespace whose conntrack table holds the flows; {@code what} names the network for logs */
    public PendingFlows(NetNamespace host, String what) {
        this.host = host;
        this.what = what;
    }

    /** Queues the deletion of every entry in which {@code address} appears (see {@link Flows#forget}). */
    public synchronized void forgetLater(InetAddress address) {
        forgetLater(List.of(address), null);
    }

    /**
     * Queues {@code addresses} (see {@link #forgetLater(InetAddress)}); {@code whenForgotten}, if not null, runs on the
     * background thread once a dump that started after this call has deleted their entries (never if it failed).
     */
    public synchronized void forgetLater(java.util.Collection<InetAddress> addresses, Runnable whenForgotten) {
        queued.addAll(addresses);
        if (whenForgotten != null) {
            done.add(whenForgotten);
        }
        if (!busy) {
            busy = true;
            EXECUTOR.execute(this::run);
        }
    }

    /** Waits until every queued address's entries are deleted (returns at once when nothing is queued). */
    public synchronized void await() {
        boolean interrupted = false;
        while (busy) {
            try {
                wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (true) {
                List<InetAddress> batch;
                List<Runnable> then;
                synchronized (this) {
                    if (queued.isEmpty()) {
                        busy = false;
                        notifyAll();
                        return;
                    }
                    batch = new ArrayList<>(queued);
                    queued.clear();
                    then = new ArrayList<>(done);
                    done.clear();
                }
                if (forget(batch)) {
                    then.forEach(Runnable::run);
                }
            }
        } catch (RuntimeException | Error e) { // waiters must never hang; what is still queued goes with the next run
            synchronized (this) {
                busy = false;
                notifyAll();
            }
            throw e;
        }
    }

    /**
     * One dump (none when the table is empty) for all of {@code addresses}; whether it completed. Failures are logged,
     * never thrown.
     */
    private boolean forget(List<InetAddress> addresses) {
        Faults.point("flows:before-dump"); // crash tests: a detach's forget that never runs
        // The host handle's shared socket: no socket opened on (and handed off to) the host namespace's thread, and
        // none closed (a netlink socket's close waits for an RCU grace period) per detach.
        try (Conntrack ct = Conntrack.shared(host)) {
            if (ct.count() == 0) {
                return true;
            }
            List<ConntrackFilter> filters = addresses.stream().map(a -> ConntrackFilter.all().involving(a)).toList();
            int n = 0;
            for (ConntrackEntry e : ct.list()) {
                if (filters.stream().anyMatch(f -> f.matches(e)) && ct.delete(e)) {
                    n++;
                }
            }
            if (n > 0) {
                Log.LOG.debug("{}: deleted {} conntrack entr{} of detached {}", what, n, n == 1 ? "y" : "ies",
                        addresses);
            }
            return true;
        } catch (RuntimeException e) {
            Log.LOG.warn("{}: could not delete the conntrack entries of detached {} in the host namespace, so their "
                    + "flows may"
                    + " keep their translation until they time out: {}", what, addresses, e.toString());
            return false;
        }
    }
}
