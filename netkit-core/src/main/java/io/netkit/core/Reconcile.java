package io.netkit.core;

import io.netkit.core.Records.DetachedRecord;
import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.NetNamespace;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or undoes what a killed process left half-made on one network, from the kernel's records and the intent
 * files alone, under the network's lock. Runs when a process adopts the network ({@link Network#open}) and when a
 * lock holder finds the write-ahead mark of a holder that died mid-change. It removes only what netkit's marks prove
 * to be netkit's: veths named {@code nkv...} in the network's link groups, namespaces named by a record or intent
 * whose inode matches (or, for an intent killed before it could record the inode, a namespace holding nothing but
 * {@code lo}).
 *
 * <ul>
 * <li>an abandoned attach (its intent file is unlocked): its veth and namespace are removed (undone);</li>
 * <li>a veth without a record in the network's group (killed between the create and the record): removed;</li>
 * <li>a detached record naming a namespace netkit created that still exists (killed between unplugging and deleting
 *     it): the namespace is deleted, the reaper takes the veth;</li>
 * <li>a bridge record with {@code del=1} (killed in teardown): {@link Network#open} finishes the teardown.</li>
 * </ul>
 */
final class Reconcile {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Reconcile.class);
    }

    private final Network net;

    Reconcile(Network net) {
        this.net = net;
    }

    /** Called by {@link Allocations#acquire()} when the previous holder died mid-change. */
    void afterInterruptedChange(NetworkLock.Held held) {
        String op = "reconcile network " + net.name + " after an interrupted change";
        Log.LOG.info("{}: a process was killed while changing it", op);
        KernelSnapshot s = KernelSnapshot.of(net, net.hostLinks().list());
        if (s.bridge == null || s.bridgeRecord.deleting()) {
            return; // open() and delete() deal with a network that is gone or going
        }
        List<Throwable> errors = new ArrayList<>();
        repair(s, op, errors, held);
        if (!errors.isEmpty()) {
            Log.LOG.warn("{}: incomplete: {}", op, errors);
        }
    }

    /** The reconcile of {@link Network#open}: under the lock, after the adopting process read the network. */
    void atOpen(NetworkLock.Held held, KernelSnapshot s) {
        String op = "reconcile network " + net.name;
        List<Throwable> errors = new ArrayList<>();
        repair(s, op, errors, held);
        if (net.firewall == FirewallBackend.NFTABLES && s.bridgeRecord != null && !s.bridgeRecord.deleting()
                && !s.bridgeRecord.creating()) {
            // Native rules are compared in-process (one listing; a transaction only if they differ), so open()
            // re-installs whatever was removed or changed by hand, not only after a killed change.
            try {
                net.publishing.reapply(KernelSnapshot.of(net, net.hostLinks().list()));
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            Log.LOG.warn("{}: incomplete: {}", op, errors);
        }
    }

    private void repair(KernelSnapshot s, String op, List<Throwable> errors, NetworkLock.Held held) {
        boolean changing = false;
        for (Link l : s.strays) {
            if (!changing) {
                held.changed();
                changing = true;
            }
            Log.LOG.info("{}: removing veth {} that carries no valid record (a half-made attach)", op, l.name());
            deleteLink(l.name(), errors);
        }
        for (java.util.Map.Entry<String, EndpointRecord> e : s.endpoints.entrySet()) {
            EndpointRecord r = e.getValue();
            if (r.own() && (Namespaces.inodeOf(r.nsName()) == 0
                    || !Namespaces.isNamespace(io.netkit.netlink.NetNamespace.RUN_NETNS.resolve(r.nsName())))) {
                Namespaces.deleteOwned(r.nsName(), r.inode(), op); // removes a file left by an interrupted deletion
                // A detach killed after deleting the namespace (kept alive by some handle, the veth stayed).
                if (!changing) {
                    held.changed();
                    changing = true;
                }
                Log.LOG.info("{}: removing veth {} of endpoint {}, whose namespace is gone", op, e.getKey(),
                        r.nsName());
                deleteLink(e.getKey(), errors);
            }
        }
        List<Intents.Abandoned> abandoned = net.intents.abandoned();
        if (!abandoned.isEmpty() && !changing) {
            held.changed();
            changing = true;
        }
        undoAbandonedAttaches(s, op, errors);
        for (DetachedRecord d : s.detached.values()) {
            long now = d.own() ? Namespaces.inodeOf(d.nsName()) : 0;
            if (now != 0 && (now == d.inode()
                    || !Namespaces.isNamespace(io.netkit.netlink.NetNamespace.RUN_NETNS.resolve(d.nsName())))) {
                // The namespace, or the plain file a deletion killed between its unmount and its unlink leaves.
                if (!changing) {
                    held.changed();
                    changing = true;
                }
                Log.LOG.info("{}: deleting namespace {} of a detach that was interrupted", op, d.nsName());
                try {
                    Namespaces.deleteOwned(d.nsName(), d.inode(), op);
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        if (s.bridgeRecord != null && s.bridgeRecord.publishing() && (changing || held.foundDirty())) {
            // A killed attach, detach or publish may have left rules for an address no record holds any more.
            if (!changing) {
                held.changed();
                changing = true;
            }
            try {
                net.publishing.reapply(KernelSnapshot.of(net, net.hostLinks().list()));
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        if (!changing) {
            held.reconciled();
        }
        if (changing) {
            held.cache(null); // re-read from the kernel by the next holder of this process
        }
        if (!s.detached.isEmpty()) {
            net.reaper.schedule();
        }
    }

    /**
     * Undoes the attaches whose maker died (abandoned intents): deletes the veth it made and the namespace it created
     * (if provably that one), then the intent. Under the lock.
     */
    void undoAbandonedAttaches(KernelSnapshot s, String op, List<Throwable> errors) {
        for (Intents.Abandoned a : net.intents.abandoned()) {
            try {
                EndpointRecord rec = s.endpoints.get(a.hostInterface());
                boolean vethThere = rec != null || s.strays.stream().anyMatch(l -> l.name().equals(a.hostInterface()));
                Log.LOG.info("{}: undoing an attach that was interrupted (host interface {}{}{})", op,
                        a.hostInterface(),
                        a.namespace() != null ? ", namespace " + a.namespace() : "", vethThere ? ", veth present" : "");
                if (rec != null && rec.own() && rec.nsName() != null) {
                    Namespaces.deleteOwned(rec.nsName(), rec.inode(), op);
                }
                if (a.namespace() != null && (rec == null || !a.namespace().equals(rec.nsName()))) {
                    deleteIntendedNamespace(a, op);
                }
                if (vethThere) {
                    deleteLink(a.hostInterface(), errors);
                } else if (!a.hostInterface().isEmpty()) {
                    // A pair made ahead of time (SpareVeths), waiting or taken by an attach killed before the plug:
                    // it would go with its namespace, but only once the kernel cleans that up.
                    SpareVeths.deleteHostEnd(net, a.hostInterface());
                }
                Endpoint ep = net.endpoints.remove(a.hostInterface());
                if (ep != null) {
                    ep.release();
                }
                EndpointHandles.releaseAll(net, a.hostInterface());
                Intents.remove(a.file());
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
    }

    /** Deletes the namespace an abandoned attach intended to create, if it is provably the one it created. */
    static void deleteIntendedNamespace(Intents.Abandoned a, String op) {
        long ino = Namespaces.inodeOf(a.namespace());
        if (ino == 0) {
            return; // never created, or gone
        }
        if (a.inode() != 0 || !Namespaces.isNamespace(io.netkit.netlink.NetNamespace.RUN_NETNS.resolve(a.namespace()))) {
            // By inode; or a plain file: the name claimed (O_CREAT|O_EXCL) but not yet mounted over, or an unmount
            // not followed by its unlink. deleteOwned removes such a file.
            Namespaces.deleteOwned(a.namespace(), a.inode(), op);
            return;
        }
        // Killed between creating the namespace and recording its inode: it is netkit's if it holds nothing but lo.
        boolean empty;
        try (NetNamespace ns = NetNamespace.open(a.namespace())) {
            empty = ns.netlink().links().list().stream().allMatch(l -> l.name().equals("lo"));
        } catch (RuntimeException e) {
            empty = false;
        }
        if (empty) {
            Namespaces.deleteOwned(a.namespace(), ino, op);
        } else {
            Log.LOG.warn("{}: namespace {} named by an interrupted attach holds links; left alone (remove it with "
                    + "ip netns del {} if it is not yours)", op, a.namespace(), a.namespace());
        }
    }

    private void deleteLink(String name, List<Throwable> errors) {
        try {
            net.hostLinks().delete(name);
        } catch (LinkNotFoundException gone) {
            // gone with its namespace
        } catch (RuntimeException e) {
            errors.add(e);
        }
    }

    /** {@link Network#repair()}: detaches every endpoint whose health check fails; returns those. */
    List<Endpoint> repair() {
        List<Endpoint> removed = new ArrayList<>();
        for (Endpoint ep : net.endpoints()) {
            EndpointHealth h = ep.health();
            if (!h.isHealthy()) {
                Log.LOG.warn("network {}: removing endpoint {}: {}", net.name, ep.name(), h);
                net.detach(ep);
                removed.add(ep);
            }
        }
        return removed;
    }
}
