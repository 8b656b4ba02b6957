package io.netkit.core;

import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.core.internal.Ipv6Allocator;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.SubnetAllocator;
import io.netkit.netlink.Link;
import java.util.List;
import java.util.Map;

/**
 * The allocation cache of one network and its lock protocol. Allocation is serialized across threads and processes
 * by the network's {@link NetworkLock}; under it, the {@link View} (which addresses and namespaces are taken) is either
 * the one this process cached, if no other holder changed the network since (the lock file's generation says so), or
 * read afresh from one link dump. A dirty mark left by a holder that was killed mid-change makes the next holder
 * reconcile the network first ({@link Reconcile}).
 */
final class Allocations {
    /** Which addresses are allocated and which namespaces attached; the bridge's index and publishing flag. */
    static final class View {
        /** The IPv4 addresses, {@code null} on an IPv6-only network. */
        final SubnetAllocator alloc;
        /** The IPv6 addresses of a dual-stack or IPv6-only network, else {@code null}. */
        final Ipv6Allocator alloc6;
        int bridgeIndex;
        /** The bridge's record says ports were published on this network at some time. */
        boolean publishing;
        /**
         * No firewall rule maps an address this view holds free (a vanished endpoint's DNAT): true only after a whole
         * apply from the kernel's records under the lock, while this view stays current; a view read from a dump, or
         * one that freed an address without removing its rules, is unsure, and a publishing attach dumps and re-applies.
         */
        boolean rulesClean;

        View(SubnetAllocator alloc, Ipv6Allocator alloc6) {
            this.alloc = alloc;
            this.alloc6 = alloc6;
        }

        /** The host interface of the endpoint holding namespace {@code inode}, or {@code null}. */
        String holderOf(long inode) {
            return alloc != null ? alloc.holderOf(inode) : alloc6.holderOf(inode);
        }

        /** Frees what {@code hostIf} held in both families. */
        void release(String hostIf) {
            if (alloc != null) {
                alloc.release(hostIf);
            }
            if (alloc6 != null) {
                alloc6.release(hostIf);
            }
        }
    }

    private final Network net;
    final NetworkLock lock;

    Allocations(Network net) {
        this.net = net;
        this.lock = NetworkLock.of(net.host.netns().inode(), net.name, net.id);
    }

    /**
     * Takes the network's lock; if the previous holder was killed mid-change (dirty mark), reconciles the network
     * from the kernel first. Close the returned {@link NetworkLock.Held} to release it.
     */
    NetworkLock.Held acquire() {
        NetworkLock.Held held = lock.acquire();
        if (held.foundDirty()) {
            try {
                net.reconcile.afterInterruptedChange(held);
            } catch (RuntimeException | Error e) {
                held.close();
                throw e;
            }
        }
        return held;
    }

    /** The allocation view, from the cache if no one changed the network since, else from a fresh link dump. */
    View view(NetworkLock.Held held, String op) {
        if (held.networkDeleted()) {
            throw new NetkitException(op, "network " + net.name + " has been deleted");
        }
        View v = (View) held.cache();
        if (v == null) {
            v = read(held, KernelSnapshot.of(net, net.hostLinks().list()), op);
        }
        return v;
    }

    /** The view {@code snapshot} gives, cached for later holders of this process. */
    View read(NetworkLock.Held held, KernelSnapshot snapshot, String op) {
        View v = read(snapshot, op, held);
        held.cache(v);
        return v;
    }

    /** The view of a dump (not cached). */
    View read(List<Link> links, String op) {
        return read(KernelSnapshot.of(net, links), op, null);
    }

    private View read(KernelSnapshot s, String op, NetworkLock.Held held) {
        if (s.bridge == null) {
            if (held != null) {
                held.markDeleted(); // another process deleted it: release the lock file (nothing left to serialize)
            }
            throw new NetkitException(op, "bridge " + net.name + " (network id " + net.id + ") no longer exists on " + net.host
                    + "; the network was deleted");
        }
        View v = new View(net.subnet == null ? null : new SubnetAllocator(Ipv4.toInt(net.subnet.address()),
                net.subnet.prefixLength(), Ipv4.toInt(net.gateway) - Ipv4.toInt(net.subnet.address())),
                net.v6 == null ? null : new Ipv6Allocator(net.v6.subnet().prefixLength(),
                        Ipv6.offset(net.v6.subnet(), net.v6.gateway())));
        if (v.alloc != null && net.pool != null) {
            java.math.BigInteger[] r = net.pool.offsets(net.subnet);
            v.alloc.limit(r[0].intValueExact(), r[1].intValueExact());
        }
        if (v.alloc6 != null && net.v6.pool() != null) {
            java.math.BigInteger[] r = net.v6.pool().offsets(net.v6.subnet());
            v.alloc6.limit(r[0], r[1]);
        }
        v.bridgeIndex = s.bridge.index();
        v.publishing = s.bridgeRecord.publishing();
        for (Map.Entry<String, EndpointRecord> e : s.endpoints.entrySet()) {
            EndpointRecord r = e.getValue();
            if (v.alloc != null) {
                v.alloc.allocate(Ipv4.toInt(r.address().address()) - v.alloc.base(), e.getKey(), r.inode());
            }
            if (v.alloc6 != null && r.address6() != null) {
                v.alloc6.allocate(Ipv6.offset(net.v6.subnet(), r.address6()), e.getKey(), v.alloc == null ? r.inode() : 0);
            }
        }
        return v;
    }
}
