package io.netkit.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.netkit.core.OverlayPeer;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subnet leases in etcd, as flannel takes them: a host entry per subnet, created only if absent
 * ({@code If(create_revision(KEY) == 0) Then(Put(KEY, VALUE, lease))} in one transaction), so two hosts can never hold
 * the same subnet; a host that finds its own underlay address in an entry takes that entry over with a new lease
 * ({@code If(mod_revision(KEY) == SEEN)}), which is how a restarted agent gets its subnet back while the old lease lives.
 * A new host takes a random free subnet (as flannel does), not the lowest: a subnet whose host is only cut off from the
 * store for a while (its lease ran out, its containers still use it) is then unlikely to be handed to a newcomer.
 */
final class SubnetLeases {
    private static final Logger LOG = LoggerFactory.getLogger(SubnetLeases.class);
    private static final int ATTEMPTS = 200;

    /** A leased subnet: the lease id and whether an existing entry of this host was taken over. */
    record Leased(IpPrefix subnet, long leaseId, boolean reclaimed) {}

    /** The store did not answer, or failed the request: worth retrying later. */
    static final class Unavailable extends ClusterException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private volatile Client client;
    private final String cluster;
    private final IpPrefix cidr;
    private final int subnetLength;
    private final Duration timeout;

    SubnetLeases(Client client, String cluster, IpPrefix cidr, int subnetLength, Duration timeout) {
        this.client = client;
        this.cluster = cluster;
        this.cidr = cidr;
        this.subnetLength = subnetLength;
        this.timeout = timeout;
    }

    /** Uses {@code client} from now on (a new one after the old lost its connection). */
    void use(Client client) {
        this.client = client;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    <T> T await(String what, CompletableFuture<T> f) {
        return await(what, f, timeout);
    }

    <T> T await(String what, CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new ClusterException("cluster " + cluster + ": " + what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new Unavailable("cluster " + cluster + ": " + what + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new Unavailable("cluster " + cluster + ": " + what + ": no answer from etcd within " + timeout.toMillis()
                    + " ms (is the store reachable?)", e);
        }
    }

    /**
     * Records the cluster's settings the first time, and checks them against the stored ones afterwards (all hosts of
     * a cluster must agree on CIDR, subnet length, VNI and port).
     */
    void ensureConfig(int vni, int port) {
        String want = "cidr=" + cidr + " len=" + subnetLength + " vni=" + vni + " port=" + port;
        ByteSequence key = bytes(HostRecord.configKey(cluster));
        TxnResponse r = await("record the cluster settings", client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(key, bytes(want), PutOption.DEFAULT))
                .Else(Op.get(key, GetOption.DEFAULT)).commit());
        if (!r.isSucceeded()) {
            String have = r.getGetResponses().get(0).getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
            if (!HostRecord.fields(have).equals(HostRecord.fields(want))) {
                throw new ClusterException("cluster " + cluster + " exists in the store with other settings (" + have
                        + "; this host asked for " + want + "): join it with the same settings, or choose another cluster name");
            }
        }
    }

    /**
     * Leases a subnet for the host at {@code underlay} whose VXLAN device has {@code mac}: its own entry if the store
     * still has one, else {@code preferred} if free, else a random free subnet. Grants a lease of {@code ttlSeconds}.
     *
     * @throws ClusterException "no free subnet" when every subnet of the CIDR is leased
     */
    Leased acquire(InetAddress underlay, MacAddress mac, long ttlSeconds, IpPrefix preferred) {
        long lease = await("grant a lease of " + ttlSeconds + " s", client.getLeaseClient().grant(ttlSeconds)).getID();
        try {
            return take(underlay, mac, lease, preferred);
        } catch (RuntimeException e) {
            try {
                client.getLeaseClient().revoke(lease).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception revokeFailed) {
                e.addSuppressed(revokeFailed);
            }
            throw e;
        }
    }

    private Leased take(InetAddress underlay, MacAddress mac, long lease, IpPrefix preferred) {
        String prefix = HostRecord.prefix(cluster);
        int count = 1 << (subnetLength - cidr.prefixLength());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            GetResponse all = await("list the cluster's hosts", client.getKVClient().get(bytes(prefix),
                    GetOption.builder().isPrefix(true).build()));
            Set<IpPrefix> taken = new HashSet<>();
            KeyValue mine = null;
            for (KeyValue kv : all.getKvs()) {
                String key = kv.getKey().toString(StandardCharsets.UTF_8);
                try {
                    HostRecord rec = HostRecord.decode(cluster, key, kv.getValue().getBytes());
                    taken.add(rec.peer().subnet());
                    if (rec.peer().underlay().equals(underlay)) {
                        mine = kv;
                    }
                } catch (RuntimeException bad) {
                    LOG.warn("cluster {}: ignoring damaged entry {}: {}", cluster, key, bad.getMessage());
                    try {
                        taken.add(HostRecord.subnetOf(cluster, key));
                    } catch (RuntimeException ignored) {
                        // not even a subnet: it blocks nothing
                    }
                }
            }
            if (mine != null) {
                IpPrefix subnet = HostRecord.subnetOf(cluster, mine.getKey().toString(StandardCharsets.UTF_8));
                if (put(subnet, underlay, mac, lease, CmpTarget.modRevision(mine.getModRevision()))) {
                    return new Leased(subnet, lease, true);
                }
                continue;
            }
            IpPrefix pick = preferred != null && !taken.contains(preferred) ? preferred : randomFree(taken, count);
            if (pick == null) {
                throw new ClusterException("cluster " + cluster + ": no free subnet: all " + count + " /" + subnetLength
                        + " subnets of " + cidr + " are leased by other hosts; use a larger cluster CIDR or a longer "
                        + "subnet length, or wait for a host's lease to expire");
            }
            if (put(pick, underlay, mac, lease, CmpTarget.createRevision(0))) {
                return new Leased(pick, lease, false);
            }
            LOG.debug("cluster {}: {} was taken meanwhile, trying again", cluster, pick);
        }
        throw new ClusterException("cluster " + cluster + ": could not lease a subnet in " + ATTEMPTS
                + " attempts (other hosts kept taking the candidates); try again");
    }

    /**
     * A random subnet not in {@code taken}, or null: random tries first (uniform while the CIDR is not nearly full),
     * then a scan from a random start.
     */
    private IpPrefix randomFree(Set<IpPrefix> taken, int count) {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 64; i++) {
            IpPrefix c = subnetAt(random.nextInt(count));
            if (!taken.contains(c)) {
                return c;
            }
        }
        int start = random.nextInt(count);
        for (int i = 0; i < count; i++) {
            IpPrefix c = subnetAt((start + i) % count);
            if (!taken.contains(c)) {
                return c;
            }
        }
        return null;
    }

    private IpPrefix subnetAt(int index) {
        return IpPrefix.of(Ipv4Math.fromInt(Ipv4Math.toInt(cidr.address()) + (index << (32 - subnetLength))), subnetLength);
    }

    /**
     * Leases exactly {@code subnet} again for the host at {@code underlay}, after its lease ran out while it was cut off
     * from the store: creates the entry if nobody holds it ({@code If(create_revision(KEY) == 0)}), or takes over an
     * entry of this same underlay address. Empty (and no lease left behind) when another host leased the subnet
     * meanwhile.
     */
    Optional<Leased> reclaim(InetAddress underlay, MacAddress mac, long ttlSeconds, IpPrefix subnet) {
        long lease = await("grant a lease of " + ttlSeconds + " s", client.getLeaseClient().grant(ttlSeconds)).getID();
        try {
            ByteSequence key = bytes(HostRecord.key(cluster, subnet));
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                if (put(subnet, underlay, mac, lease, CmpTarget.createRevision(0))) {
                    return Optional.of(new Leased(subnet, lease, false));
                }
                GetResponse now = await("read " + subnet + "'s entry", client.getKVClient().get(key));
                if (now.getKvs().isEmpty()) {
                    continue; // deleted in between: try to create it again
                }
                KeyValue kv = now.getKvs().get(0);
                InetAddress holder;
                try {
                    holder = HostRecord.decode(cluster, key.toString(StandardCharsets.UTF_8), kv.getValue().getBytes()).peer().underlay();
                } catch (RuntimeException damaged) {
                    holder = null;
                }
                if (!underlay.equals(holder)) {
                    revokeQuietly(lease);
                    return Optional.empty();
                }
                if (put(subnet, underlay, mac, lease, CmpTarget.modRevision(kv.getModRevision()))) {
                    return Optional.of(new Leased(subnet, lease, true)); // its own entry (an earlier answer got lost)
                }
            }
            throw new ClusterException("cluster " + cluster + ": could not lease " + subnet + " again in " + ATTEMPTS
                    + " attempts (its entry kept changing); try again");
        } catch (RuntimeException e) {
            revokeQuietly(lease);
            throw e;
        }
    }

    private void revokeQuietly(long lease) {
        try {
            client.getLeaseClient().revoke(lease).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.debug("cluster {}: could not revoke lease {} ({}); it runs out on its own", cluster, Long.toHexString(lease), e.toString());
        }
    }

    private boolean put(IpPrefix subnet, InetAddress underlay, MacAddress mac, long lease, CmpTarget<?> condition) {
        ByteSequence key = bytes(HostRecord.key(cluster, subnet));
        ByteSequence value = ByteSequence.from(new HostRecord(new OverlayPeer(subnet, underlay, mac)).value());
        TxnResponse r = await("lease " + subnet, client.getKVClient().txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, condition))
                .Then(Op.put(key, value, PutOption.builder().withLeaseId(lease).build()))
                .commit());
        if (r.isSucceeded()) {
            LOG.debug("cluster {}: leased {} for {} (lease {})", cluster, subnet, IpAddresses.format(underlay),
                    Long.toHexString(lease));
        }
        return r.isSucceeded();
    }
}
