package io.netkit.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
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
 * resync interval. While the store is unreachable the data plane stays as it is; when it is back, the member
 * resyncs, and takes a new lease for the same subnet if its lease ran out meanwhile.
 *
 * <p>{@link #close()} leaves cleanly: revokes the lease (the other hosts remove this one at once), then removes
 * this host's overlay and containers.
 */
public final class ClusterMember implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);
    /** How long a keep-alive may take while the store is known to be unreachable. */
    private static final java.time.Duration PROBE_TIMEOUT = java.time.Duration.ofSeconds(1);
    /**
     * While cut off, a new etcd client at most this often: a fresh gRPC channel connects at once, where the old one
     * waits out its exponential reconnect backoff (up to two minutes).
     */
    private static final java.time.Duration RECONNECT_EVERY = java.time.Duration.ofSeconds(2);

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
    private volatile boolean storeReachable = true;
    private volatile boolean needResync;
    private volatile boolean closed;
    private Watch.Watcher watcher;
    private int generation;
    private long lastResync;

    private long lastReconnect = System.nanoTime(); // agent thread only

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
                LOG.info("join cluster {}: store unreachable, retrying: {}", b.name, e.getMessage());
                if (++failed % 4 == 0) {
                    client.close();
                    client = clients.get();
                    holder[0] = client;
                    leases.use(client);
                }
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

    /** Whether the last keep-alive reached the store. */
    public boolean storeReachable() {
        return storeReachable;
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

    private void keepAlive() {
        if (closed) {
            return;
        }
        try {
            // While cut off, probe with a short timeout so that the store's return is noticed within seconds.
            LeaseKeepAliveResponse r = leases.await("keep lease " + Long.toHexString(leaseId) + " alive",
                    client.getLeaseClient().keepAliveOnce(leaseId), storeReachable ? settings.requestTimeout : PROBE_TIMEOUT);
            if (r.getTTL() <= 0) {
                relet("the store reports lease " + Long.toHexString(leaseId) + " expired");
                return;
            }
            if (!storeReachable) {
                LOG.info("cluster {}: store reachable again; resyncing", cluster);
                storeReachable = true;
                resync();
            }
        } catch (RuntimeException e) {
            String text = String.valueOf(e.getMessage()) + " " + e.getCause();
            if (text.contains("lease not found") || text.contains("expired")) {
                relet("lease " + Long.toHexString(leaseId) + " is gone");
                return;
            }
            if (storeReachable) {
                LOG.warn("cluster {}: store unreachable ({}); the data plane stays as it is", cluster, e.getMessage());
            }
            storeReachable = false;
            needResync = true;
            if (System.nanoTime() - lastReconnect > RECONNECT_EVERY.toNanos()) {
                reconnect();
            }
        }
    }

    /** Replaces the etcd client by a new one (its channel connects at once instead of after a long backoff). */
    private void reconnect() {
        LOG.debug("cluster {}: new etcd client", cluster);
        lastReconnect = System.nanoTime();
        Client old = client;
        Watch.Watcher w = watcher;
        watcher = null;
        generation++;
        client = clients.get();
        leases.use(client);
        try {
            if (w != null) {
                w.close();
            }
            old.close();
        } catch (RuntimeException e) {
            LOG.debug("cluster {}: closing the old etcd client: {}", cluster, e.toString());
        }
    }

    private void relet(String why) {
        LOG.warn("cluster {}: {}; leasing {} again", cluster, why, overlay.subnet());
        try {
            SubnetLeases.Leased l = leases.acquire(settings.underlay, mac, settings.leaseTtl.toSeconds(), overlay.subnet());
            if (!l.subnet().equals(overlay.subnet())) {
                revokeQuietly(client, l.leaseId(), null);
                LOG.error("cluster {}: subnet {} was taken by another host while this one was cut off from the store; "
                        + "close this member and join again", cluster, overlay.subnet());
                return;
            }
            leaseId = l.leaseId();
            storeReachable = true;
            resync();
        } catch (RuntimeException e) {
            storeReachable = false;
            needResync = true;
            LOG.warn("cluster {}: could not lease {} again yet: {}", cluster, overlay.subnet(), e.getMessage());
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        if (!storeReachable) {
            keepAlive(); // probe every tick while cut off, so the agent notices the store's return quickly
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
            revokeQuietly(client, leaseId, null);
            overlay.close();
        } finally {
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
                + (storeReachable ? "" : " store unreachable") + "]";
    }
}
