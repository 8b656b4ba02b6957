package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.Firewall;
import io.netkit.core.internal.Inside;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Reaper;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Address;
import io.netkit.netlink.Arp;
import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.Links;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.RouteSpec;
import io.netkit.netlink.RtNetlink;
import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container network: a Linux bridge on a {@link Host} with a gateway address, optionally forwarding and NAT to
 * the host's other networks, and the {@link Endpoint}s attached to it. In {@code ip} terms:
 *
 * <pre>
 * ip link add br0 type bridge; ip addr add 172.16.0.1/24 dev br0; ip link set br0 up    # create()
 * sysctl -w net.ipv4.ip_forward=1                                                       # masquerade()
 * iptables -t nat -A POSTROUTING -s 172.16.0.0/24 ! -o br0 -j MASQUERADE                # masquerade()
 * ip netns add c1; ip link add nkv.. type veth peer name eth0 netns c1; ...             # attach("c1")
 * iptables -t nat -A NETKIT-DNAT-.. ! -i br0 -p tcp --dport 8080 -j DNAT --to-destination 172.16.0.2:80
 *                                                                       # c1.publish(8080, 80): docker run -p 8080:80
 * ip link del group G; ip netns del c1                                                  # close()
 * </pre>
 *
 * becomes
 *
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.create();                        // a host + an "internet" namespace
 *      Network net = Network.bridge("br0").on(sandbox.host())
 *              .subnet("172.16.0.0/24").masquerade().create()) {
 *     Endpoint c1 = net.attach(sandbox.name("c1"));
 *     System.out.println(c1.address().getHostAddress());           // 172.16.0.2
 *     System.out.println(c1.exec("ping", "-c1", "203.0.113.1").exitCode());   // 0
 * }                                                                // everything netkit made is gone again
 * }</pre>
 *
 * <h2>The kernel is the source of truth</h2>
 * Everything a network is and allocates is recorded on kernel objects: the bridge's alias carries the subnet,
 * gateway, masquerade flag and link groups ({@code ip -d link show br0} shows
 * {@code alias netkit:v1 id=... subnet=172.16.0.0/24 gw=172.16.0.1 ...}), every endpoint's host-side veth carries
 * its address, namespace and published ports ({@code pub=t8080:80}). So {@link #open(Host, String)} rebuilds a network in a fresh process, an endpoint
 * whose namespace vanished (which makes the kernel delete its veth pair) frees its address by itself, and
 * allocation across threads and processes is serialized by a lock ({@code /run/netkit/*.lock}) and re-read from the
 * kernel whenever another holder changed it.
 *
 * <h2>Teardown</h2>
 * {@link #close()} (same as {@link #delete()}) removes the bridge, every endpoint's veth pair (all in one
 * {@code ip link del group G} request: the kernel's RCU wait is paid once, not per link), the namespaces netkit
 * created for endpoints (never ones it was given) and netkit's iptables rules. It is idempotent and works the same on
 * an adopted network. {@code net.ipv4.ip_forward} is left on: other networks and the host's own routing may rely on it.
 *
 * <p>Instances are thread-safe; attach and detach may run concurrently from many threads, and from several
 * processes: the lock files live in {@code /run/netkit} (system property {@code netkit.lockDirectory} to move them;
 * every process working on one network must use the same directory), and each is removed with its network.
 *
 * <p>Namespaces that {@link #attach(String)} creates are bind mounts in {@code /run/netns}, as with
 * {@code ip netns add}: a process running in a private mount namespace (for example started by
 * {@code ip netns exec}) creates mounts that vanish with it. Run the JVM in the machine's mount namespace and choose
 * the host with {@link Builder#on(Host)} / {@link Host#namespace(String)} instead.
 */
public final class Network implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Network.class);

    // Keys of the records netkit writes into interface aliases (see Alias).
    private static final String K_ID = "id";
    private static final String K_SUBNET = "subnet";
    private static final String K_GATEWAY = "gw";
    private static final String K_MASQUERADE = "masq";
    private static final String K_GROUP = "group";
    private static final String K_REAP = "reap";
    private static final String K_MTU = "mtu";
    private static final String K_NET = "net";
    private static final String K_NET_ID = "nid";
    private static final String K_NS = "ns";
    private static final String K_PATH = "path";
    private static final String K_INODE = "ino";
    private static final String K_ADDRESS = "addr";
    private static final String K_IFNAME = "if";
    private static final String K_OWN = "own";
    private static final String K_DETACHED = "detached";
    private static final String K_PUBLISH = "pub";
    private static final String K_MASQUERADE_EXCEPT = "nomasq";

    private final Host host;
    private final String name;
    private final String id;
    private final IpPrefix subnet;
    private final InetAddress gateway;
    private final boolean masquerade;
    private final IpPrefix masqueradeExcept; // destinations left un-NATed (an overlay's cluster CIDR), or null
    private final int group;
    private final int reapGroup;
    private final int mtu;
    private final NetworkLock lock;
    private final Reaper reaper;
    private final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Object deleteMonitor = new Object();
    private volatile boolean deleted;
    private volatile Host ownedHost; // a Host handle open(String) opened for this network, released by delete()

    private Network(Host host, String name, String id, IpPrefix subnet, InetAddress gateway, boolean masquerade,
                    IpPrefix masqueradeExcept, int group, int reapGroup, int mtu) {
        this.host = host;
        this.name = name;
        this.id = id;
        this.subnet = subnet;
        this.gateway = gateway;
        this.masquerade = masquerade;
        this.masqueradeExcept = masqueradeExcept;
        this.group = group;
        this.reapGroup = reapGroup;
        this.mtu = mtu;
        this.lock = NetworkLock.of(host.netns().inode(), name, id);
        this.reaper = new Reaper("network " + name, this::reap);
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Starts describing a network whose bridge is called {@code name} (1..15 bytes, as every interface name).
     * Equivalent to {@code ip link add NAME type bridge} once {@link Builder#create()} runs.
     *
     * @throws IllegalArgumentException quoting the name if it is not a valid interface name
     */
    public static Builder bridge(String name) {
        return new Builder(InterfaceNames.validate(name));
    }

    /**
     * Adopts the netkit network with bridge {@code name} in the current namespace; see {@link #open(Host, String)}.
     * If the current namespace has no link of that name, the named namespaces ({@code ip netns list}) are searched, and
     * the network is adopted from the one namespace holding a netkit network of that name (the returned network then
     * owns its {@link Host} handle, released by {@link #delete()}); if several do, the error lists them.
     *
     * @throws NetkitException if there is no such network, or it is ambiguous
     */
    public static Network open(String name) {
        InterfaceNames.validate(name);
        Host current = Host.current();
        Optional<Link> here = current.netns().netlink().links().find(name);
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
                LOG.debug("open network {}: skipping namespace {}: {}", name, nsName, e.toString());
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

    /**
     * Adopts an existing netkit network from the kernel alone: reads the bridge's record and every endpoint's
     * host-side veth ({@code ip -d link show}), so a fresh process sees the same endpoints and addresses and can attach,
     * detach and delete as the creator could.
     *
     * @throws NetkitException if there is no such bridge, or it was not made by netkit
     */
    public static Network open(Host host, String name) {
        Objects.requireNonNull(host, "host == null");
        InterfaceNames.validate(name);
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
        Map<String, String> rec = Alias.decode(bridge.alias()).orElseThrow(() -> new NetkitException(op,
                "link " + name + " was not made by netkit (its alias is " + (bridge.alias() == null ? "empty" : "\"" + bridge.alias() + "\"") + ")"));
        Network net;
        try {
            IpPrefix subnet = IpPrefix.parse(rec.get(K_SUBNET));
            net = new Network(host, name, rec.get(K_ID), subnet, IpAddresses.parse(rec.get(K_GATEWAY)),
                    "1".equals(rec.get(K_MASQUERADE)),
                    rec.containsKey(K_MASQUERADE_EXCEPT) ? IpPrefix.parse(rec.get(K_MASQUERADE_EXCEPT)) : null,
                    Integer.parseInt(rec.get(K_GROUP)),
                    Integer.parseInt(rec.get(K_REAP)), Integer.parseInt(rec.getOrDefault(K_MTU, "0")));
        } catch (RuntimeException e) {
            throw new NetkitException(op, "netkit record on " + name + " is damaged: \"" + bridge.alias() + "\" (" + e.getMessage() + ")");
        }
        net.sync(links);
        if (links.stream().anyMatch(l -> l.group() == net.reapGroup)) {
            net.reaper.schedule(); // detached by a process that ended before its reaper ran
        }
        return net;
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

    /** Whether {@code l} is the bridge of a netkit network (a bridge carrying a netkit network record). */
    private static boolean isNetwork(Link l) {
        return "bridge".equals(l.kind()) && Alias.decode(l.alias()).map(r -> r.containsKey(K_SUBNET)).orElse(false);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The bridge's name, which is the network's name. */
    public String name() {
        return name;
    }

    /** The host this network lives on. */
    public Host host() {
        return host;
    }

    /** The subnet, e.g. {@code 172.16.0.0/24}. */
    public IpPrefix subnet() {
        return subnet;
    }

    /** The gateway address, configured on the bridge (by default the subnet's first address, e.g. {@code 172.16.0.1}). */
    public InetAddress gateway() {
        return gateway;
    }

    /** Whether the network masquerades (NATs) its subnet's traffic leaving through other interfaces of the host. */
    public boolean masquerading() {
        return masquerade;
    }

    /**
     * The destinations the network's masquerade leaves alone ({@link Builder#masqueradeExcept(String)}), e.g. an
     * overlay's cluster CIDR; empty when every destination outside the bridge is masqueraded (or none is).
     */
    public Optional<IpPrefix> masqueradeExcept() {
        return Optional.ofNullable(masqueradeExcept);
    }

    /** The MTU given at creation, or 0 if the kernel's default applies. */
    public int mtu() {
        return mtu;
    }

    /** The link group of the bridge and all endpoints' host-side veths ({@code ip link show group G}). */
    public int linkGroup() {
        return group;
    }

    /** Whether {@link #delete()} has run. */
    public boolean isDeleted() {
        return deleted;
    }

    /**
     * The endpoints attached now, read from the kernel (also those attached by other processes).
     * Equivalent to {@code ip -d link show master BRIDGE} and reading the aliases.
     */
    public List<Endpoint> endpoints() {
        String op = "list endpoints of network " + name;
        checkNotDeleted(op);
        try (NetworkLock.Held held = lock.acquire()) {
            if (held.networkDeleted()) {
                throw new NetkitException(op, "network " + name + " has been deleted");
            }
            // One dump serves both: the endpoint table and a fresh allocation view (addresses of endpoints whose
            // namespace vanished are free again from here on).
            List<Link> links = hostLinks().list();
            held.cache(readView(links, op));
            sync(links);
        }
        List<Endpoint> out = new ArrayList<>(endpoints.values());
        out.sort((a, b) -> Integer.compareUnsigned(Ipv4.toInt(a.address()), Ipv4.toInt(b.address())));
        return out;
    }

    /** The attached endpoint whose namespace has the {@code ip netns} name {@code name} (or host interface {@code name}). */
    public Optional<Endpoint> endpoint(String name) {
        return endpoints().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    // ------------------------------------------------------------------------------------------------ attach

    /**
     * Creates the named namespace {@code namespace} and attaches it: {@code eth0} with the next free address, lo and
     * eth0 up, default route via the gateway. The namespace belongs to netkit: detach and delete remove it.
     * Equivalent to
     * <pre>
     * ip netns add NAME; ip netns exec NAME sysctl -w net.ipv6.conf.default.accept_dad=0
     * ip link add nkvXXXXXXXX group G up master BR type veth peer name eth0 netns NAME
     * ip link set nkvXXXXXXXX alias 'netkit:v1 ...'       (the allocation record)
     * ip netns exec NAME sysctl -w net.ipv4.conf.eth0.arp_notify=1
     * ip -n NAME link set eth0 up; ip -n NAME addr add 172.16.0.2/24 brd + dev eth0; ip -n NAME link set lo up
     * ip -n NAME route add default via 172.16.0.1
     * ip netns exec NAME arping -U -c1 -I eth0 172.16.0.2    (after returning, on the namespace's thread)
     * </pre>
     *
     * @throws IllegalArgumentException if the namespace already exists (attach it with {@link #attach(NetNamespace)})
     * @throws SubnetExhaustedException if no address is free
     * @throws NetkitException naming the failed step; everything this call made is undone
     */
    public Endpoint attach(String namespace) {
        return attach(EndpointSpec.create(namespace));
    }

    /**
     * Attaches an existing namespace (by name {@link NetNamespace#open(String)}, path or pid); netkit never deletes it.
     * Same steps as {@link #attach(String)} without {@code ip netns add}.
     *
     * @throws IllegalArgumentException if the namespace is already attached to this network
     */
    public Endpoint attach(NetNamespace namespace) {
        return attach(EndpointSpec.existing(namespace));
    }

    /** Attaches as {@code spec} describes (interface name, fixed address, MTU, MAC); see {@link #attach(String)}. */
    public Endpoint attach(EndpointSpec spec) {
        Objects.requireNonNull(spec, "spec == null");
        boolean create = spec.createName() != null;
        String label = create ? spec.createName() : describe(spec.existing());
        String op = "attach " + label + " to network " + name;
        checkNotDeleted(op);
        Privileges.requireNetAdmin(op, create);
        if (create) {
            Privileges.warnIfPrivateMountNamespace();
        }
        int fixed = -1;
        if (spec.address() != null) {
            fixed = offsetOf(spec.address(), op);
        }
        List<PortMapping> publish = spec.published();
        if (!publish.isEmpty()) {
            Privileges.requireIptablesFor(op, "publishing ports");
        }
        int linkMtu = spec.mtu() != 0 ? spec.mtu() : mtu;
        String ifname = spec.interfaceName();
        String hostIf = spec.hostInterface() != null ? spec.hostInterface() : "nkv" + Names.hex(8);

        Undo undo = new Undo(op);
        String step = "prepare";
        try {
            CompletableFuture<NetNamespace> pending = null;
            if (create) {
                String nsName = spec.createName();
                step = "create namespace " + nsName;
                try {
                    // EEXIST (O_CREAT|O_EXCL on /run/netns/NAME) is thrown here; the namespace itself is made on a
                    // new namespace thread (on another CPU) while this thread takes the lock and picks the address.
                    // As its first task, that thread switches IPv6 DAD off for the interfaces to come (eth0 inherits
                    // the default).
                    pending = NetNamespace.createAsync(nsName, n -> {
                        try {
                            trySet(n, "net.ipv6.conf.default.accept_dad", "0");
                            // The namespace's netlink socket is opened as this thread's next task, while the caller
                            // creates the veth pair (which needs only the namespace's file descriptor).
                            n.submit(n::netlink);
                        } catch (RuntimeException e) {
                            throw new StepFailure("set sysctl defaults in namespace " + nsName, e);
                        }
                    });
                } catch (NetlinkException e) {
                    if ("EEXIST".equals(e.errnoName())) {
                        throw new IllegalArgumentException("namespace \"" + nsName + "\" already exists; attach an existing "
                                + "namespace with attach(NetNamespace.open(\"" + nsName + "\"))", e);
                    }
                    throw e;
                }
                CompletableFuture<NetNamespace> creating = pending;
                undo.push("delete namespace " + nsName, () -> {
                    NetNamespace made;
                    try {
                        made = creating.join();
                    } catch (RuntimeException failed) {
                        return;   // the creation failed and removed what it had made
                    }
                    made.close();
                    NetNamespace.delete(nsName);
                });
            } else if (spec.existing().inode() == host.netns().inode()) {
                throw new IllegalArgumentException(label + " is the host namespace of network " + name
                        + " itself; attach a container's namespace");
            }

            NetNamespace ns;
            long inode;
            String nsName;
            String nsPath;
            IpPrefix address;
            int peerIndex;
            try (NetworkLock.Held held = lock.acquire()) {
                step = "allocate an address";
                View view = view(held, op);
                if (pending != null) {
                    step = "create namespace " + spec.createName();
                    ns = awaitNamespace(pending);
                    step = "allocate an address";
                } else {
                    ns = spec.existing();
                }
                inode = ns.inode();
                nsName = ns.name().orElse(null);
                nsPath = nsName == null ? ns.path().toString() : null;
                if (view.inodes.containsKey(inode) || (fixed < 0 && view.firstFree() < 0) || (fixed >= 0 && view.used.get(fixed))) {
                    // The cached view may be stale: namespaces that vanished took their veths (and records) with them,
                    // and the kernel reuses a dead namespace's inode. Ask the kernel before refusing.
                    view = readView(hostLinks().list(), op);
                    held.cache(view);
                }
                String other = view.inodes.get(inode);
                if (other != null) {
                    throw new IllegalArgumentException("namespace " + label + " (inode " + inode
                            + ") is already attached to network " + name + " (host interface " + other + ")");
                }
                int offset = fixed >= 0 ? fixed : view.firstFree();
                if (offset < 0) {
                    throw new SubnetExhaustedException(op, "subnet " + subnet + " of network " + name
                            + " is exhausted: all " + view.capacity + " usable addresses are allocated");
                }
                if (fixed >= 0 && view.used.get(fixed)) {
                    throw new IllegalArgumentException("address " + spec.address().getHostAddress()
                            + " is already allocated in network " + name);
                }
                address = IpPrefix.of(Ipv4.fromInt(view.base + offset), subnet.prefixLength());

                Map<String, Map<String, String>> records = null;
                if (!publish.isEmpty()) {
                    step = "check the published ports";
                    records = records(hostLinks().list());
                    for (PortMapping m : publish) {
                        checkHostPortFree(records, null, m, label);
                    }
                }

                Map<String, String> rec = new LinkedHashMap<>();
                rec.put(K_NET, name);
                rec.put(K_NET_ID, id);
                rec.put(K_ADDRESS, address.toString());
                rec.put(K_IFNAME, ifname);
                rec.put(K_INODE, Long.toString(inode));
                if (nsName != null) {
                    rec.put(K_NS, nsName);
                } else {
                    rec.put(K_PATH, nsPath);
                }
                rec.put(K_OWN, create ? "1" : "0");
                if (!publish.isEmpty()) {
                    rec.put(K_PUBLISH, PortMapping.encode(publish));
                }
                String alias = encodeEndpointRecord(rec, label);
                if (!publish.isEmpty()) {
                    // Runs after the veth's deletion (undo is last-in first-out): the rules without this endpoint.
                    undo.push("re-apply the network's iptables rules", () -> reapplyRules(op));
                }

                step = "create veth pair " + hostIf + " <-> " + label + ":" + ifname;
                LinkSpec veth = LinkSpec.veth(hostIf, ifname).peerNamespace(ns).master(view.bridgeIndex)
                        .group(group).up().alias(alias);
                if (linkMtu > 0) {
                    veth = veth.mtu(linkMtu).peerMtu(linkMtu);
                }
                if (spec.mac() != null) {
                    veth = veth.peerMac(spec.mac());
                }
                Link hostSide;
                try {
                    hostSide = hostLinks().create(veth);
                } catch (NetlinkException e) {
                    if ("EEXIST".equals(e.errnoName())) {
                        boolean hostTaken = hostLinks().find(hostIf).isPresent();
                        throw new NetkitException(op, step, hostTaken
                                ? "host interface name " + hostIf + " is taken on " + host + " (" + e.getMessage() + ")"
                                : "an interface named " + ifname + " already exists in " + label
                                        + "; choose another name with EndpointSpec.interfaceName (" + e.getMessage() + ")", e);
                    }
                    throw e;
                }
                peerIndex = hostSide.linkIndex();
                held.changed();
                view.allocate(offset, hostIf, inode);
                undo.push("delete veth " + hostIf, () -> deleteVethNow(hostIf));
                if (records != null) {
                    step = "publish " + publish;
                    markPublishing(held);
                    records.put(hostIf, rec);
                    applyRules(records);
                } else if (view.publishing) {
                    // The new endpoint may have the address of one whose namespace vanished without a detach: rules
                    // re-rendered from the kernel's records drop that endpoint's mappings before traffic can reach the
                    // newcomer through them.
                    step = "re-apply the published ports' iptables rules";
                    applyRules(records(hostLinks().list()));
                }
            }

            step = "configure " + ifname + " in " + label;
            configureInside(ns, create, ifname, peerIndex, address, op);

            Endpoint ep = new Endpoint(this, hostIf, ifname, address, nsName, nsPath, inode, create, ns, create);
            endpoints.put(hostIf, ep);
            undo.commit();
            announce(ns, ifname, address);
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
     * with broadcast, eth0 and lo up, default route, in one batch.
     */
    private void configureInside(NetNamespace ns, boolean ownNamespace, String ifname, int ifindex, IpPrefix address, String op) {
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
            Inside.configure(rt, index, ifname, address, gateway);
        } catch (Inside.StepException e) {
            throw new StepFailure(e.step(), (RuntimeException) e.getCause());
        }
    }

    /**
     * Gratuitous ARP for the new address, sent from the container's namespace thread after attach returned: whoever
     * still holds the MAC of an earlier endpoint with this address (the gateway, other containers) updates it now
     * instead of losing traffic until the entry expires. It reaches every port of the bridge, which is why it does
     * not run on the caller's thread; if it fails, those neighbours learn the new MAC when their entry expires.
     */
    private static void announce(NetNamespace ns, String ifname, IpPrefix address) {
        try {
            ns.submit(() -> {
                Arp.announce(ifname, (Inet4Address) address.address());
                return null;
            }).whenComplete((ok, e) -> {
                if (e != null) {
                    LOG.debug("gratuitous ARP for {} on {} in {} not sent: {}", address, ifname, ns, e.toString());
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("gratuitous ARP for {} on {} in {} not sent: {}", address, ifname, ns, e.toString());
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
            LOG.debug("sysctl {} not set in {}: {}", key, ns, e.toString());
        }
    }

    private static void step(String step, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            throw new StepFailure(step, e);
        }
    }

    /** Carries the name of a failed step to the catch in attach/create. */
    private static final class StepFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String step;

        StepFailure(String step, RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
            this.step = step;
        }
    }

    private void deleteVethNow(String hostIf) {
        try (NetworkLock.Held held = lock.acquire()) {
            try {
                hostLinks().delete(hostIf);
            } catch (LinkNotFoundException gone) {
                // already gone with its namespace
            }
            held.changed();
            View v = (View) held.cache();
            if (v != null) {
                v.release(hostIf);
            }
        }
    }

    private int offsetOf(InetAddress address, String op) {
        if (!subnet.contains(address)) {
            throw new IllegalArgumentException("address " + IpAddresses.format(address) + " is outside subnet " + subnet
                    + " of network " + name);
        }
        int off = Ipv4.toInt(address) - Ipv4.toInt(subnet.address());
        int size = 1 << (32 - subnet.prefixLength());
        if (off == 0 || off == size - 1 || address.equals(gateway)) {
            throw new IllegalArgumentException("address " + IpAddresses.format(address) + " is reserved in network " + name
                    + " (" + (off == 0 ? "network address" : off == size - 1 ? "broadcast address" : "gateway") + ")");
        }
        return off;
    }

    private static String describe(NetNamespace ns) {
        return ns.name().map(n -> "namespace " + n).orElse("namespace " + ns.path());
    }

    // ------------------------------------------------------------------------------------------------ publish

    /**
     * Adds {@code add} to, or removes the host port of {@code remove} from, the endpoint's published ports: under the
     * network's lock, reads every endpoint's record from the kernel, rewrites this endpoint's record and re-applies the
     * network's rules from the records. Returns whether anything changed.
     */
    boolean changePublished(Endpoint ep, PortMapping add, PortMapping remove) {
        String op = add != null ? "publish " + add + " on endpoint " + ep.name() + " of network " + name
                : "unpublish " + remove.protocol() + "/" + remove.hostPort() + " on endpoint " + ep.name() + " of network " + name;
        checkNotDeleted(op);
        if (!ep.isAttached()) {
            throw new IllegalStateException(op + ": " + ep + " is detached");
        }
        Privileges.requireIptablesFor(op, "publishing ports");
        String hostIf = ep.hostInterface();
        try (NetworkLock.Held held = lock.acquire()) {
            if (held.networkDeleted()) {
                throw new NetkitException(op, "network " + name + " has been deleted");
            }
            Map<String, Map<String, String>> records = records(hostLinks().list());
            Map<String, String> rec = records.get(hostIf);
            if (rec == null) {
                throw new IllegalStateException(op + ": " + ep + " is no longer attached (its host interface " + hostIf
                        + " is gone or detached)");
            }
            List<PortMapping> current = publishedOf(rec, hostIf);
            List<PortMapping> next = new ArrayList<>(current);
            if (add != null) {
                if (current.contains(add)) {
                    return false;
                }
                checkHostPortFree(records, hostIf, add, ep.name());
                next.add(add);
            } else if (!next.removeIf(m -> m.protocol() == remove.protocol() && m.hostPort() == remove.hostPort())) {
                return false;
            }
            Map<String, String> updated = new LinkedHashMap<>(rec);
            updated.remove(K_PUBLISH);
            if (!next.isEmpty()) {
                updated.put(K_PUBLISH, PortMapping.encode(next));
            }
            String alias = encodeEndpointRecord(updated, ep.name());
            String oldAlias = Alias.encode(rec);
            if (add != null) {
                markPublishing(held);
            }
            Links links = hostLinks();
            try {
                links.setAlias(hostIf, alias);
            } catch (RuntimeException e) {
                throw new NetkitException(op, "record the mappings on " + hostIf, e);
            }
            records.put(hostIf, updated);
            try {
                applyRules(records);
            } catch (RuntimeException e) {
                try {
                    links.setAlias(hostIf, oldAlias);
                    records.put(hostIf, rec);
                    applyRules(records);
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
                if (e instanceof IllegalStateException) {
                    throw e; // iptables missing, with the package to install
                }
                throw new NetkitException(op, "apply the network's iptables rules", e);
            }
            return true;
        }
    }

    /**
     * Records on the bridge ({@code pub=1} in its alias) that this network has had published ports, so that every
     * process's attach and detach re-apply its rules from then on (see {@link #attach(EndpointSpec)}). Under the lock.
     */
    private void markPublishing(NetworkLock.Held held) {
        View cached = (View) held.cache();
        if (cached != null && cached.publishing) {
            return;
        }
        Link bridge = hostLinks().get(name);
        Map<String, String> rec = Alias.decode(bridge.alias())
                .filter(r -> id.equals(r.get(K_ID)))
                .orElseThrow(() -> new NetkitException("publish on network " + name, "bridge " + name
                        + " no longer carries network " + id));
        if (!"1".equals(rec.get(K_PUBLISH))) {
            Map<String, String> updated = new LinkedHashMap<>(rec);
            updated.put(K_PUBLISH, "1");
            hostLinks().setAlias(name, Alias.encode(updated));
            held.changed();   // other processes re-read their view, and with it the flag
        }
        cached = (View) held.cache();
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
            l = hostLinks().find(ep.hostInterface());
        } catch (RuntimeException e) {
            throw new NetkitException("read published ports of endpoint " + ep.name(), "get link " + ep.hostInterface(), e);
        }
        return l.flatMap(link -> Alias.decode(link.alias()))
                .filter(r -> id.equals(r.get(K_NET_ID)) && r.get(K_ADDRESS) != null)
                .map(r -> publishedOf(r, ep.hostInterface())).orElse(List.of());
    }

    /** The records of the attached endpoints of every netkit network in {@code links}, by host interface. */
    private static Map<String, Map<String, String>> records(List<Link> links) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Link l : links) {
            Map<String, String> rec = Alias.decode(l.alias()).orElse(null);
            if (rec != null && rec.get(K_NET_ID) != null && rec.get(K_ADDRESS) != null) {
                out.put(l.name(), rec);
            }
        }
        return out;
    }

    private List<PortMapping> publishedOf(Map<String, String> rec, String hostIf) {
        try {
            return PortMapping.decode(rec.get(K_PUBLISH));
        } catch (RuntimeException e) {
            LOG.warn("network {}: ignoring damaged port mappings on {}: \"{}\" ({})", name, hostIf, rec.get(K_PUBLISH), e.getMessage());
            return List.of();
        }
    }

    /** Refuses {@code m} if another endpoint (of any netkit network on the host) publishes its host port. */
    private void checkHostPortFree(Map<String, Map<String, String>> records, String hostIf, PortMapping m, String label) {
        for (Map.Entry<String, Map<String, String>> e : records.entrySet()) {
            Map<String, String> rec = e.getValue();
            if (e.getKey().equals(hostIf)) {
                for (PortMapping q : publishedOf(rec, e.getKey())) {
                    if (q.protocol() == m.protocol() && q.hostPort() == m.hostPort()) {
                        throw new IllegalArgumentException("host port " + m.protocol() + "/" + m.hostPort()
                                + " is already published by endpoint " + label + " itself (as " + q
                                + "); unpublish it first");
                    }
                }
                continue;
            }
            for (PortMapping q : publishedOf(rec, e.getKey())) {
                if (q.protocol() == m.protocol() && q.hostPort() == m.hostPort()) {
                    String holder = rec.getOrDefault(K_NS, rec.getOrDefault(K_PATH, e.getKey()));
                    String net = id.equals(rec.get(K_NET_ID)) ? "network " + name : "netkit network " + rec.get(K_NET);
                    throw new IllegalArgumentException("host port " + m.protocol() + "/" + m.hostPort()
                            + " is already published by endpoint " + holder + " (as " + q + ", host interface "
                            + e.getKey() + ") of " + net + "; cannot publish it for " + label);
                }
            }
        }
    }

    /** Encodes an endpoint's record, with a message about published ports if it is too long for an alias. */
    private static String encodeEndpointRecord(Map<String, String> rec, String label) {
        try {
            return Alias.encode(rec);
        } catch (IllegalArgumentException e) {
            if (!rec.containsKey(K_PUBLISH)) {
                throw e;
            }
            int count = rec.get(K_PUBLISH).split(",").length;
            throw new IllegalArgumentException("cannot record " + count + " published port(s) for endpoint " + label
                    + ": netkit keeps them in the host-side veth's alias, which the kernel limits to " + Alias.MAX_BYTES
                    + " bytes (IFALIASZ), and the record would not fit (" + e.getMessage() + "); publish fewer ports"
                    + " or use a shorter namespace name", e);
        }
    }

    /**
     * Applies the network's rules with the published ports of this network's endpoints in {@code records} (from the
     * kernel, under the lock), and switches {@code net.ipv4.ip_forward} on when there are any (left on, as with
     * masquerade).
     */
    private void applyRules(Map<String, Map<String, String>> records) {
        List<Firewall.Published> published = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> e : records.entrySet()) {
            Map<String, String> rec = e.getValue();
            if (!id.equals(rec.get(K_NET_ID))) {
                continue;
            }
            String address;
            try {
                address = IpAddresses.format(IpPrefix.parse(rec.get(K_ADDRESS)).address());
            } catch (RuntimeException damaged) {
                continue;
            }
            for (PortMapping m : publishedOf(rec, e.getKey())) {
                published.add(new Firewall.Published(m.protocol() == Protocol.TCP ? io.netkit.iptables.Protocol.TCP
                        : io.netkit.iptables.Protocol.UDP, m.hostPort(), address, m.containerPort(),
                        rec.getOrDefault(K_NS, e.getKey())));
            }
        }
        NetNamespace hostNs = host.netns();
        if (!published.isEmpty() && !"1".equals(hostNs.sysctl().get("net.ipv4.ip_forward").trim())) {
            hostNs.sysctl().set("net.ipv4.ip_forward", "1");
        }
        Firewall.apply(hostNs, Firewall.rules(name, id, subnet, masquerade, masqueradeExcept, published));
    }

    /** Re-applies the network's rules from the kernel's records (undo step of attach). */
    private void reapplyRules(String op) {
        try (NetworkLock.Held held = lock.acquire()) {
            if (!held.networkDeleted()) {
                applyRules(records(hostLinks().list()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ detach

    /**
     * Detaches {@code endpoint}: its address is free again at once; the veth pair is deleted in the background
     * (in bulk with other detached ones) and at the latest by {@link #delete()}; a namespace netkit created is deleted.
     * For a namespace netkit was given, its interface is taken down and renamed out of the way first, so the same
     * namespace can be attached again right away. Equivalent to {@code ip link del HOSTVETH} (+ {@code ip netns del NAME}).
     * Idempotent.
     */
    public void detach(Endpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint == null");
        if (!endpoint.network().name.equals(name) || !endpoint.network().id.equals(id)) {
            throw new IllegalArgumentException(endpoint + " is not attached to network " + name);
        }
        if (!endpoint.isAttached() && (endpoint.network() == this || deleted)) {
            return;
        }
        String op = "detach " + endpoint.name() + " from network " + name;
        String hostIf = endpoint.hostInterface();
        boolean present = true;
        NetkitException rulesError = null;
        try (NetworkLock.Held held = lock.acquire()) {
            if (held.networkDeleted()) {
                present = false;
            } else {
                Map<String, String> rec = new LinkedHashMap<>();
                rec.put(K_NET, name);
                rec.put(K_NET_ID, id);
                rec.put(K_DETACHED, "1");
                String alias = Alias.encode(rec);
                boolean publishing = publishingInUse(held, op);
                try {
                    // ONE request: out of the bridge, down, record replaced, into the reap group. From here on no
                    // frame from the old address reaches the network, and the address is free.
                    // ip link set HOSTIF nomaster down group R alias "netkit:v1 net=.. nid=.. detached=1"
                    host.netns().netlink().socket().execute("release endpoint", hostIf, RtnetlinkConstants.RTM_NEWLINK, 0, w -> {
                        w.ifInfoMsg(RtnetlinkConstants.AF_UNSPEC, 0, 0, 0, Link.IFF_UP);
                        w.attrString(IfLinkConstants.IFLA_IFNAME, hostIf);
                        w.attrU32(IfLinkConstants.IFLA_MASTER, 0);
                        w.attrU32(IfLinkConstants.IFLA_GROUP, reapGroup);
                        w.attrString(IfLinkConstants.IFLA_IFALIAS, alias);
                    });
                } catch (NetlinkException e) {
                    if (!(e instanceof LinkNotFoundException) && !"ENODEV".equals(e.errnoName())) {
                        throw e;
                    }
                    present = false; // its namespace vanished and took the veth pair with it
                }
                held.changed();
                View v = (View) held.cache();
                if (v != null) {
                    v.release(hostIf);
                }
                if (publishing) {
                    try {
                        applyRules(records(hostLinks().list())); // the rules without this endpoint's mappings
                    } catch (RuntimeException e) {
                        rulesError = new NetkitException(op, "remove the published ports' iptables rules (the endpoint is "
                                + "detached; the next publish, unpublish or detach with ports of the network re-applies them)", e);
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new NetkitException(op, "release host interface " + hostIf, e);
        }
        endpoints.remove(hostIf);
        if (endpoint.ownsNamespace()) {
            endpoint.release();
            deleteOwnedNamespace(endpoint.namespaceName().orElse(null), endpoint.namespaceInode(), op);
        } else if (present) {
            try {
                NetNamespace ns = endpoint.namespace();
                Links inside = ns.netlink().links();
                inside.setDown(endpoint.interfaceName());
                inside.rename(endpoint.interfaceName(), "nkr" + Names.hex(8));
            } catch (RuntimeException e) {
                LOG.debug("{}: could not park {} inside the namespace: {}", op, endpoint.interfaceName(), e.toString());
            } finally {
                endpoint.release();
            }
        } else {
            endpoint.release();
        }
        if (present) {
            reaper.schedule();
        }
        if (rulesError != null) {
            throw rulesError;
        }
    }

    /** Whether this network has had published ports (the bridge's record), from the cached view if there is one. */
    private boolean publishingInUse(NetworkLock.Held held, String op) {
        View v = (View) held.cache();
        if (v != null) {
            return v.publishing;
        }
        Optional<Link> bridge = hostLinks().find(name);
        return bridge.flatMap(l -> Alias.decode(l.alias()))
                .map(r -> id.equals(r.get(K_ID)) && "1".equals(r.get(K_PUBLISH))).orElse(false);
    }

    /** Deletes a named namespace netkit created, if it is still the one it created. */
    private static void deleteOwnedNamespace(String nsName, long inode, String op) {
        if (nsName == null) {
            return;
        }
        Path p = Path.of("/run/netns", nsName);
        try {
            Object ino = Files.getAttribute(p, "unix:ino");
            if (inode != 0 && ino instanceof Long && (Long) ino != inode) {
                LOG.warn("{}: namespace {} is not the one netkit created (inode {} != {}); left alone", op, nsName, ino, inode);
                return;
            }
        } catch (IOException | UnsupportedOperationException e) {
            return; // already gone
        }
        try {
            NetNamespace.delete(nsName);
        } catch (io.netkit.netlink.NamespaceNotFoundException gone) {
            // deleted meanwhile
        }
    }

    /** Runs on the reaper thread: deletes every detached veth of this network in one request. */
    private void reap() {
        if (deleted) {
            return;
        }
        try {
            hostLinks().deleteGroup(reapGroup);
        } catch (NetlinkException e) {
            if (!"ENODEV".equals(e.errnoName())) {
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ delete

    /** Same as {@link #delete()}. */
    @Override
    public void close() {
        delete();
    }

    /**
     * Removes everything this network consists of: netkit's iptables rules, every endpoint's veth pair and the bridge
     * (one {@code ip link del group G}), and the namespaces netkit created for endpoints ({@code ip netns del NAME};
     * namespaces it was given are kept, without the interface it added). {@code net.ipv4.ip_forward} stays on.
     * Idempotent; works the same on a network adopted with {@link #open(Host, String)}.
     *
     * @throws NetkitException if something could not be removed (everything else still is)
     */
    public void delete() {
        synchronized (deleteMonitor) {
            if (deleted) {
                return;
            }
            String op = "delete network " + name;
            List<Throwable> errors = new ArrayList<>();
            reaper.stop();
            try (NetworkLock.Held held = lock.acquire()) {
                if (!held.networkDeleted()) {
                    deleteLocked(op, errors);
                    held.markDeleted();
                }
            } catch (RuntimeException e) {
                errors.add(e);
            } finally {
                deleted = true;
                reaper.resume();
                for (Endpoint ep : endpoints.values()) {
                    ep.release();
                }
                endpoints.clear();
                Host owned = ownedHost;
                if (owned != null) {
                    ownedHost = null;
                    owned.close();
                }
            }
            if (!errors.isEmpty()) {
                NetkitException ex = new NetkitException(op, "teardown incomplete",
                        errors.get(0));
                errors.stream().skip(1).forEach(ex::addSuppressed);
                throw ex;
            }
        }
    }

    private void deleteLocked(String op, List<Throwable> errors) {
        Links links = hostLinks();
        List<Link> all = links.list();
        Link bridge = all.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
        boolean ours = bridge != null && Alias.decode(bridge.alias()).map(r -> id.equals(r.get(K_ID))).orElse(false);
        if (!ours) {
            LOG.info("{}: the bridge is already gone", op);
        }
        List<Map<String, String>> owned = new ArrayList<>();
        for (Link l : all) {
            if (l.group() != group && l.group() != reapGroup) {
                continue;
            }
            Map<String, String> rec = Alias.decode(l.alias()).orElse(Map.of());
            if (!id.equals(rec.get(K_NET_ID))) {
                continue;
            }
            if ("1".equals(rec.get(K_OWN))) {
                owned.add(rec);
            }
            if (l.group() == reapGroup) {
                try {
                    links.setGroup(l.name(), group); // so that one request deletes them all
                } catch (LinkNotFoundException gone) {
                    // reaped meanwhile
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        for (Endpoint ep : endpoints.values()) {
            ep.release(); // a namespace handle kept open would keep the namespace alive
        }
        long t0 = System.nanoTime();
        // The iptables tools run as processes (tens of ms): let them work while the kernel deletes the links.
        java.util.concurrent.CompletableFuture<Void> rules = java.util.concurrent.CompletableFuture.runAsync(
                () -> Firewall.remove(host.netns(), name, id), Firewall.executor());
        // Unmounting the namespaces needs no rtnl lock either: also alongside. Whatever the kernel's namespace
        // cleanup does not destroy first, the group deletion below does.
        List<Throwable> nsErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CompletableFuture<Void> namespaces = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (Map<String, String> rec : owned) {
                try {
                    deleteOwnedNamespace(rec.get(K_NS), parseLong(rec.get(K_INODE)), op);
                } catch (RuntimeException e) {
                    nsErrors.add(e);
                }
            }
        }, Firewall.executor());
        long t1 = System.nanoTime();
        if (ours) {
            try {
                links.deleteGroup(group); // bridge + all host-side veths (and so their peers) at once
            } catch (NetlinkException e) {
                if (!"ENODEV".equals(e.errnoName())) {
                    errors.add(e);
                }
            }
        }
        long t2 = System.nanoTime();
        namespaces.join();
        errors.addAll(nsErrors);
        long t3 = System.nanoTime();
        try {
            rules.join();
        } catch (java.util.concurrent.CompletionException e) {
            errors.add(e.getCause());
        }
        LOG.debug("{}: {} links; link group deleted in {} ms, {} namespaces deleted {} ms later, rules removed after {} ms",
                op, all.size(), (t2 - t1) / 1_000_000, owned.size(), (t3 - t2) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------------------------------------ kernel view

    private Links hostLinks() {
        return host.netns().netlink().links();
    }

    private void checkNotDeleted(String op) {
        if (deleted) {
            throw new IllegalStateException(op + ": network " + name + " has been deleted");
        }
    }

    /** The allocation view, from the cache if no one changed the network since, else from a fresh link dump. */
    private View view(NetworkLock.Held held, String op) {
        if (held.networkDeleted()) {
            throw new NetkitException(op, "network " + name + " has been deleted");
        }
        View v = (View) held.cache();
        if (v == null) {
            v = readView(hostLinks().list(), op);
            held.cache(v);
        }
        return v;
    }

    private View readView(List<Link> links, String op) {
        View v = new View(Ipv4.toInt(subnet.address()), subnet.prefixLength());
        v.used.set(offsetOfGateway());
        boolean bridgeFound = false;
        for (Link l : links) {
            if (l.name().equals(name) && Alias.decode(l.alias()).map(r -> id.equals(r.get(K_ID))).orElse(false)) {
                v.bridgeIndex = l.index();
                v.publishing = Alias.decode(l.alias()).map(r -> "1".equals(r.get(K_PUBLISH))).orElse(false);
                bridgeFound = true;
            } else if (l.group() == group) {
                Map<String, String> rec = Alias.decode(l.alias()).orElse(null);
                if (rec == null || !id.equals(rec.get(K_NET_ID)) || rec.get(K_ADDRESS) == null) {
                    continue;
                }
                try {
                    IpPrefix a = IpPrefix.parse(rec.get(K_ADDRESS));
                    v.allocate(Ipv4.toInt(a.address()) - v.base, l.name(), parseLong(rec.get(K_INODE)));
                } catch (RuntimeException e) {
                    LOG.warn("network {}: ignoring damaged record on {}: \"{}\"", name, l.name(), l.alias());
                }
            }
        }
        if (!bridgeFound) {
            throw new NetkitException(op, "bridge " + name + " (network id " + id + ") no longer exists on " + host);
        }
        return v;
    }

    private int offsetOfGateway() {
        return Ipv4.toInt(gateway) - Ipv4.toInt(subnet.address());
    }

    /** Rebuilds the in-memory endpoint table from a link dump (keeps existing Endpoint objects). */
    private void sync(List<Link> links) {
        Map<String, Link> present = new HashMap<>();
        for (Link l : links) {
            if (l.group() != group) {
                continue;
            }
            Map<String, String> rec = Alias.decode(l.alias()).orElse(null);
            if (rec == null || !id.equals(rec.get(K_NET_ID)) || rec.get(K_ADDRESS) == null) {
                continue;
            }
            present.put(l.name(), l);
            endpoints.computeIfAbsent(l.name(), n -> {
                try {
                    return new Endpoint(this, n, rec.getOrDefault(K_IFNAME, "eth0"), IpPrefix.parse(rec.get(K_ADDRESS)),
                            rec.get(K_NS), rec.get(K_PATH), parseLong(rec.get(K_INODE)), "1".equals(rec.get(K_OWN)), null, true);
                } catch (RuntimeException e) {
                    LOG.warn("network {}: ignoring damaged record on {}: \"{}\"", name, n, l.alias());
                    return null;
                }
            });
        }
        for (Endpoint ep : endpoints.values()) {
            if (!present.containsKey(ep.hostInterface())) {
                endpoints.remove(ep.hostInterface()); // its namespace vanished, or another process detached it
                ep.release();
            }
        }
    }

    /** Which addresses are allocated, by host offset; which namespaces are attached. */
    private static final class View {
        final int base;
        final int capacity;
        final int size;
        final BitSet used = new BitSet();
        final Map<Long, String> inodes = new HashMap<>();
        final Map<String, Integer> byInterface = new HashMap<>();
        final Map<String, Long> inodeByInterface = new HashMap<>();
        int bridgeIndex;
        /** The bridge's record says ports were published on this network at some time (see markPublishing). */
        boolean publishing;

        View(int base, int prefixLength) {
            this.base = base;
            this.size = (int) Math.min(1L << (32 - prefixLength), Integer.MAX_VALUE);
            this.capacity = size - 3;
            used.set(0);
            used.set(size - 1);
        }

        int firstFree() {
            int off = used.nextClearBit(1);
            return off < size - 1 ? off : -1;
        }

        void allocate(int offset, String hostIf, long inode) {
            used.set(offset);
            byInterface.put(hostIf, offset);
            if (inode != 0) {
                inodes.put(inode, hostIf);
                inodeByInterface.put(hostIf, inode);
            }
        }

        void release(String hostIf) {
            Integer off = byInterface.remove(hostIf);
            if (off != null) {
                used.clear(off);
            }
            Long ino = inodeByInterface.remove(hostIf);
            if (ino != null) {
                inodes.remove(ino, hostIf);
            }
        }
    }

    @Override
    public String toString() {
        return "Network[" + name + " " + subnet + " gw " + IpAddresses.format(gateway) + (masquerade ? " masquerade" : "")
                + " on " + host.name() + (deleted ? ", deleted" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Describes a network before {@link #create()}. Only {@link #subnet(String)} is required.
     *
     * <pre>{@code
     * Network net = Network.bridge("br0").on(host).subnet("172.16.0.0/24").gateway("172.16.0.254")
     *         .masquerade().mtu(1400).create();
     * }</pre>
     */
    public static final class Builder {
        private final String name;
        private Host host = Host.current();
        private IpPrefix subnet;
        private InetAddress gateway;
        private boolean masquerade;
        private IpPrefix masqueradeExcept;
        private int mtu;
        private MacAddress mac;

        private Builder(String name) {
            this.name = name;
        }

        /** The host (namespace) to create the network on; {@link Host#current()} by default. */
        public Builder on(Host host) {
            this.host = Objects.requireNonNull(host, "host == null");
            return this;
        }

        /**
         * The IPv4 subnet, e.g. {@code "172.16.0.0/24"} (host bits must be zero; prefix length 8..30).
         *
         * @throws IllegalArgumentException quoting the text if it is not such a subnet
         */
        public Builder subnet(String cidr) {
            Objects.requireNonNull(cidr, "subnet == null");
            IpPrefix p;
            try {
                p = IpPrefix.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid subnet \"" + cidr + "\": expected an IPv4 CIDR like 172.16.0.0/24 ("
                        + e.getMessage() + ")", e);
            }
            return subnet(p, cidr);
        }

        /** The IPv4 subnet; see {@link #subnet(String)}. */
        public Builder subnet(IpPrefix subnet) {
            Objects.requireNonNull(subnet, "subnet == null");
            return subnet(subnet, subnet.toString());
        }

        private Builder subnet(IpPrefix p, String text) {
            if (!p.isIpv4()) {
                throw new IllegalArgumentException("invalid subnet \"" + text + "\": only IPv4 subnets are supported so far");
            }
            if (p.prefixLength() < 8 || p.prefixLength() > 30) {
                throw new IllegalArgumentException("invalid subnet \"" + text + "\": prefix length must be 8..30 "
                        + "(a /31 or /32 has no room for a gateway and endpoints)");
            }
            if (!p.network().equals(p)) {
                throw new IllegalArgumentException("invalid subnet \"" + text + "\": host bits are set (did you mean "
                        + p.network() + "?)");
            }
            this.subnet = p;
            return this;
        }

        /** The gateway address on the bridge; by default the subnet's first address (e.g. 172.16.0.1). */
        public Builder gateway(String address) {
            Objects.requireNonNull(address, "gateway == null");
            return gateway(IpAddresses.parse(address));
        }

        /** The gateway address on the bridge; see {@link #gateway(String)}. */
        public Builder gateway(InetAddress address) {
            this.gateway = Objects.requireNonNull(address, "gateway == null");
            return this;
        }

        /**
         * Lets the network reach the host's other networks through NAT, as
         * {@code sysctl -w net.ipv4.ip_forward=1} and
         * {@code iptables -t nat -A POSTROUTING -s SUBNET ! -o BRIDGE -j MASQUERADE} plus FORWARD accept rules
         * (so it also works where the FORWARD policy is DROP). Needs {@code iptables} (Debian package {@code iptables}).
         */
        public Builder masquerade() {
            this.masquerade = true;
            return this;
        }

        /**
         * {@link #masquerade()}, except for traffic to {@code destination} (an IPv4 CIDR such as an overlay's cluster
         * CIDR "10.244.0.0/16"), which keeps its source address: flannel's {@code ipMasq}. The rule becomes
         * {@code iptables -t nat -A POSTROUTING -s SUBNET ! -d DESTINATION ! -o BRIDGE -j MASQUERADE}.
         *
         * @throws IllegalArgumentException quoting the text if it is not an IPv4 CIDR with zero host bits
         */
        public Builder masqueradeExcept(String destination) {
            Objects.requireNonNull(destination, "destination == null");
            IpPrefix p;
            try {
                p = IpPrefix.parse(destination);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid masquerade exception \"" + destination
                        + "\": expected an IPv4 CIDR like 10.244.0.0/16 (" + e.getMessage() + ")", e);
            }
            if (!p.isIpv4() || !p.network().equals(p)) {
                throw new IllegalArgumentException("invalid masquerade exception \"" + destination
                        + "\": expected an IPv4 CIDR with zero host bits, like 10.244.0.0/16");
            }
            this.masquerade = true;
            this.masqueradeExcept = p;
            return this;
        }

        /** The MTU of the bridge and of every endpoint's veth pair (default: the kernel's, 1500). */
        public Builder mtu(int mtu) {
            if (mtu < 68 || mtu > 65535) {
                throw new IllegalArgumentException("mtu " + mtu + " out of range: expected 68..65535");
            }
            this.mtu = mtu;
            return this;
        }

        /** The bridge's MAC address (default: a random locally administered one, fixed for the bridge's life). */
        public Builder mac(MacAddress mac) {
            this.mac = Objects.requireNonNull(mac, "mac == null");
            return this;
        }

        /**
         * Creates the network: the bridge (pinned MAC, link group, up) with the gateway address, and with
         * {@link #masquerade()} forwarding and netkit's iptables rules. All or nothing: on failure, everything made is
         * removed again and the exception names the failed step.
         *
         * @throws IllegalArgumentException if the subnet is missing, the gateway is outside it, a link of that name
         *     exists, or the subnet overlaps an address on the host
         * @throws SecurityException without root / CAP_NET_ADMIN
         * @throws NetkitException naming the failed step
         */
        public Network create() {
            String op = "create network " + name + " on " + host;
            if (subnet == null) {
                throw new IllegalArgumentException(op + ": no subnet given; call subnet(\"172.16.0.0/24\") or similar");
            }
            int size = 1 << (32 - subnet.prefixLength());
            InetAddress gw = gateway != null ? gateway : Ipv4.fromInt(Ipv4.toInt(subnet.address()) + 1);
            if (!subnet.contains(gw)) {
                throw new IllegalArgumentException(op + ": gateway " + IpAddresses.format(gw) + " is outside subnet " + subnet);
            }
            int gwOff = Ipv4.toInt(gw) - Ipv4.toInt(subnet.address());
            if (gwOff == 0 || gwOff == size - 1) {
                throw new IllegalArgumentException(op + ": gateway " + IpAddresses.format(gw) + " is the "
                        + (gwOff == 0 ? "network" : "broadcast") + " address of " + subnet);
            }
            Privileges.requireNetAdmin(op, false);
            if (masquerade) {
                Privileges.requireIptables(op);
            }
            try {
                Firewall.rules(name, "00000000", subnet, masquerade, masqueradeExcept, List.of()); // refuses what iptables cannot carry, before any change
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
            }
            NetNamespace hostNs = host.netns();
            RtNetlink rt = hostNs.netlink();
            Undo undo = new Undo(op);
            String step = "inspect the host";
            try {
                List<Link> links = rt.links().list();
                int g;
                int r;
                do {
                    g = Names.group();
                    r = Names.group();
                } while (g == r || inUse(links, g) || inUse(links, r));
                for (Link l : links) {
                    if (l.name().equals(name)) {
                        throw new IllegalArgumentException(op + ": a link named " + name + " already exists"
                                + (Alias.decode(l.alias()).isPresent() ? " (a netkit network: adopt it with Network.open)" : ""));
                    }
                }
                checkOverlap(op, rt, links);

                String id = Names.hex(8);
                Map<String, String> rec = new LinkedHashMap<>();
                rec.put(K_ID, id);
                rec.put(K_SUBNET, subnet.toString());
                rec.put(K_GATEWAY, IpAddresses.format(gw));
                rec.put(K_MASQUERADE, masquerade ? "1" : "0");
                if (masqueradeExcept != null) {
                    rec.put(K_MASQUERADE_EXCEPT, masqueradeExcept.toString());
                }
                rec.put(K_GROUP, Integer.toString(g));
                rec.put(K_REAP, Integer.toString(r));
                rec.put(K_MTU, Integer.toString(mtu));
                step = "create bridge " + name;
                LinkSpec spec = LinkSpec.bridge(name).mac(mac != null ? mac : MacAddress.random()).group(g).up()
                        .alias(Alias.encode(rec));
                rt.links().create(spec);
                undo.push("delete bridge " + name, () -> rt.links().delete(name));
                if (mtu > 0) {
                    // Set after creation, the bridge takes the MTU as chosen by the user and keeps it as ports come
                    // and go (given at creation, it would follow the smallest port's MTU).
                    step = "set mtu " + mtu + " on " + name;
                    rt.links().setMtu(name, mtu);
                }

                IpPrefix gwPrefix = IpPrefix.of(gw, subnet.prefixLength());
                step = "add address " + gwPrefix + " to " + name;
                rt.addresses().add(name, gwPrefix);

                step = "install iptables rules";
                Firewall.install(hostNs, name, id, subnet, masquerade, masqueradeExcept);
                undo.push("remove iptables rules", () -> Firewall.remove(hostNs, name, id));

                if (masquerade) {
                    step = "enable net.ipv4.ip_forward";
                    String before = hostNs.sysctl().get("net.ipv4.ip_forward").trim();
                    if (!"1".equals(before)) {
                        hostNs.sysctl().set("net.ipv4.ip_forward", "1");
                        undo.push("restore net.ipv4.ip_forward=" + before, () -> hostNs.sysctl().set("net.ipv4.ip_forward", before));
                    }
                }
                Network net = new Network(host, name, id, subnet, gw, masquerade, masqueradeExcept, g, r, mtu);
                undo.commit();
                return net;
            } catch (IllegalArgumentException | SecurityException e) {
                undo.rollback(e);
                throw e;
            } catch (RuntimeException | Error e) {
                undo.rollback(e);
                throw new NetkitException(op, step, e);
            }
        }

        private static boolean inUse(Collection<Link> links, int group) {
            return links.stream().anyMatch(l -> l.group() == group);
        }

        private void checkOverlap(String op, RtNetlink rt, List<Link> links) {
            int base = Ipv4.toInt(subnet.address());
            Map<Integer, String> names = new HashMap<>();
            for (Link l : links) {
                names.put(l.index(), l.name());
            }
            for (Address a : rt.addresses().list()) {
                IpPrefix p = a.prefix();
                if (p.isIpv4() && Ipv4.overlaps(base, subnet.prefixLength(), Ipv4.toInt(p.address()), p.prefixLength())) {
                    throw new IllegalArgumentException(op + ": subnet " + subnet + " overlaps " + p + " on "
                            + names.getOrDefault(a.index(), "#" + a.index()) + " (choose another subnet)");
                }
            }
        }
    }
}
