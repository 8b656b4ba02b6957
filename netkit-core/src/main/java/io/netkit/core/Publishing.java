package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.Firewall;
import io.netkit.core.internal.Flows;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.Link;
import io.netkit.netlink.NamespaceLock;
import io.netkit.netlink.Links;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port publishing ({@code docker run -p}) of one network: the mappings live in each endpoint's record
 * ({@code pub=t8080:80}); every change rewrites the record and re-applies the network's rules, rendered from the
 * records the kernel holds, under the network's lock. See {@link Endpoint#publish(Protocol, int, int)}.
 */
final class Publishing {
    private final Network net;

    Publishing(Network net) {
        this.net = net;
    }

    /**
     * Adds {@code add} to, or removes the host port of {@code remove} from, the endpoint's published ports: under the
     * network's lock, reads every endpoint's record from the kernel, rewrites this endpoint's record and re-applies the
     * network's rules from the records. Returns whether anything changed.
     */
    boolean change(Endpoint ep, PortMapping add, PortMapping remove) {
        String op = add != null ? "publish " + add + " on endpoint " + ep.name() + " of network " + net.name
                : "unpublish " + remove.protocol() + "/" + remove.hostPort() + " on endpoint " + ep.name() + " of network " + net.name;
        net.checkNotDeleted(op);
        if (!ep.isAttached()) {
            throw new IllegalStateException(op + ": " + ep + " is detached");
        }
        if (net.firewall == FirewallBackend.IPTABLES) {
            Privileges.requireIptablesFor(op, "publishing ports");
        }
        String hostIf = ep.hostInterface();
        try (NetworkLock.Held held = net.allocations.acquire()) {
            if (held.networkDeleted()) {
                throw new NetkitException(op, "network " + net.name + " has been deleted");
            }
            Map<String, EndpointRecord> records;
            EndpointRecord rec;
            EndpointRecord updated;
            String oldAlias;
            boolean hairpin;
            Links links = net.hostLinks();
            // A new host port is checked against every netkit network's records and recorded in ONE hold of the host
            // namespace's lock (across processes; an attach with ports does the same from its check to its veth's
            // create, which records them): never both win, and one link dump serves the check and the rules.
            HostPorts hostPorts = HostPorts.of(net.host.netns().inode());
            List<PortMapping> dropped = new ArrayList<>();
            try (NamespaceLock ports = add != null ? net.host.netns().lockExclusive() : null) {
                KernelSnapshot snap = KernelSnapshot.of(net, links.list());
                records = snap.allEndpoints;
                if (ports != null) {
                    hostPorts.refresh(records); // one dump under the host lock: every process's ports, as known now
                }
                rec = snap.endpoints.get(hostIf);
                if (rec == null) {
                    throw new IllegalStateException(op + ": " + ep + " is no longer attached (its host interface " + hostIf
                            + " is gone or detached)");
                }
                List<PortMapping> current = rec.published();
                List<PortMapping> next = new ArrayList<>(current);
                if (add != null) {
                    if (current.contains(add)) {
                        return false;
                    }
                    checkHostPortFree(records, hostIf, add, ep.name());
                    next.add(add);
                } else if (!next.removeIf(m -> m.protocol() == remove.protocol() && m.hostPort() == remove.hostPort()
                        && (remove.hostAddress() == null || remove.hostAddress().equals(m.hostAddress())))) {
                    return false;
                }
                dropped.addAll(current);
                dropped.removeAll(next);
                updated = rec.withPublished(next);
                String alias = updated.encode(ep.name());
                oldAlias = rec.encode(ep.name());
                held.changed();
                if (add != null) {
                    markPublishing(held, snap);
                    hostPorts.adding(hostIf, List.of(add)); // write-ahead, before the record: other indexes are stale
                }
                // The endpoint's first mapping also switches hairpin on (container -> host address:its own published
                // port), in the same request as the record; with mappings before, hairpin is on already.
                hairpin = add != null && current.isEmpty();
                try {
                    if (hairpin) {
                        links.setAliasAndHairpin(hostIf, alias, true);
                    } else {
                        links.setAlias(hostIf, alias);
                    }
                } catch (RuntimeException e) {
                    throw new NetkitException(op, "record the mappings on " + hostIf, e);
                }
            }
            Runnable restore = () -> {
                if (hairpin) {
                    links.setAliasAndHairpin(hostIf, oldAlias, false);
                } else {
                    links.setAlias(hostIf, oldAlias);
                }
            };
            records.put(hostIf, updated);
            try {
                apply(records);
                rulesClean(held);
            } catch (RuntimeException e) {
                try {
                    restore.run();
                    records.put(hostIf, rec);
                    apply(records);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
                if (e instanceof IllegalStateException) {
                    throw e; // iptables missing, with the package to install
                }
                throw new NetkitException(op, "apply the network's firewall rules (" + net.firewall.name().toLowerCase(java.util.Locale.ROOT) + ")", e);
            }
            if (remove != null) {
                hostPorts.removed(hostIf, dropped);
                // Flows translated for the port keep their DNAT in conntrack (a UDP client that keeps sending never
                // starts over): cut them, so the next packet meets the rules without the mapping.
                if (net.subnet != null) {
                    Flows.cut(net.host.netns(), remove.protocol() == Protocol.TCP, remove.hostPort(), ep.address(), op);
                }
                if (net.v6 != null && net.v6.publish()) {
                    ep.address6().ifPresent(a6 -> Flows.cut(net.host.netns(), remove.protocol() == Protocol.TCP,
                            remove.hostPort(), a6, op));
                }
            }
            return true;
        }
    }

    /**
     * Records on the bridge ({@code pub=1} in its alias) that this network has had published ports, so that every
     * process's attach and detach re-apply its rules from then on. Under the lock, after {@code held.changed()}.
     */
    void markPublishing(NetworkLock.Held held, KernelSnapshot snap) {
        Allocations.View cached = (Allocations.View) held.cache();
        if (cached != null && cached.publishing) {
            return;
        }
        BridgeRecord br = snap != null ? snap.bridgeRecord
                : net.hostLinks().find(net.name).flatMap(KernelSnapshot::bridgeRecord).filter(r -> r.id().equals(net.id)).orElse(null);
        if (br == null) {
            throw new NetkitException("publish on network " + net.name, "bridge " + net.name + " no longer carries network " + net.id);
        }
        if (!br.publishing()) {
            net.hostLinks().setAlias(net.name, br.withPublishing().encode());
        }
        cached = (Allocations.View) held.cache();
        if (cached != null) {
            cached.publishing = true;
        }
    }

    /** The endpoint's published ports as recorded in the kernel (empty once detached). */
    List<PortMapping> published(Endpoint ep) {
        if (!ep.isAttached()) {
            return List.of();
        }
        Optional<Link> l;
        try {
            l = net.hostLinks().find(ep.hostInterface());
        } catch (RuntimeException e) {
            throw new NetkitException("read published ports of endpoint " + ep.name(), "get link " + ep.hostInterface(), e);
        }
        if (l.isEmpty()) {
            return List.of();
        }
        KernelSnapshot snap = KernelSnapshot.of(net, List.of(l.get()));
        EndpointRecord r = snap.endpoints.get(ep.hostInterface());
        return r == null ? List.of() : r.published();
    }

    /** Refuses {@code m} if another endpoint (of any netkit network on the host) publishes its host port. */
    void checkHostPortFree(Map<String, EndpointRecord> records, String hostIf, PortMapping m, String label) {
        if (m.hostAddress() != null && !(m.appliesTo(true) ? net.subnet != null : net.v6 != null)) {
            throw new IllegalArgumentException("port mapping " + m + " for " + label + " names a host address of a family "
                    + "network " + net.name + " does not have; give a host address of the network's family, or none");
        }
        for (Map.Entry<String, EndpointRecord> e : records.entrySet()) {
            EndpointRecord rec = e.getValue();
            for (PortMapping q : rec.published()) {
                if (!q.clashesWith(m)) {
                    continue;
                }
                if (e.getKey().equals(hostIf)) {
                    throw new IllegalArgumentException("host port " + m.protocol() + "/" + m.hostPort()
                            + " is already published by endpoint " + label + " itself (as " + q + "); unpublish it first");
                }
                String other = rec.networkId().equals(net.id) ? "network " + net.name : "netkit network " + rec.network();
                throw new IllegalArgumentException("host port " + m.protocol() + "/" + m.hostPort()
                        + " is already published by endpoint " + rec.holder() + " (as " + q + ", host interface "
                        + e.getKey() + ") of " + other + "; cannot publish it for " + label
                        + ": choose another host port, or unpublish it there first");
            }
        }
    }

    /**
     * Applies the network's rules with the published ports of this network's endpoints in {@code records} (from the
     * kernel, validated, under the lock).
     */
    void apply(Map<String, EndpointRecord> records) {
        List<Firewall.Published> published = new ArrayList<>();
        List<Firewall.Published> published6 = new ArrayList<>();
        for (Map.Entry<String, EndpointRecord> e : records.entrySet()) {
            rules(e.getKey(), e.getValue(), published, published6);
        }
        net.forwarding.apply(published, published6);
    }

    /**
     * Adds the rules of one more endpoint's mappings only ({@link ForwardingPolicy#append}), under the lock, when the
     * backend can and the result is what {@link #apply} of every record would install; false: nothing changed.
     */
    boolean append(String hostIf, EndpointRecord rec) {
        List<Firewall.Published> published = new ArrayList<>();
        List<Firewall.Published> published6 = new ArrayList<>();
        rules(hostIf, rec, published, published6);
        return net.forwarding.append(published, published6);
    }

    /** The firewall's mappings of record {@code rec} (on {@code hostIf}) if it is this network's, into the lists. */
    private void rules(String hostIf, EndpointRecord rec, List<Firewall.Published> published,
                       List<Firewall.Published> published6) {
        if (!rec.networkId().equals(net.id)) {
            return;
        }
        String address = rec.address() == null ? null : IpAddresses.format(rec.address().address());
        for (PortMapping m : rec.published()) {
            String on = m.hostAddress() == null ? null : IpAddresses.format(m.hostAddress());
            if (address != null && m.appliesTo(true)) {
                published.add(new Firewall.Published(m.protocol() == Protocol.TCP ? io.netkit.iptables.Protocol.TCP
                        : io.netkit.iptables.Protocol.UDP, m.hostPort(), address, m.containerPort(),
                        rec.nsName() != null ? rec.nsName() : hostIf, on));
            }
            if (rec.address6() != null && net.v6 != null && (net.v6.publish() || m.hostAddress() != null)
                    && m.appliesTo(false)) {
                // As Docker: a published port is reachable on the host's IPv6 addresses too.
                published6.add(new Firewall.Published(m.protocol() == Protocol.TCP ? io.netkit.iptables.Protocol.TCP
                        : io.netkit.iptables.Protocol.UDP, m.hostPort(), IpAddresses.format(rec.address6()),
                        m.containerPort(), rec.nsName() != null ? rec.nsName() : hostIf, on));
            }
        }
    }

    /**
     * The rules map no address the cached view holds free (every dump-read view starts unsure; see
     * {@link Allocations.View#rulesClean}): after a whole apply from the kernel's records under the lock.
     */
    static void rulesClean(NetworkLock.Held held) {
        Allocations.View v = (Allocations.View) held.cache();
        if (v != null) {
            v.rulesClean = true;
        }
    }

    /** Re-applies the network's rules from the kernel's records (under the lock). */
    void reapply(KernelSnapshot snap) {
        apply(snap.endpoints);
    }

    /** As {@link #reapply(KernelSnapshot)}; then the cached view's free addresses are mapped by no rule. */
    void reapply(NetworkLock.Held held, KernelSnapshot snap) {
        apply(snap.endpoints);
        rulesClean(held);
    }

    /** Re-applies the network's rules from the kernel's records, taking the lock (undo step of attach). */
    void reapply() {
        try (NetworkLock.Held held = net.allocations.lock.acquire()) {
            if (!held.networkDeleted()) {
                reapply(KernelSnapshot.of(net, net.hostLinks().list()));
            }
        }
    }
}
