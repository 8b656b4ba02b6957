package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Network#open(Host, String)}: adopts a network from the kernel alone. The bridge's record is parsed and
 * validated ({@link Records}); a record claiming another network's link groups is refused; under the network's lock,
 * a teardown that a killed process left half-done is finished, and attaches and detaches it left half-done are
 * undone or finished ({@link Reconcile}); then the endpoint table is read.
 */
final class Adoption {
    private static final Logger LOG = LoggerFactory.getLogger(Adoption.class);

    private Adoption() {}

    static Network open(Host host, String name) {
        String op = "open network " + name + " on " + host;
        List<Link> links;
        try {
            links = host.netns().netlink().links().list();
        } catch (RuntimeException e) {
            throw new NetkitException(op, "list links", e);
        }
        Link bridge = links.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new NetkitException(op, "there is no link named " + name + " on " + host
                        + (host == Host.current() ? " (for a network on another namespace use Network.open(Host.namespace(NAME), \""
                                + name + "\"))" : "")));
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
            LOG.warn("{}: refusing the damaged netkit record on {}: \"{}\" ({})", op, name, bridge.alias(), e.getMessage());
            throw new NetkitException(op, "netkit record on " + name + " is damaged: \"" + bridge.alias() + "\" ("
                    + e.getMessage() + "); it is ignored. If the network is yours, remove its leftovers with "
                    + "ip link del " + name);
        }
        if (name.indexOf('+') >= 0) {
            throw new NetkitException(op, "bridge " + name + " has '+' in its name, which iptables reads as a wildcard; "
                    + "netkit refuses to manage it (remove it with ip link del " + name + ")");
        }
        for (Link l : links) {
            if (l != bridge && (l.group() == rec.group() || l.group() == rec.reapGroup())
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
        net.sync(KernelSnapshot.of(net, host.netns().netlink().links().list()));
        if (links.stream().anyMatch(l -> l.group() == net.reapGroup)) {
            net.reaper.schedule(); // detached by a process that ended before its reaper ran
        }
        return net;
    }

}
