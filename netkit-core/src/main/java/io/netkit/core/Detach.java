package io.netkit.core;

import io.netkit.core.Records.DetachedRecord;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detach (see {@link Network#detach(Endpoint)}), in an order where every leftover stays findable: a namespace netkit
 * created is deleted first (while the endpoint's record names it), then the host-side veth is unplugged and its
 * record replaced by a detached record in ONE request (the address is free from then on), and the veth is deleted
 * later in bulk by the {@link io.netkit.core.internal.Reaper} (or by the network's teardown, or any later process).
 */
final class Detach {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Detach.class);
    }

    private final Network net;

    Detach(Network net) {
        this.net = net;
    }

    void detach(Endpoint endpoint) {
        String op = "detach " + endpoint.name() + " from network " + net.name;
        String hostIf = endpoint.hostInterface();
        boolean present = true;
        boolean natted = net.masquerade;
        NetkitException rulesError = null;
        Runnable whenForgotten = null;
        try (NetworkLock.Held held = net.allocations.acquire()) {
            if (held.networkDeleted()) {
                present = false;
            } else {
                boolean publishing = publishingInUse(held);
                natted |= publishing;
                DetachedRecord rec = new DetachedRecord(net.name, net.id, endpoint.namespaceName().orElse(null),
                        endpoint.namespaceInode(), endpoint.ownsNamespace());
                held.changed(); // write-ahead: before the first change of the network
                Intents.Intent intent = endpoint.ownsNamespace()
                        ? net.intents.begin(hostIf, endpoint.namespaceName().orElse(null)) : null;
                try {
                    if (endpoint.ownsNamespace()) {
                        // The intent names the namespace through its deletion (an unmount, then an unlink): killed in
                        // between, any later process still finds the file to remove.
                        intent.confirm(endpoint.namespaceInode());
                        // First the namespace netkit created, while the endpoint's record still names it: killed after
                        // this, the veth goes with the namespace (or carries a record naming a namespace that is gone,
                        // which open() and repair() remove). Never the other way round: the reaper could delete a
                        // detached record before the namespace it names, and the namespace would be lost.
                        endpoint.release();
                        EndpointHandles.releaseAll(net, hostIf); // other Endpoint objects of this process for the veth
                        Namespaces.deleteOwned(endpoint.namespaceName().orElse(null), endpoint.namespaceInode(), op, net.reaper);
                        Faults.point("detach:namespace-deleted");
                    }
                    try {
                        // ONE request: out of the bridge, down, record replaced, into the reap group. From here on no
                        // frame from the old address reaches the network, and the address is free.
                        net.hostLinks().unplug(hostIf, net.reapGroup, rec.encode());
                    } catch (NetlinkException e) {
                        if (!(e instanceof LinkNotFoundException) && !"ENODEV".equals(e.errnoName())) {
                            throw e;
                        }
                        present = false; // its namespace vanished and took the veth pair with it
                    }
                    Faults.point("detach:unplugged");
                } finally {
                    if (intent != null) {
                        intent.end();
                    }
                }
                HostPorts.of(net.host.netns().inode()).removed(hostIf, null); // its record is gone: its ports are free
                Allocations.View v = (Allocations.View) held.cache();
                if (v != null) {
                    v.rulesClean &= !publishing; // the address is free; its mappings go with the re-apply below
                    v.release(hostIf);
                }
                if (publishing) {
                    try {
                        // without this endpoint's mappings
                        net.publishing.reapply(held, KernelSnapshot.of(net, net.hostLinks().list()));
                    } catch (RuntimeException e) {
                        rulesError = new NetkitException(op, "remove the published ports' firewall rules (the endpoint is "
                                + "detached; the next publish, unpublish or detach with ports of the network re-applies them)", e);
                    }
                }
                if (natted && rulesError == null) {
                    whenForgotten = AddressFlows.released(net, held, endpoint); // clean once the queued forget is done
                }
            }
        } catch (RuntimeException e) {
            throw new NetkitException(op, "release host interface " + hostIf, e);
        }
        Endpoint mine = net.endpoints.remove(hostIf);
        if (mine != null && mine != endpoint) {
            mine.release();
        }
        if (natted) {
            // Flows to and from the address keep their NAT in conntrack (DNAT of published ports above all): they must
            // not reach its next holder. Without NAT a stale entry redirects nothing, and detach stays as cheap as it was.
            // Queued: the table dump walks the whole host-wide hash (~6.5 ms); this process's next attach waits for it.
            java.util.List<java.net.InetAddress> addresses = new java.util.ArrayList<>(2);
            if (net.subnet != null) {
                addresses.add(endpoint.address());
            }
            endpoint.address6().ifPresent(addresses::add);
            net.flows.forgetLater(addresses, whenForgotten);
        }
        if (endpoint.ownsNamespace()) {
            endpoint.release();
        } else if (present) {
            try {
                NetNamespace ns = endpoint.namespace();
                Links inside = ns.netlink().links();
                inside.setDown(endpoint.interfaceName());
                inside.rename(endpoint.interfaceName(), "nkr" + Names.hex(8));
            } catch (RuntimeException e) {
                Log.LOG.debug("{}: could not park {} inside the namespace: {}", op, endpoint.interfaceName(),
                        e.toString());
            } finally {
                endpoint.release();
            }
        } else {
            endpoint.release();
        }
        EndpointHandles.releaseAll(net, hostIf);
        if (present) {
            net.reaper.schedule();
        }
        if (rulesError != null) {
            throw rulesError;
        }
    }

    /** Whether this network has had published ports (the bridge's record), from the cached view if there is one. */
    private boolean publishingInUse(NetworkLock.Held held) {
        Allocations.View v = (Allocations.View) held.cache();
        if (v != null) {
            return v.publishing;
        }
        return net.hostLinks().find(net.name).flatMap(KernelSnapshot::bridgeRecord)
                .map(r -> r.id().equals(net.id) && r.publishing()).orElse(false);
    }

    /** Runs on the reaper thread: deletes every detached veth of this network in one request. */
    void reap() {
        if (net.isDeleted()) {
            return;
        }
        try {
            net.hostLinks().deleteGroup(net.reapGroup);
        } catch (NetlinkException e) {
            if (!"ENODEV".equals(e.errnoName())) {
                throw e;
            }
        }
    }
}
