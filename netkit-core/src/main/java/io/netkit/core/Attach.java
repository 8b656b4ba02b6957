package io.netkit.core;

import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.AfterAttach;
import io.netkit.core.internal.Announcing;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Inside;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Spares;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Arp;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NamespaceTemplate;
import io.netkit.netlink.NeighborAdvertisement;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.RtNetlink;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attach as a transaction of undoable steps (see {@link Network#attach(String)} for the {@code ip} equivalent). Each
 * completed step pushes its undo; a failure runs them newest first, so nothing is left half-made. Against a kill
 * (where no undo runs), every step is findable from the kernel by a later process: an intent file names the
 * endpoint before its first change ({@link Intents}), the lock's write-ahead mark precedes the veth, and the veth is
 * created in the network's link group with a host name of netkit's own shape ({@code nkv...}).
 */
final class Attach {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Attach.class);
    }
    /** Host-side veth names are 32 random bits: on a collision, a new name is drawn this many times. */
    private static final int NAME_ATTEMPTS = 4;
    /** Draws host-side veth names; replaced only by tests (to force a collision). */
    static volatile java.util.function.Supplier<String> hostNames = () -> Network.HOST_VETH_PREFIX + Names.hex(8);

    /**
     * Containers' namespaces: IPv6 DAD off for the interfaces to come (eth0 inherits the default), lo up, the netlink
     * socket open. After an attach that created its namespace, the next one is unshared in the background once no
     * attach or detach runs ({@link Spares}: one unnamed namespace waits; {@code -Dnetkit.netns.spare=false} turns that off).
     */
    static final NamespaceTemplate CONTAINERS = NamespaceTemplate.withSysctls(Map.of("net.ipv6.conf.default.accept_dad", "0"))
            .withLoopbackUp();   // lo goes up while the namespace is made (ahead of time), not on the caller's path

    private final Network net;

    Attach(Network net) {
        this.net = net;
    }

    Endpoint attach(EndpointSpec spec) {
        boolean create = spec.createName() != null;
        String label = create ? spec.createName() : describe(spec.existing());
        String op = "attach " + label + " to network " + net.name;
        net.checkNotDeleted(op);
        Privileges.requireNetAdmin(op, create);
        if (create) {
            Privileges.warnIfPrivateMountNamespace();
        }
        int fixed = -1;
        if (spec.address() != null) {
            fixed = FixedAddresses.offsetOf(net, spec.address());
        }
        BigInteger fixed6 = spec.address6() != null ? FixedAddresses.offset6Of(net, spec.address6()) : null;
        List<PortMapping> publish = spec.published();
        if (!publish.isEmpty()) {
            if (net.firewall == FirewallBackend.IPTABLES) {
                Privileges.requireIptablesFor(op, "publishing ports");
            }
        }
        int linkMtu = spec.mtu() != 0 ? spec.mtu() : net.mtu;
        String ifname = spec.interfaceName();
        boolean generatedName = spec.hostInterface() == null;
        String hostIf = generatedName ? hostNames.get() : spec.hostInterface();

        SpareVeths.Key spareKey = SpareVeths.keyFor(net, spec, linkMtu);
        SpareVeths.Made spare = null;
        Undo undo = new Undo(op);
        String step = "prepare";
        Intents.Intent intent = null;
        try {
            step = "record the intent";
            CompletableFuture<NetNamespace> pending = null;
            if (!create) {
                intent = net.intents.begin(hostIf, null);
                undo.push("remove the intent record", intent::end);
            }
            if (create) {
                String nsName = spec.createName();
                String name = hostIf;
                Intents.Intent[] began = new Intents.Intent[1];
                SpareVeths.Made[] pair = new SpareVeths.Made[1];
                step = "create namespace " + nsName;
                try {
                    // EEXIST (O_CREAT|O_EXCL on /run/netns/NAME) is thrown here. Usually the namespace was unshared
                    // ahead of time (CONTAINERS) and is only named here, often with the veth pair made in it
                    // (SpareVeths); otherwise it is made on a new namespace thread (on another CPU) while this
                    // thread takes the lock and picks the address. The intent is recorded before the name is
                    // claimed, with the inode when the namespace was made ahead of time (then no second write), and
                    // the host end's name of a pair made ahead; else the inode follows once the namespace exists.
                    pending = CONTAINERS.createAsync(nsName, spareKey, (inode, ahead) -> {
                        try {
                            if (ahead instanceof SpareVeths.Made m) {
                                // The pair's intent becomes the attach's (a new one if it ended: never without).
                                began[0] = m.intent().toNamespace(nsName, inode) ? m.intent()
                                        : net.intents.begin(m.hostIf(), nsName, inode);
                                pair[0] = new SpareVeths.Made(m.hostIf(), m.peerIndex(), began[0]);
                            } else {
                                began[0] = net.intents.begin(name, nsName, inode);
                            }
                        } catch (RuntimeException e) {
                            throw new StepFailure("record the intent", e);
                        }
                    }, n -> {
                        try {
                            began[0].confirm(n.inode()); // from now on the intent proves the namespace is netkit's
                        } catch (RuntimeException e) {
                            throw new StepFailure("record the inode of namespace " + nsName, e);
                        }
                    });
                } catch (NetlinkException e) {
                    if ("EEXIST".equals(e.errnoName())) {
                        if (began[0] != null && pair[0] == null) {
                            began[0].namespaceExisted();
                        }
                        throw new IllegalArgumentException("namespace \"" + nsName + "\" already exists; attach an existing "
                                + "namespace with attach(NetNamespace.open(\"" + nsName + "\"))", e);
                    }
                    throw e;
                } finally {
                    intent = began[0];
                    if (pending == null && pair[0] != null) {
                        // Not named: the spare, with its pair, waits on (or went with a failed setup); the intent
                        // names the pair alone again.
                        pair[0].intent().toNamespace(null, 0);
                        pair[0] = null;
                        intent = null;
                    } else if (intent != null) {
                        undo.push("remove the intent record", intent::end);
                    }
                }
                spare = pair[0];
                if (spare != null) {
                    hostIf = spare.hostIf();
                    Faults.point("attach:spare-named");
                }
                CompletableFuture<NetNamespace> creating = pending;
                undo.push("delete namespace " + nsName, () -> {
                    NetNamespace made;
                    try {
                        made = creating.join();
                    } catch (RuntimeException failed) {
                        return;   // the creation failed and removed what it had made
                    }
                    long ino = made.inode();
                    made.close();
                    Namespaces.deleteOwned(nsName, ino, op);
                });
                if (spare != null) {
                    // Runs first: a pair made ahead and not plugged in yet (once plugged, "delete veth" takes it)
                    // goes now, not only once the kernel cleans the namespace up.
                    String waiting = hostIf;
                    undo.push("delete veth " + waiting + " made ahead", () -> SpareVeths.deleteHostEnd(net, waiting));
                }
            } else if (spec.existing().inode() == net.host.netns().inode()) {
                throw new IllegalArgumentException(label + " is the host namespace of network " + net.name
                        + " itself; attach a container's namespace");
            } else if (spec.existing().inode() == Namespaces.initInode()) {
                throw new IllegalArgumentException(label + " is the machine's own network namespace; netkit never "
                        + "attaches it: attach a container's namespace");
            }

            NetNamespace ns;
            IpPrefix address;
            IpPrefix address6 = null;
            int peerIndex;
            boolean publishingNetwork = false;
            EndpointRecord rec;
            net.flows.await(); // flows of addresses this process detached are gone before any is handed out again
            try (NetworkLock.Held lock = net.allocations.acquire(); HostPortsLock ports = new HostPortsLock()) {
                step = "allocate an address";
                Allocations.View view = net.allocations.view(lock, op);
                if (pending != null) {
                    step = "create namespace " + spec.createName();
                    ns = awaitNamespace(pending);
                    Faults.point("attach:namespace-created");
                    step = "allocate an address";
                } else {
                    ns = spec.existing();
                }
                long inode = ns.inode();
                String nsName = ns.name().orElse(null);
                String nsPath = nsName == null ? ns.path().toString() : null;
                KernelSnapshot snap = null;
                HostPorts hostPorts = HostPorts.of(net.host.netns().inode());
                if (!publish.isEmpty()) {
                    for (PortMapping m : publish) {
                        net.publishing.checkHostPortFree(Map.of(), null, m, label); // the family, before any lock
                    }
                    // Host ports are checked against every netkit network's records and recorded (the veth's
                    // alias) in ONE hold of the host namespace's lock, as a publish does.
                    ports.take(net.host.netns());
                }
                if (view.holderOf(inode) != null
                        || (view.alloc != null && ((fixed < 0 && view.alloc.firstFree() < 0) || (fixed >= 0 && view.alloc.isUsed(fixed))))
                        || (view.publishing && !view.rulesClean)
                        || (!publish.isEmpty() && !hostPorts.knownFree(publish))
                        || (view.alloc6 != null && (fixed6 == null ? view.alloc6.firstFree() == null : view.alloc6.isUsed(fixed6)))) {
                    // The cached view may be stale: namespaces that vanished took their veths (and records) with them,
                    // and the kernel reuses a dead namespace's inode. Ask the kernel before refusing. On a publishing
                    // network the rules may still map a vanished endpoint's address (the re-apply below drops them),
                    // and a host port the index finds taken may have been freed.
                    snap = KernelSnapshot.of(net, net.hostLinks().list());
                    view = net.allocations.read(lock, snap, op);
                    if (!publish.isEmpty()) {
                        hostPorts.refresh(snap.allEndpoints);
                    }
                }
                String other = view.holderOf(inode);
                if (other != null) {
                    throw new IllegalArgumentException("namespace " + label + " (inode " + inode
                            + ") is already attached to network " + net.name + " (host interface " + other
                            + "); detach it first, or attach another namespace");
                }
                int offset = view.alloc == null ? -1 : fixed >= 0 ? fixed : view.alloc.firstFree();
                if (view.alloc != null && offset < 0) {
                    throw new SubnetExhaustedException(op, "subnet " + net.subnet + (net.pool == null ? "" : " (allocation range "
                            + net.pool + ")") + " of network " + net.name + " is exhausted: all " + view.alloc.capacity()
                            + " usable addresses are allocated; detach endpoints or create a network with a larger "
                            + (net.pool == null ? "subnet" : "range"));
                }
                if (view.alloc != null && fixed >= 0 && view.alloc.isUsed(fixed)) {
                    throw new IllegalArgumentException("address " + spec.address().getHostAddress()
                            + " is already allocated in network " + net.name + "; choose another address, or leave it "
                            + "out to get the next free one");
                }
                address = view.alloc == null ? null : IpPrefix.of(Ipv4.fromInt(view.alloc.base() + offset), net.subnet.prefixLength());
                BigInteger offset6 = null;
                if (view.alloc6 != null) {
                    offset6 = fixed6 != null ? fixed6 : view.alloc6.firstFree();
                    if (offset6 == null) {
                        throw new SubnetExhaustedException(op, "IPv6 subnet " + net.v6.subnet() + (net.v6.pool() == null ? ""
                                : " (allocation range " + net.v6.pool() + ")") + " of network " + net.name
                                + " is exhausted; detach endpoints or create a network with a larger IPv6 subnet");
                    }
                    if (fixed6 != null && view.alloc6.isUsed(fixed6)) {
                        throw new IllegalArgumentException("IPv6 address " + IpAddresses.format(spec.address6())
                                + " is already allocated in network " + net.name + "; choose another address, or leave "
                                + "it out to get the next free one");
                    }
                    address6 = IpPrefix.of(Ipv6.at(net.v6.subnet(), offset6), net.v6.subnet().prefixLength());
                }

                if (snap != null && !publish.isEmpty()) {
                    step = "check the published ports";
                    for (PortMapping m : publish) {
                        net.publishing.checkHostPortFree(snap.allEndpoints, null, m, label);
                    }
                }
                rec = new EndpointRecord(net.name, net.id, address, ifname, inode, nsName, nsPath, create, publish,
                        address6 == null ? null : address6.address());
                String alias = rec.encode(label);
                if (!publish.isEmpty()) {
                    // Runs after the veth's deletion (undo is last-in first-out): the rules without this endpoint.
                    undo.push("re-apply the network's firewall rules", net.publishing::reapply);
                }

                lock.changed(); // write-ahead: before the first change of the network
                // Write-ahead too: every other process's host-port index is stale before the record exists.
                boolean portsKnown = !publish.isEmpty() && hostPorts.bump();
                Faults.point("attach:ports-bumped");
                Link hostSide = null;
                peerIndex = 0;
                if (spare != null) {
                    step = "plug veth " + hostIf + " into the bridge of network " + net.name;
                    peerIndex = SpareVeths.plug(net, spare, view.bridgeIndex, alias, !publish.isEmpty(), ns);
                }
                for (int attempt = 1; peerIndex == 0 && hostSide == null; attempt++) {
                    step = "create veth pair " + hostIf + " <-> " + label + ":" + ifname;
                    LinkSpec veth = LinkSpec.veth(hostIf, ifname).peerNamespace(ns).master(view.bridgeIndex)
                            .group(net.group).up().alias(alias);
                    if (!publish.isEmpty()) {
                        veth = veth.hairpin(); // container -> host address:its own published port; with the record
                    }
                    if (linkMtu > 0) {
                        veth = veth.mtu(linkMtu).peerMtu(linkMtu);
                    }
                    if (spec.mac() != null) {
                        veth = veth.peerMac(spec.mac());
                    }
                    try {
                        hostSide = net.hostLinks().create(veth);
                    } catch (NetlinkException e) {
                        if (!"EEXIST".equals(e.errnoName())) {
                            // The create may have succeeded and a follow-up (the record) failed: remove the veth
                            // if it is there, in the network's group, under this name (then it is this attach's).
                            String made = hostIf;
                            try {
                                net.hostLinks().find(made).filter(l -> l.group() == net.group).ifPresent(l -> net.hostLinks().delete(made));
                            } catch (RuntimeException cleanup) {
                                e.addSuppressed(cleanup);
                            }
                            throw e;
                        }
                        boolean hostTaken = net.hostLinks().find(hostIf).isPresent();
                        if (hostTaken && generatedName && attempt < NAME_ATTEMPTS) {
                            String next = hostNames.get();
                            Log.LOG.debug("{}: host interface name {} is taken; trying {}", op, hostIf, next);
                            hostIf = next;
                            intent.rename(hostIf);
                            continue;
                        }
                        throw new NetkitException(op, step, hostTaken
                                ? "host interface name " + hostIf + " is taken on " + net.host + "; choose another with "
                                        + "EndpointSpec.hostInterface (" + e.getMessage() + ")"
                                : "an interface named " + ifname + " already exists in " + label
                                        + "; choose another name with EndpointSpec.interfaceName (" + e.getMessage() + ")", e);
                    }
                }
                if (hostSide != null) {
                    peerIndex = hostSide.linkIndex();
                }
                if (!publish.isEmpty()) {
                    hostPorts.added(hostIf, publish, portsKnown);
                }
                ports.close(); // this endpoint's host ports are recorded: every later check sees them
                Faults.point("attach:veth-created");
                if (view.alloc != null) {
                    view.alloc.allocate(offset, hostIf, inode);
                }
                if (offset6 != null) {
                    view.alloc6.allocate(offset6, hostIf, view.alloc == null ? inode : 0);
                }
                String made = hostIf;
                undo.push("delete veth " + made, () -> deleteVethNow(made));
                publishingNetwork = !publish.isEmpty() || view.publishing;
                if (!publish.isEmpty()) {
                    step = "publish " + publish;
                    net.publishing.markPublishing(lock, snap);
                    if (snap != null) {
                        Map<String, EndpointRecord> records = snap.endpoints;
                        records.put(hostIf, rec);
                        net.publishing.apply(records);
                        Publishing.rulesClean(lock);
                    } else if (!net.publishing.append(hostIf, rec)) {
                        // Only this endpoint's rules could not be added (the backend, or what it knows): the whole
                        // network's, from the kernel's records (the new veth's among them).
                        snap = KernelSnapshot.of(net, net.hostLinks().list());
                        net.publishing.reapply(lock, snap);
                    }
                } else if (view.publishing && snap != null) {
                    // The new endpoint may have the address of one whose namespace vanished without a detach: rules
                    // re-rendered from the kernel's records drop that endpoint's mappings before traffic can reach the
                    // newcomer through them. (Without a dump, the view's rulesClean says no rule maps its free ones.)
                    step = "re-apply the published ports' firewall rules";
                    net.publishing.reapply(lock, snap);
                }
                if (publishingNetwork) {
                    // A previous holder of the address may have vanished without a detach: its flows go before the
                    // newcomer is configured, unless this process knows the address clean (no dump then).
                    step = "delete the old flows of the new address";
                    AddressFlows.settle(net, lock, snap, address, address6, op);
                }
            }

            step = "configure " + ifname + " in " + label;
            configureInside(ns, create, ifname, peerIndex, address, address6);
            Faults.point("attach:configured");

            Endpoint ep = EndpointHandles.register(
                    new Endpoint(net, hostIf, ifname, address, rec.nsName(), rec.nsPath(), rec.inode(), create, ns, create,
                            address6));
            net.endpoints.put(hostIf, ep);
            undo.commit();
            intent.end();
            afterReturn(ns, ifname, address, address6, create ? spareKey : null, create);
            return ep;
        } catch (StepFailure f) {
            undo.rollback(f.getCause());
            throw new NetkitException(op, f.step, f.getCause());
        } catch (IllegalArgumentException | SecurityException | NetkitException e) {
            undo.rollback(e);
            throw e;
        } catch (RuntimeException | Error e) {
            undo.rollback(e);
            throw new NetkitException(op, step, e);
        }
    }

    /**
     * Container side: sysctls (the CNI bridge plugin's defaults: {@code arp_notify=1}, IPv6 DAD off), then address
     * with broadcast, eth0 and lo up, default route, in one batch (lo is up already in a namespace netkit made).
     */
    private void configureInside(NetNamespace ns, boolean ownNamespace, String ifname, int ifindex, IpPrefix address,
                                 IpPrefix address6) {
        if (!ownNamespace) {
            // In a namespace of netkit's own, eth0 inherited accept_dad=0 from the default set at creation.
            step("set net.ipv6.conf." + ifname + ".accept_dad=0", () -> ns.call(() -> {
                trySet(ns, "net/ipv6/conf/" + ifname + "/accept_dad", "0");
                return null;
            }));
        }
        RtNetlink rt = ns.netlink();
        int index = ifindex > 0 ? ifindex : rt.links().index(ifname);
        try {
            Inside.configure(rt, index, ifname, address, net.gateway, address6, net.v6 == null ? null : net.v6.gateway(),
                    !ownNamespace);
        } catch (Inside.StepException e) {
            throw new StepFailure(e.step(), (RuntimeException) e.getCause());
        }
    }

    /**
     * What follows the attach, handed to {@link AfterAttach}'s thread in ONE queued task, so that the caller wakes at
     * most one thread before it returns (issue 14): for an attach that made its namespace, the scheduling of the next
     * one ahead of time ({@link Spares}, made once no operation runs); the gratuitous ARP for the new address on the
     * container's namespace thread, and its two repeats. Whoever still holds the MAC of an earlier endpoint with this
     * address (the gateway, other containers) updates it now instead of losing traffic until the entry expires. It
     * reaches every port of the bridge, which is why it does not run on the caller's thread; if it fails, those
     * neighbours learn the new MAC when their entry expires.
     *
     * <p>The first announcement can be lost: right after eth0 goes up, the kernel attaches the device's queueing
     * discipline asynchronously (linkwatch), and what is sent before is dropped; and a neighbour updated less than
     * its locktime (1 s) ago may ignore it. Two more follow, 250 ms and 1.1 s later (RFC 4861 7.2.6 allows
     * MAX_NEIGHBOR_ADVERTISEMENT = 3 unsolicited advertisements; RFC 5227 announces twice).
     */
    private void afterReturn(NetNamespace ns, String ifname, IpPrefix address, IpPrefix address6, SpareVeths.Key key,
                             boolean create) {
        AfterAttach.run(() -> {
            if (create) {
                try {
                    SpareVeths.attachEnded(net, key);
                } catch (RuntimeException e) {
                    Log.LOG.debug("scheduling the next namespace ahead of time failed: {}", e.toString());
                }
            }
            announce(ns, ifname, address, address6);
            AfterAttach.later(() -> announce(ns, ifname, address, address6), 250);
            AfterAttach.later(() -> announce(ns, ifname, address, address6), 1100);
        });
    }

    /**
     * One gratuitous ARP (IPv4) and/or unsolicited neighbour advertisement (IPv6, RFC 4861 7.2.6, to all nodes),
     * sent on the container's namespace thread unless the handle was closed meanwhile (a detach).
     */
    private static void announce(NetNamespace ns, String ifname, IpPrefix address, IpPrefix address6) {
        try {
            if (ns.isClosed()) {
                return;
            }
            ns.submit(() -> Announcing.run(() -> {
                if (address != null) {
                    Arp.announce(ifname, (Inet4Address) address.address());
                }
                if (address6 != null) {
                    NeighborAdvertisement.announce(ifname, (Inet6Address) address6.address());
                }
                return null;
            })).whenComplete((ok, e) -> {
                if (e != null) {
                    Log.LOG.debug("announcement of {} {} on {} in {} not sent: {}", address, address6, ifname, ns, e.toString());
                }
            });
        } catch (RuntimeException e) {
            Log.LOG.debug("announcement of {} {} on {} in {} not sent: {}", address, address6, ifname, ns, e.toString());
        }
    }

    /** The created namespace, or the creation's own failure (a StepFailure from the setup, a NetlinkException). */
    private static NetNamespace awaitNamespace(CompletableFuture<NetNamespace> pending) {
        try {
            return pending.join();
        } catch (java.util.concurrent.CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** Sets a sysctl that may not exist (IPv6 disabled): then there is nothing to switch off. */
    private static void trySet(NetNamespace ns, String key, String value) {
        try {
            ns.sysctl().set(key, value);
        } catch (RuntimeException e) {
            Log.LOG.debug("sysctl {} not set in {}: {}", key, ns, e.toString());
        }
    }

    private static void step(String step, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            throw new StepFailure(step, e);
        }
    }

    /** Carries the name of a failed step to the catch in attach. */
    private static final class StepFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String step;

        StepFailure(String step, RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.step = step;
        }
    }

    private void deleteVethNow(String hostIf) {
        try (NetworkLock.Held held = net.allocations.lock.acquire()) {
            held.changed();
            try {
                net.hostLinks().delete(hostIf);
            } catch (LinkNotFoundException gone) {
                // already gone with its namespace
            }
            Allocations.View v = (Allocations.View) held.cache();
            if (v != null) {
                v.rulesClean = false; // the address is free before the undo's re-apply drops its mappings
                v.release(hostIf);
            }
        }
    }

    private static String describe(NetNamespace ns) {
        return ns.name().map(n -> "namespace " + n).orElse("namespace " + ns.path());
    }

    /**
     * The host namespace's lock ({@link NetNamespace#lockExclusive()}) while a publishing attach checks its host ports
     * and records them; closed before the network's lock (resource order), so an undo never waits for it.
     */
    private static final class HostPortsLock implements AutoCloseable {
        private io.netkit.netlink.NamespaceLock held;

        void take(NetNamespace host) {
            held = host.lockExclusive();
        }

        @Override
        public void close() {
            if (held != null) {
                held.close();
                held = null;
            }
        }
    }
}
