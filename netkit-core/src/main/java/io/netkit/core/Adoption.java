package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.NetNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Network#open(Host, String)}: adopts a network from the kernel alone. The bridge's record is parsed and
 * validated ({@link Records}); a record claiming another network's link groups is refused; under the network's lock,
 * a teardown that a killed process left half-done is finished, and attaches and detaches it left half-done are
 * undone or finished ({@link Reconcile}); then the endpoint table is read.
 */
final class Adoption {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Adoption.class);
    }

    private Adoption() {}

    static Network open(Host host, String name) {
        String op = "open network " + name + " on " + host;
        List<Link> links;
        try {
            links = host.netns().netlink().links().list();
        } catch (RuntimeException e) {
            throw new NetkitException(op, "list links", e);
        }
        Link found = links.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new NetkitException(op, "there is no link named " + name + " on " + host
                        + (host == Host.current() ? " (for a network on another namespace use Network.open(Host.namespace(NAME), \""
                                + name + "\"))" : "")));
        // A create killed between making the bridge and recording it left it without a record: its record ahead (in
        // the network's lock file) goes onto it, and the open below undoes the create like any killed create.
        Link bridge = Records.isNetkit(found.alias()) ? found : HalfMadeBridge.recover(host, found).orElse(found);
        if (!Records.isNetkit(bridge.alias())) {
            throw new NetkitException(op, "link " + name + " was not made by netkit (its alias is "
                    + (bridge.alias() == null ? "empty" : "\"" + bridge.alias() + "\"") + ")");
        }
        BridgeRecord rec;
        try {
            rec = Records.parse(bridge.alias()).filter(r -> r instanceof BridgeRecord).map(r -> (BridgeRecord) r)
                    .orElseThrow(() -> new Records.BadRecordException("not a network record"));
            if (!"bridge".equals(bridge.kind())) {
                throw new Records.BadRecordException("a network record on a " + bridge.kind() + " link, not a bridge");
            }
        } catch (Records.BadRecordException e) {
            Log.LOG.warn("{}: refusing the damaged netkit record on {}: \"{}\" ({})", op, name, bridge.alias(),
                    e.getMessage());
            throw new NetkitException(op, "netkit record on " + name + " is damaged: \"" + bridge.alias() + "\" ("
                    + e.getMessage() + "); it is ignored. If the network is yours, remove its leftovers with "
                    + "ip link del " + name);
        }
        if (name.indexOf('+') >= 0) {
            throw new NetkitException(op, "bridge " + name + " has '+' in its name, which iptables reads as a wildcard; "
                    + "netkit refuses to manage it (remove it with ip link del " + name + ")");
        }
        for (Link l : links) {
            if (l.index() != bridge.index() && (l.group() == rec.group() || l.group() == rec.reapGroup())
                    && KernelSnapshot.bridgeRecord(l).isPresent()) {
                throw new NetkitException(op, "netkit record on " + name + " claims link group " + rec.group() + "/"
                        + rec.reapGroup() + ", which holds network " + l.name() + "; the record is refused (it would make "
                        + "netkit delete another network's links)");
            }
        }
        Network net = new Network(host, name, rec);
        KernelSnapshot snap;
        try (NetworkLock.Held held = net.allocations.lock.acquire()) {
            snap = KernelSnapshot.of(net, host.netns().netlink().links().list());
            if (rec.creating() && !held.networkDeleted()) {
                List<Throwable> errors = new ArrayList<>();
                net.teardown.run(op, held, errors);
                if (errors.isEmpty()) {
                    held.markDeleted();
                }
                net.deleted = errors.isEmpty();
                throw new NetkitException(op, "network " + name + " was being created by a process that ended before "
                        + "it finished; what it made " + (errors.isEmpty() ? "is removed: create it again"
                        : "is not all removed yet (call Network.open again to resume)"), errors.isEmpty() ? null : errors.get(0));
            }
            if (rec.deleting() || held.networkDeleted()) {
                // A teardown was interrupted: finish it.
                List<Throwable> errors = new ArrayList<>();
                net.teardown.run(op, held, errors);
                if (errors.isEmpty()) {
                    held.markDeleted();
                }
                net.deleted = errors.isEmpty();
                NetkitException ex = new NetkitException(op, "network " + name + " was being deleted by a process that "
                        + "ended before it finished; the deletion " + (errors.isEmpty() ? "is now complete"
                        : "is still incomplete (call Network.open again to resume it)"), errors.isEmpty() ? null : errors.get(0));
                throw ex;
            }
            net.reconcile.atOpen(held, snap);
            if (held.foundDirty()) {
                held.reconciled();
            }
        }
        KernelSnapshot.of(net, host.netns().netlink().links().list()).syncInto(net);
        if (links.stream().anyMatch(l -> l.group() == net.reapGroup)) {
            net.reaper.schedule(); // detached by a process that ended before its reaper ran
        }
        return net;
    }

    /** {@link Network#open(String)}: the current namespace first, then the one named namespace holding it. */
    static Network openAnywhere(String name) {
        Host current = Host.current();
        Optional<Link> here;
        try {
            here = current.netns().netlink().links().find(name);
        } catch (RuntimeException e) {
            throw new NetkitException("open network " + name, "read the links of the current namespace (this needs "
                    + "root or CAP_NET_ADMIN; run as root, or adopt the network with Network.open(Host, NAME) from a "
                    + "privileged process)", e);
        }
        if (here.isPresent() && isNetwork(here.get())) {
            return open(current, name);
        }
        List<String> found = new ArrayList<>();
        for (String nsName : NetNamespace.list()) {
            try (NetNamespace ns = NetNamespace.open(nsName)) {
                Optional<Link> l = ns.netlink().links().find(name);
                if (l.isPresent() && isNetwork(l.get())) {
                    found.add(nsName);
                }
            } catch (RuntimeException e) {
                Log.LOG.debug("open network {}: skipping namespace {}: {}", name, nsName, e.toString());
            }
        }
        String op = "open network " + name;
        if (found.isEmpty() && here.isPresent()) {
            return open(current, name); // explains why the link here is not a netkit network
        }
        if (found.isEmpty()) {
            throw new NetkitException(op, "there is no link named " + name + " in the current namespace, and no named "
                    + "namespace holds a netkit network of that name");
        }
        if (found.size() > 1) {
            throw new NetkitException(op, "the current namespace has no link named " + name + ", and several namespaces "
                    + "hold a netkit network of that name: " + found + "; choose one with Network.open(Host.namespace(NAME), \""
                    + name + "\")");
        }
        Host host = Host.namespace(found.get(0));
        try {
            Network net = open(host, name);
            net.ownedHost = host;
            return net;
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
    }

    /** Names of the netkit networks on {@code host}. */
    static List<String> list(Host host) {
        List<String> out = new ArrayList<>();
        for (Link l : host.netns().netlink().links().list()) {
            if (isNetwork(l)) {
                out.add(l.name());
            }
        }
        return out;
    }

    /** Whether {@code l} is the bridge of a netkit network (a bridge carrying a valid netkit network record). */
    static boolean isNetwork(Link l) {
        return "bridge".equals(l.kind()) && KernelSnapshot.bridgeRecord(l).isPresent();
    }
}
