package io.netkit.cluster;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a member cut off from the store finds it again: a fresh etcd client and one keep-alive of the member's lease on
 * it. A fresh gRPC channel connects at once, where the member's old channel waits out an exponential reconnect backoff
 * (up to two minutes). A probe gets the whole request timeout to answer (a new connection on a loaded host may take a
 * while; cutting it shorter could starve it forever); one that failed (while etcd is down, connections are refused at
 * once) is replaced by a new client on the next step. Used by the member's agent thread only.
 */
final class ReconnectProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconnectProbe.class);

    /** What a step found. */
    enum Outcome {
        /** No answer yet, or a failed probe replaced by a new one. */
        PENDING,
        /** The store answered and the lease lives. */
        ALIVE,
        /** The store answered: the lease is gone. */
        LEASE_GONE
    }

    private final Supplier<Client> clients;
    private final Duration patience;
    private Client candidate;
    private CompletableFuture<LeaseKeepAliveResponse> probe;
    private long startedAt;

    ReconnectProbe(Supplier<Client> clients, Duration patience) {
        this.clients = clients;
        this.patience = patience;
    }

    /** One step (each agent tick while cut off): looks at the running probe, or starts one for {@code leaseId}. */
    Outcome step(long leaseId) {
        CompletableFuture<LeaseKeepAliveResponse> p = probe;
        if (p != null) {
            if (!p.isDone() && System.nanoTime() - startedAt < patience.toNanos()) {
                return Outcome.PENDING;
            }
            Throwable failure = null;
            if (p.isDone()) {
                try {
                    p.join();
                    return Outcome.ALIVE;
                } catch (CompletionException | CancellationException e) {
                    failure = e.getCause() == null ? e : e.getCause();
                    if (leaseNotFound(failure)) {
                        return Outcome.LEASE_GONE;
                    }
                }
            }
            p.cancel(true);
            LOG.debug("store still unreachable: {}", failure == null ? "no answer within " + patience.toMillis() + " ms" : failure);
            close();
        }
        candidate = clients.get();
        startedAt = System.nanoTime();
        try {
            probe = candidate.getLeaseClient().keepAliveOnce(leaseId);
        } catch (RuntimeException e) {
            probe = CompletableFuture.failedFuture(e);
        }
        return Outcome.PENDING;
    }

    /** The client whose probe answered (after {@link Outcome#ALIVE} or {@link Outcome#LEASE_GONE}); the caller owns it. */
    Client take() {
        Client c = candidate;
        candidate = null;
        probe = null;
        return c;
    }

    /** Whether {@code e} (or a cause) is etcd's "requested lease not found". */
    static boolean leaseNotFound(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("lease not found")) {
                return true;
            }
        }
        return false;
    }

    static void closeQuietly(Client c) {
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.debug("closing an etcd client: {}", e.toString());
            }
        }
    }

    /** Drops the running probe and its client. */
    @Override
    public void close() {
        if (probe != null) {
            probe.cancel(true);
        }
        closeQuietly(candidate);
        candidate = null;
        probe = null;
    }
}
