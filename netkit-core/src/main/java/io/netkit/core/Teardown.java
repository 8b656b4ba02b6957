package io.netkit.core;

import io.netkit.core.Records.DetachedRecord;
import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Firewall;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetlinkException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network's teardown, in an order where every leftover stays findable from the kernel, so that any later process
 * can resume it ({@link Network#open} finishes it, {@link Network#delete()} runs it again):
 * <ol>
 * <li>the bridge's record gets {@code del=1} (intent: the network is going away);</li>
 * <li>the namespaces netkit created for endpoints (named by the endpoint and detached records, and by abandoned
 *     intents) — while the records that name them still exist; netkit's iptables rules are removed alongside;</li>
 * <li>then the links: every endpoint's veth and the bridge with its record, in one {@code ip link del group G}
 *     (while the iptables tools may still run: a rule left behind stays findable by the owner in its comment,
 *     {@code netkit:BRIDGE@ID}, for {@link Host#leftovers()});</li>
 * <li>last, the lock file and intent directory.</li>
 * </ol>
 * Links in the network's groups that are not netkit's (a foreign link someone moved there) are never deleted: the
 * group deletion is then replaced by deleting netkit's links one by one.
 */
final class Teardown {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Teardown.class);
    }

    private final Network net;

    Teardown(Network net) {
        this.net = net;
    }

    /** Tears the network down under {@code held}; collects failures in {@code errors} (everything else is still done). */
    void run(String op, NetworkLock.Held held, List<Throwable> errors) {
        Links links = net.hostLinks();
        KernelSnapshot s = KernelSnapshot.of(net, links.list());
        held.changed();
        if (s.bridge == null) {
            Log.LOG.info("{}: the bridge is already gone; removing what is left", op);
        } else if (!s.bridgeRecord.deleting()) {
            try {
                links.setAlias(net.name, s.bridgeRecord.withDeleting().encode());
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        Faults.point("teardown:marked");
        for (Endpoint ep : net.endpoints.values()) {
            ep.release(); // a namespace handle kept open would keep the namespace alive
        }
        EndpointHandles.releaseNetwork(net); // and so would one of another Network object of this process
        List<String[]> owned = new ArrayList<>(); // name, inode
        for (EndpointRecord r : s.endpoints.values()) {
            if (r.own()) {
                owned.add(new String[] {r.nsName(), Long.toString(r.inode())});
            }
        }
        for (DetachedRecord r : s.detached.values()) {
            if (r.own()) {
                owned.add(new String[] {r.nsName(), Long.toString(r.inode())});
            }
        }
        long t0 = System.nanoTime();
        // The iptables tools run as processes (tens of ms): let them work while the namespaces are unmounted.
        CompletableFuture<Void> rules = CompletableFuture.runAsync(net.forwarding::remove, Firewall.executor());
        // One intent follows the namespace being deleted: killed between its unmount and its unlink, the teardown
        // leaves a plain file that no record names any more (the namespace went, and its veth with the record, at the
        // unmount); the intent does, so the next open removes the file.
        Intents.Intent deleting = owned.isEmpty() ? null : net.intents.begin(null, null, 0);
        try {
            for (String[] o : owned) {
                try {
                    long inode = Long.parseLong(o[1]);
                    deleting.toNamespace(o[0], inode);
                    Faults.point("teardown:namespace-deleting");
                    Namespaces.deleteOwned(o[0], inode, op);
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        } finally {
            if (deleting != null) {
                deleting.end();
            }
        }
        net.reconcile.undoAbandonedAttaches(s, op, errors);
        for (String hostIf : net.intents.othersHostInterfaces()) {
            SpareVeths.deleteHostEnd(net, hostIf); // a pair another live process made ahead for this network
        }
        long t1 = System.nanoTime();
        Faults.point("teardown:namespaces-removed");
        if (!errors.isEmpty()) {
            joinRules(rules, errors);
            return; // keep the records (and so the way back to what is left) for a later attempt
        }
        // The links go while the iptables tools still run: their rules stay findable without the bridge, by the
        // owner in every rule's comment (netkit:BRIDGE@ID), for Host.leftovers() if this process dies now.
        deleteLinks(s, op, errors);
        Faults.point("teardown:links-removed");
        joinRules(rules, errors);
        Log.LOG.debug("{}: {} links; {} namespaces removed in {} ms, links and rules in {} ms", op, s.links.size(),
                owned.size(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
        if (errors.isEmpty()) {
            net.intents.removeAll();
        }
    }

    private static void joinRules(CompletableFuture<Void> rules, List<Throwable> errors) {
        try {
            rules.join();
        } catch (CompletionException e) {
            errors.add(e.getCause());
        }
    }

    /** Deletes the bridge and every veth of the network: one group deletion when the groups hold only netkit's links. */
    private void deleteLinks(KernelSnapshot s, String op, List<Throwable> errors) {
        Links links = net.hostLinks();
        List<Link> ours = new ArrayList<>();
        for (Link l : s.links) {
            if (l == s.bridge || s.endpoints.containsKey(l.name()) || s.detached.containsKey(l.name()) || s.strays.contains(l)) {
                ours.add(l);
            }
        }
        if (s.groupHoldsOnlyOurs(net.group) && s.groupHoldsOnlyOurs(net.reapGroup)) {
            for (Link l : ours) {
                if (l.group() == net.reapGroup) {
                    try {
                        links.setGroup(l.name(), net.group); // so that one request deletes them all
                    } catch (LinkNotFoundException gone) {
                        // reaped meanwhile
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }
            try {
                links.deleteGroup(net.group); // bridge + all host-side veths (and so their peers) at once
            } catch (NetlinkException e) {
                if (!"ENODEV".equals(e.errnoName())) {
                    errors.add(e);
                }
            }
            return;
        }
        Log.LOG.warn("{}: the network's link groups hold links netkit did not make ({}); deleting netkit's links one "
                + "by one",
                op, s.foreign.stream().map(Link::name).toList());
        List<Link> ordered = new ArrayList<>(ours);
        Collections.reverse(ordered); // veths before the bridge (the bridge, with its record, last)
        ordered.sort((a, b) -> Boolean.compare(a == s.bridge, b == s.bridge));
        for (Link l : ordered) {
            try {
                links.delete(l.name());
            } catch (LinkNotFoundException gone) {
                // gone with its namespace
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
    }

    /**
     * {@link Network#delete()} once the caller holds the network's delete monitor and found it not deleted: runs the
     * teardown under the lock, then releases this process's handles, intent slots and owned {@link Host}.
     */
    void delete() {
        String op = "delete network " + net.name;
        List<Throwable> errors = new ArrayList<>();
        net.flows.await(); // while the host namespace handle is surely open
        List<String> spares = SpareVeths.discard(net); // pairs made ahead join the group: its deletion below takes them
        net.reaper.stop();
        try (NetworkLock.Held held = net.allocations.lock.acquire()) {
            if (!held.networkDeleted()) {
                run(op, held, errors);
                if (errors.isEmpty()) {
                    held.markDeleted();
                }
            } else {
                SpareVeths.deleteLeft(net, spares); // deleted by another process: nothing took them
            }
        } catch (RuntimeException e) {
            errors.add(e);
        } finally {
            net.deleted = errors.isEmpty();
            net.reaper.releaseNow(); // the namespaces detach released: their veths went with the group
            net.reaper.resume();
            for (Endpoint ep : net.endpoints.values()) {
                ep.release();
            }
            if (net.deleted) {
                EndpointHandles.releaseNetwork(net);
                net.intents.removeAll(); // closes this process's intent slots (also when another process deleted it)
                net.endpoints.clear();
                Host owned = net.ownedHost;
                if (owned != null) {
                    net.ownedHost = null;
                    owned.close();
                }
            }
        }
        if (!errors.isEmpty()) {
            NetkitException ex = new NetkitException(op, "teardown incomplete (what is left stays recorded: call "
                    + "delete() again, or Network.open(\"" + net.name + "\") in any process, to resume it)", errors.get(0));
            errors.stream().skip(1).forEach(ex::addSuppressed);
            throw ex;
        }
    }
}
