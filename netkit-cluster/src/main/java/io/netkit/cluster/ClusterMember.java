package io.netkit.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.netkit.core.Endpoint;
import io.netkit.core.EndpointSpec;
import io.netkit.core.Overlay;
import io.netkit.core.OverlayPeer;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.MacAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's membership in a {@link ClusterNetwork}: its leased subnet, its {@link Overlay}, and the agent that keeps
 * both in step with the store. One thread per member keeps the lease alive (every quarter of its TTL), applies the
 * watch's events to the data plane, and compares the whole store with the kernel after a reconnect and every
 * resync interval.
 *
 * <p>Store outages: when a keep-alive fails, the member is {@link State#STORE_UNREACHABLE}; the data plane stays as it
 * is (traffic between existing hosts keeps flowing). Every second it then tries a fresh etcd client (a new gRPC
 * channel connects at once, where the old one waits out an exponential reconnect backoff of up to two minutes), so it
 * is back within about a second of etcd answering again. It then re-lists the store and watches from that list's
 * revision (a full resync: no gap, and no "revision compacted" to handle), so hosts that joined or left meanwhile are
 * programmed. etcd extends every lease when it restarts, so a lease normally outlives an etcd restart; if the lease
 * ran out anyway (the member was cut off from a running etcd for longer than its TTL), the member leases the same
 * subnet again (compare-and-swap: only if no other host holds it). If another host took that subnet meanwhile (new hosts
 * pick a random free subnet, so this is unlikely), the member says so in an ERROR, removes its routes to the other
 * hosts and stops ({@link State#SUBNET_LOST}): close it and join again.
 *
 * <p>{@link #close()} leaves cleanly: revokes the lease (the other hosts remove this one at once), then removes
 * this host's overlay and containers.
 */
public final class ClusterMember implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    /** Where a member stands with the store ({@link #state()}). */
    public enum State {
        /** The lease is kept alive and the watch runs: the data plane follows the store. */
        CONNECTED,
        /** The store does not answer: the data plane stays as it is; a fresh connection is tried every second. */
        STORE_UNREACHABLE,
        /**
         * The lease ran out while the member was cut off, and another host leased this host's subnet meanwhile: the
         * member removed its routes, neighbours and FDB entries to the other hosts (its containers' addresses now
         * belong to that host) and does nothing more. Its containers stay; close it and join again (flanneld in the
         * same situation exits, and its restart leases a new subnet).
         */
        SUBNET_LOST,
        /** {@link #close()}d. */
        CLOSED
    }

    private final String cluster;
    private final ClusterNetwork.Builder settings;
    private final java.util.function.Supplier<Client> clients;
    private volatile Client client;
    private final SubnetLeases leases;
    private final Overlay overlay;
    private final MacAddress mac;
    private final ScheduledExecutorService agent;
    private final ByteSequence prefix;
    private volatile long leaseId;
    private volatile State state = State.CONNECTED;
    private volatile boolean needResync;
    private volatile boolean closed;
    private Watch.Watcher watcher;
    private int generation;
    private long lastResync;
    private final ReconnectProbe reconnect;
    private long cutOffAt; // agent thread only

    private ClusterMember(ClusterNetwork.Builder b, java.util.function.Supplier<Client> clients, Client client,
                          SubnetLeases leases, Overlay overlay, MacAddress mac, long leaseId) {
        this.cluster = b.name;
        this.settings = b;
        this.clients = clients;
        this.client = client;
        this.leases = leases;
        this.overlay = overlay;
        this.mac = mac;
        this.leaseId = leaseId;
        this.prefix = SubnetLeases.bytes(HostRecord.prefix(cluster));
        this.reconnect = new ReconnectProbe(clients, b.requestTimeout);
        this.agent = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "netkit-cluster-" + cluster);
            t.setDaemon(true);
            return t;
        });
    }

    static ClusterMember join(ClusterNetwork.Builder b, java.util.function.Supplier<Client> clients, MacAddress mac) {
        Client[] holder = {clients.get()};
        try {
            return join(b, clients, holder, mac);
        } catch (RuntimeException | Error e) {
            holder[0].close();
            throw e;
        }
    }

    private static ClusterMember join(ClusterNetwork.Builder b, java.util.function.Supplier<Client> clients, Client[] holder,
                                      MacAddress mac) {
        Client client = holder[0];
        SubnetLeases leases = new SubnetLeases(client, b.name, b.cidr, b.subnetLength, b.requestTimeout);
        IpPrefix preferred = existingSubnet(b).orElse(null);
        long deadline = System.nanoTime() + b.joinTimeout.toNanos();
        SubnetLeases.Leased leased;
        int failed = 0;
        while (true) {
            try {
                leases.ensureConfig(b.vni, b.port);
                leased = leases.acquire(b.underlay, mac, b.leaseTtl.toSeconds(), preferred);
                break;
            } catch (SubnetLeases.Unavailable e) {
                if (System.nanoTime() > deadline) {
                    throw new ClusterException("join cluster " + b.name + ": the store " + b.endpoints + " stayed unreachable for "
                            + b.joinTimeout.toSeconds() + " s (" + e.getMessage() + "); check that etcd runs and is reachable", e);
                }
                if (failed++ % 10 == 0) {
                    LOG.info("join cluster {}: store unreachable, retrying every 500 ms: {}", b.name, e.getMessage());
                }
                // each retry on a fresh channel: the old one may be waiting out its reconnect backoff
                client.close();
                client = clients.get();
                holder[0] = client;
                leases.use(client);
                sleep(500);
            }
        }
        Overlay ov;
        try {
            ov = Overlay.vxlan(b.device).on(b.host).vni(b.vni).port(b.port).underlay(b.underlay)
                    .cidr(b.cidr.toString()).subnet(leased.subnet()).bridge(b.bridge).vtepMac(mac).create();
        } catch (RuntimeException e) {
            revokeQuietly(client, leased.leaseId(), e);
            throw e;
        }
        ClusterMember m = new ClusterMember(b, clients, client, leases, ov, mac, leased.leaseId());
        try {
            m.start();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    private static Optional<IpPrefix> existingSubnet(ClusterNetwork.Builder b) {
        Optional<Link> l = b.host.netns().netlink().links().find(b.device);
        if (l.isEmpty() || l.get().alias() == null) {
            return Optional.empty();
        }
        try {
            String s = HostRecord.fields(l.get().alias()).get("subnet");
            return s == null ? Optional.empty() : Optional.of(IpPrefix.parse(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private void start() {
        call(() -> {
            // one keep-alive before join() returns: it loads the keep-alive path's classes, which in a fresh JVM on a
            // loaded machine can take longer than a short lease TTL if left to the first periodic keep-alive
            keepAlive();
            resync();
            return null;
        });
        long period = Math.max(500, settings.leaseTtl.toMillis() / 4);
        agent.scheduleWithFixedDelay(guard("keep-alive", this::keepAlive), period, period, TimeUnit.MILLISECONDS);
        long tick = Math.min(settings.resyncInterval.toMillis(), 1000);
        agent.scheduleWithFixedDelay(guard("resync", this::tick), tick, tick, TimeUnit.MILLISECONDS);
    }

    /** A periodic task that survives its own failures (a scheduled task that throws is never run again). */
    private Runnable guard(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                needResync = true;
                LOG.warn("cluster {}: {} failed: {}", cluster, what, e.toString());
            }
        };
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The cluster's name. */
    public String cluster() {
        return cluster;
    }

    /** This host's leased subnet. */
    public IpPrefix subnet() {
        return overlay.subnet();
    }

    /** This host's overlay (VXLAN device, bridge, peers). */
    public Overlay overlay() {
        return overlay;
    }

    /** This host as the store publishes it. */
    public OverlayPeer self() {
        return overlay.self();
    }

    /** The other hosts as the kernel has them programmed ({@link Overlay#peers()}). */
    public List<OverlayPeer> peers() {
        return overlay.peers();
    }

    /** The etcd lease holding this host's entry ({@code etcdctl lease timetolive ID} in hex). */
    public long leaseId() {
        return leaseId;
    }

    /** Whether the last keep-alive reached the store ({@link #state()} is {@link State#CONNECTED}). */
    public boolean storeReachable() {
        return state == State.CONNECTED;
    }

    /** Where this member stands with the store: connected, cut off (data plane kept), subnet lost, or closed. */
    public State state() {
        return state;
    }

    /** Attaches a container to this host's subnet; see {@link io.netkit.core.Network#attach(String)}. */
    public Endpoint attach(String namespace) {
        return overlay.attach(namespace);
    }

    /** Attaches a container as {@code spec} says. */
    public Endpoint attach(EndpointSpec spec) {
        return overlay.attach(spec);
    }

    // ------------------------------------------------------------------------------------------------ agent

    /** Every quarter of the lease TTL while connected. */
    private void keepAlive() {
        if (closed || state != State.CONNECTED) {
            return; // while cut off, tick() probes
        }
        try {
            leases.await("keep lease " + Long.toHexString(leaseId) + " alive", client.getLeaseClient().keepAliveOnce(leaseId));
        } catch (RuntimeException e) {
            if (ReconnectProbe.leaseNotFound(e)) {
                leaseGone();
                return;
            }
            LOG.warn("cluster {}: store unreachable ({}); the data plane stays as it is; reconnecting every second",
                    cluster, e.getMessage());
            state = State.STORE_UNREACHABLE;
            cutOffAt = System.nanoTime();
            needResync = true;
        }
    }

    /** Each tick while cut off: a keep-alive on a fresh client ({@link ReconnectProbe}); adopts the one that answers. */
    private void probe() {
        ReconnectProbe.Outcome o = reconnect.step(leaseId);
        if (o == ReconnectProbe.Outcome.PENDING) {
            return;
        }
        adopt(reconnect.take());
        if (o == ReconnectProbe.Outcome.LEASE_GONE) {
            leaseGone();
            return;
        }
        LOG.info("cluster {}: store reachable again after {} ms; resyncing", cluster,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutOffAt));
        state = State.CONNECTED;
        resync();
    }

    /** Makes {@code fresh} the member's client; the old one (and its watch) is closed. */
    private void adopt(Client fresh) {
        Client old = client;
        Watch.Watcher w = watcher;
        watcher = null;
        generation++;
        client = fresh;
        leases.use(fresh);
        if (w != null) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.debug("cluster {}: closing the old watch: {}", cluster, e.toString());
            }
        }
        ReconnectProbe.closeQuietly(old);
    }

    /** The store no longer has this member's lease: lease the same subnet again, or stop if another host took it. */
    private void leaseGone() {
        IpPrefix subnet = overlay.subnet();
        Optional<SubnetLeases.Leased> again;
        try {
            again = leases.reclaim(settings.underlay, mac, settings.leaseTtl.toSeconds(), subnet);
        } catch (SubnetLeases.Unavailable e) {
            LOG.warn("cluster {}: lease {} ran out; could not lease {} again yet: {}", cluster, Long.toHexString(leaseId),
                    subnet, e.getMessage());
            if (state == State.CONNECTED) {
                state = State.STORE_UNREACHABLE;
                cutOffAt = System.nanoTime();
            }
            needResync = true;
            return;
        }
        if (again.isEmpty()) {
            if (watcher != null) {
                watcher.close();
                watcher = null;
            }
            generation++;
            try {
                overlay.sync(List.of());
            } finally {
                state = State.SUBNET_LOST; // only once the data plane is gone: state() == SUBNET_LOST means it left
            }
            LOG.error("cluster {}: this host's lease {} ran out (its keep-alives did not reach the store in time), and another host leased "
                    + "its subnet {} meanwhile: this host left the overlay (its routes, neighbours and FDB entries to the "
                    + "other hosts are removed; its containers stay, but their addresses now belong to the other host). "
                    + "Close this member and join again for a new subnet", cluster, Long.toHexString(leaseId), subnet);
            return;
        }
        LOG.warn("cluster {}: lease {} ran out (its keep-alives did not reach the store in time); leased the same subnet {} again "
                + "(lease {})", cluster, Long.toHexString(leaseId), subnet, Long.toHexString(again.get().leaseId()));
        leaseId = again.get().leaseId();
        state = State.CONNECTED;
        resync();
    }

    private void tick() {
        if (closed) {
            return;
        }
        if (state == State.STORE_UNREACHABLE) {
            probe();
            return;
        }
        if (state != State.CONNECTED) {
            return;
        }
        boolean due = System.nanoTime() - lastResync > settings.resyncInterval.toNanos();
        if (needResync || due) {
            try {
                resync();
            } catch (RuntimeException e) {
                needResync = true;
                LOG.debug("cluster {}: resync failed: {}", cluster, e.getMessage());
            }
        }
    }

    /** Initial list (or a re-list), the data plane made to match it, and a watch from the list's revision on. */
    private void resync() {
        GetResponse all = leases.await("list the cluster's hosts",
                client.getKVClient().get(prefix, GetOption.builder().isPrefix(true).build()));
        List<OverlayPeer> peers = new ArrayList<>();
        for (KeyValue kv : all.getKvs()) {
            peer(kv).ifPresent(peers::add);
        }
        overlay.sync(peers);
        long revision = all.getHeader().getRevision();
        if (watcher != null) {
            watcher.close();
        }
        int gen = ++generation;
        watcher = client.getWatchClient().watch(prefix, WatchOption.builder().isPrefix(true).withRevision(revision + 1).build(),
                Watch.listener(r -> agent.execute(() -> apply(gen, r)),
                        err -> {
                            LOG.debug("cluster {}: watch ended: {}", cluster, err.toString());
                            needResync = true;
                        },
                        () -> needResync = true));
        needResync = false;
        lastResync = System.nanoTime();
    }

    private void apply(int gen, WatchResponse r) {
        if (gen != generation || closed) {
            return; // an older watch's event: the resync that replaced it has seen its effect
        }
        for (WatchEvent e : r.getEvents()) {
            String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
            try {
                if (e.getEventType() == WatchEvent.EventType.PUT) {
                    peer(e.getKeyValue()).ifPresent(overlay::addPeer);
                } else if (e.getEventType() == WatchEvent.EventType.DELETE) {
                    IpPrefix subnet = HostRecord.subnetOf(cluster, key);
                    if (!subnet.equals(overlay.subnet())) {
                        overlay.removePeer(subnet);
                    }
                }
            } catch (RuntimeException ex) {
                LOG.warn("cluster {}: could not apply {} of {}: {}", cluster, e.getEventType(), key, ex.toString());
                needResync = true;
            }
        }
    }

    /** The peer an entry describes; empty for this host's own entry and for damaged entries. */
    private Optional<OverlayPeer> peer(KeyValue kv) {
        String key = kv.getKey().toString(StandardCharsets.UTF_8);
        try {
            OverlayPeer p = HostRecord.decode(cluster, key, kv.getValue().getBytes()).peer();
            if (p.subnet().equals(overlay.subnet()) || p.underlay().equals(overlay.underlay())) {
                return Optional.empty();
            }
            if (p.subnet().prefixLength() < settings.cidr.prefixLength() || !settings.cidr.contains(p.subnet().address())) {
                LOG.warn("cluster {}: ignoring entry {} outside the cluster CIDR {}", cluster, key, settings.cidr);
                return Optional.empty();
            }
            return Optional.of(p);
        } catch (RuntimeException e) {
            LOG.warn("cluster {}: ignoring damaged entry {}: {}", cluster, key, e.getMessage());
            return Optional.empty();
        }
    }

    private <T> T call(java.util.concurrent.Callable<T> task) {
        try {
            return agent.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("cluster " + cluster + ": interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new ClusterException("cluster " + cluster + ": " + e.getCause(), e.getCause());
        }
    }

    // ------------------------------------------------------------------------------------------------ leave

    /**
     * Leaves the cluster: stops the agent, revokes the lease (its entry vanishes, so the other hosts remove this one
     * at once; if the store is unreachable, they do when the lease runs out), removes this host's overlay and
     * containers, and closes the store client. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean lost = state == State.SUBNET_LOST;
        state = State.CLOSED;
        agent.shutdownNow();
        try {
            agent.awaitTermination(settings.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (watcher != null) {
                watcher.close();
            }
            if (!lost) {
                revokeQuietly(client, leaseId, null);
            }
            overlay.close();
        } finally {
            reconnect.close();
            client.close();
        }
    }

    private static void revokeQuietly(Client client, long lease, Throwable onto) {
        try {
            client.getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("could not revoke lease {} ({}); it runs out on its own", Long.toHexString(lease), e.toString());
            if (onto != null) {
                onto.addSuppressed(e);
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterMember[" + cluster + " " + overlay.subnet() + " lease " + Long.toHexString(leaseId)
                + (state == State.CONNECTED ? "" : " " + state) + "]";
    }
}
