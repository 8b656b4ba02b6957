package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.PendingFlows;
import io.netkit.core.internal.Reaper;
import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Links;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A container network: a Linux bridge on a {@link Host} with a gateway address, optionally forwarding and NAT to
 * the host's other networks, and the {@link Endpoint}s attached to it. In {@code ip} terms:
 *
 * <pre>
 * ip link add br0 type bridge; ip addr add 172.16.0.1/24 dev br0; ip link set br0 up    # create()
 * sysctl -w net.ipv4.ip_forward=1                                                       # masquerade()
 * iptables -t nat -A POSTROUTING -s 172.16.0.0/24 ! -o br0 -j MASQUERADE                # masquerade()
 * ip netns add c1; ip link add nkv.. type veth peer name eth0 netns c1; ...             # attach("c1")
 * iptables -t nat -A NETKIT-DNAT-.. -p tcp --dport 8080 -j DNAT --to-destination 172.16.0.2:80
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
 * {@link #close()} (same as {@link #delete()}) removes netkit's iptables rules and the namespaces netkit created for
 * endpoints (never ones it was given), then the bridge and every endpoint's veth pair (all in one
 * {@code ip link del group G} request: the kernel's RCU wait is paid once, not per link). In that order every
 * leftover of a teardown that is killed half-way stays findable, and {@link #open(Host, String)} finishes it. It is
 * idempotent and works the same on an adopted network. {@code net.ipv4.ip_forward} is left on: other networks and
 * the host's own routing may rely on it.
 *
 * <p>Crash safety, tamper-proof records, lock files and mount namespaces: see the {@linkplain io.netkit.core package
 * documentation}.
 */
public final class Network implements AutoCloseable {
    /** Prefix of the host-side veths netkit names itself ({@code nkvXXXXXXXX}). */
    static final String HOST_VETH_PREFIX = "nkv";

    final Host host;
    final String name;
    final String id;
    final IpPrefix subnet;
    final InetAddress gateway;
    final boolean masquerade;
    final IpPrefix masqueradeExcept; // destinations left un-NATed (an overlay's cluster CIDR), or null
    /** The IPv6 side of a dual-stack network (subnet, gateway, NAT66), or {@code null} for an IPv4-only one. */
    final Records.Ipv6Config v6;
    final AddressRange pool; // IPv4 allocation range, or null for the whole subnet (IPv6: v6.pool())
    final int group;
    final int reapGroup;
    final int mtu;
    final FirewallBackend firewall; // from the bridge's record: IPTABLES or NFTABLES
    final io.netkit.core.internal.NetworkFirewall rules;
    final ConcurrentHashMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    final Allocations allocations;
    final Intents intents;
    final Reaper reaper;
    final PendingFlows flows;
    final ForwardingPolicy forwarding;
    final Publishing publishing;
    final Reconcile reconcile;
    private final Attach attacher;
    private final Detach detacher;
    final Teardown teardown;
    private final Object deleteMonitor = new Object();
    volatile boolean deleted;
    volatile Host ownedHost; // a Host handle open(String) opened for this network, released by delete()

    Network(Host host, String name, BridgeRecord rec) {
        this.host = host;
        this.name = name;
        this.id = rec.id();
        this.subnet = rec.subnet();
        this.gateway = rec.gateway();
        this.masquerade = rec.masquerade();
        this.masqueradeExcept = rec.masqueradeExcept();
        this.v6 = rec.v6();
        this.pool = rec.pool();
        this.group = rec.group();
        this.reapGroup = rec.reapGroup();
        this.mtu = rec.mtu();
        this.firewall = rec.firewall();
        this.rules = io.netkit.core.internal.NetworkFirewall.of(firewall);
        this.allocations = new Allocations(this);
        this.intents = Intents.of(allocations.lock.file());
        this.forwarding = new ForwardingPolicy(this);
        this.publishing = new Publishing(this);
        this.reconcile = new Reconcile(this);
        this.attacher = new Attach(this);
        this.detacher = new Detach(this);
        this.teardown = new Teardown(this);
        this.reaper = new Reaper("network " + name, detacher::reap);
        this.flows = new PendingFlows(host.netns(), "network " + name);
    }

    // ------------------------------------------------------------------------------------------------ factories

    /**
     * Starts describing a network whose bridge is called {@code name} (1..15 bytes, as every interface name).
     * Equivalent to {@code ip link add NAME type bridge} once {@link Builder#create()} runs.
     *
     * @throws IllegalArgumentException quoting the name if it is not a valid interface name, or contains '+'
     */
    public static Builder bridge(String name) {
        return new Builder(BuilderChecks.ruleSafe(InterfaceNames.validate(name), "bridge"));
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
        return Adoption.openAnywhere(name);
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
        return Adoption.open(host, name);
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

    /** The IPv4 subnet, e.g. {@code 172.16.0.0/24}; {@code null} on an IPv6-only network (see {@link #subnet6()}). */
    public IpPrefix subnet() {
        return subnet;
    }

    /**
     * The gateway address, configured on the bridge (by default the subnet's first address, e.g. {@code 172.16.0.1});
     * {@code null} on an IPv6-only network (see {@link #gateway6()}).
     */
    public InetAddress gateway() {
        return gateway;
    }

    /**
     * The IPv6 subnet of a dual-stack network, e.g. {@code fd00:16::/64} (empty for an IPv4-only network). Every
     * endpoint gets one address of it besides its IPv4 address.
     */
    public Optional<IpPrefix> subnet6() {
        return Optional.ofNullable(v6).map(Records.Ipv6Config::subnet);
    }

    /** The IPv6 gateway on the bridge (by default the IPv6 subnet's first address, e.g. {@code fd00:16::1}). */
    public Optional<InetAddress> gateway6() {
        return Optional.ofNullable(v6).map(Records.Ipv6Config::gateway);
    }

    /** The allocation ranges ({@link Builder#allocationRange(String, String)}), IPv4 first; empty: whole subnets. */
    public List<AddressRange> allocationRanges() {
        return java.util.stream.Stream.of(pool, v6 == null ? null : v6.pool()).filter(Objects::nonNull).toList();
    }

    /** Whether the network masquerades its IPv6 subnet's traffic (NAT66, {@code ip6tables -t nat ... MASQUERADE}). */
    public boolean masquerading6() {
        return v6 != null && v6.masquerade();
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

    /** The firewall backend holding this network's rules (IPTABLES or NFTABLES, never AUTO; {@code fw=nft}). */
    public FirewallBackend firewall() {
        return firewall;
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
        return KernelSnapshot.endpoints(this);
    }

    /** The attached endpoint whose namespace has the {@code ip netns} name {@code name} (or host interface {@code name}). */
    public Optional<Endpoint> endpoint(String name) {
        return endpoints().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /**
     * Checks every endpoint's {@link Endpoint#health() health} and detaches (removes) the ones that are not configured
     * as recorded — a half-configured endpoint is never reported as attached again. Returns the endpoints removed.
     * {@link #open(Host, String)} already undoes attaches that a killed process left half-done; this also catches
     * damage done later (someone flushed eth0's address, say). Equivalent to checking
     * {@code ip -n NS addr show dev eth0} for each endpoint and {@code ip link del} of the broken ones.
     */
    public List<Endpoint> repair() {
        return reconcile.repair();
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
        // Deferred deletions wait until no attach or detach runs (no rtnl wait for callers).
        return Reaper.duringOperation(() -> attacher.attach(spec));
    }

    // ------------------------------------------------------------------------------------------------ detach

    /**
     * Detaches {@code endpoint}: its address is free again at once; the veth pair is deleted in the background
     * (in bulk with other detached ones) and at the latest by {@link #delete()}; a namespace netkit created is deleted.
     * For a namespace netkit was given, its interface is taken down and renamed out of the way first, so the same
     * namespace can be attached again right away. On a network with NAT (masquerade or published ports) the host's
     * conntrack entries naming the address are deleted right after, in the background and before this process hands the
     * address out again ({@link #awaitBackgroundWork()}), so no old flow reaches the address's next holder.
     * Equivalent to {@code ip link del HOSTVETH} (+ {@code ip netns del NAME}; {@code conntrack -D -d ADDRESS ...}).
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
        Reaper.duringOperation(() -> {
            detacher.detach(endpoint);
            return null;
        });
    }

    /**
     * Waits until the background work of this process's detaches is done: the conntrack entries of detached endpoints
     * are deleted (detach queues that). For a process that exits right after a detach. {@code conntrack -D -d ADDR}.
     */
    public void awaitBackgroundWork() {
        flows.await();
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
            teardown.delete();
        }
    }

    // ------------------------------------------------------------------------------------------------ kernel view

    Links hostLinks() {
        return host.netns().netlink().links();
    }

    void checkNotDeleted(String op) {
        if (deleted) {
            throw new IllegalStateException(op + ": network " + name + " has been deleted");
        }
    }

    @Override
    public String toString() {
        return "Network[" + name + (subnet == null ? "" : " " + subnet + " gw " + IpAddresses.format(gateway))
                + (masquerade ? " masquerade" : "")
                + (v6 == null ? "" : " " + v6.subnet() + " gw " + IpAddresses.format(v6.gateway())
                        + (v6.masquerade() ? " masquerade6" : ""))
                + " on " + host.name() + (deleted ? ", deleted" : "") + "]";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /**
     * Describes a network before {@link #create()}. Only {@link #subnet(String)} is required.
     *
     * <pre>{@code
     * Network net = Network.bridge("br0").on(host).subnet("172.16.0.0/24").gateway("172.16.0.254")
     *         .masquerade().mtu(1400).create();
     * Network dual = Network.bridge("br1").on(host)
     *         .subnet("172.17.0.0/24").subnet("fd00:17::/64")    // dual stack: one subnet per family
     *         .masquerade().create();                             // NAT44, and NAT66 for the ULA subnet
     * }</pre>
     *
     * <p><b>Dual stack.</b> A second {@link #subnet(String)} call of the other family makes the network dual stack,
     * as {@code docker network create --ipv6 --subnet 172.17.0.0/24 --subnet fd00:17::/64} and the CNI bridge
     * plugin's list of ranges do; {@link #gateway(String)} and {@link EndpointSpec#address(String)} work the same way
     * (the address's family picks the subnet). Calling it twice with the same family replaces the earlier subnet of that family. An
     * IPv6 subnet alone makes an IPv6-only network: endpoints get only an IPv6 address ({@link Endpoint#address()}
     * is then the IPv6 one), and there are no IPv4 rules, routes or {@code ip_forward}.
     */
    public static final class Builder {
        private final String name;
        private Host host = Host.current();
        private IpPrefix subnet;
        private InetAddress gateway;
        private IpPrefix subnet6;
        private InetAddress gateway6;
        private Boolean masquerade6; // null: NAT66 with masquerade() for a unique local subnet, not for a global one
        private boolean publish6 = true;
        private boolean masquerade;
        private IpPrefix masqueradeExcept;
        private boolean localhost;
        private int mtu;
        private MacAddress mac;
        private FirewallBackend firewall; // null: the host's default
        private AddressRange pool;
        private AddressRange pool6;

        private Builder(String name) {
            this.name = name;
        }

        /** The host (namespace) to create the network on; {@link Host#current()} by default. */
        public Builder on(Host host) {
            this.host = Objects.requireNonNull(host, "host == null");
            return this;
        }

        /**
         * The IPv4 subnet, e.g. {@code "172.16.0.0/24"} (host bits must be zero; prefix length 8..30), or the IPv6
         * subnet of a dual-stack network, e.g. {@code "fd00:16::/64"} (host bits zero; prefix length 48..120: shorter
         * than a /48 would claim more than a site's whole allocation for one bridge, longer than a /120 leaves fewer
         * addresses than an IPv4 /24). Call it once per family.
         *
         * @throws IllegalArgumentException quoting the text if it is not such a subnet
         */
        public Builder subnet(String cidr) {
            Objects.requireNonNull(cidr, "subnet == null");
            return subnet(BuilderChecks.parseSubnet(cidr), cidr);
        }

        /** The IPv4 or IPv6 subnet; see {@link #subnet(String)}. */
        public Builder subnet(IpPrefix subnet) {
            Objects.requireNonNull(subnet, "subnet == null");
            return subnet(subnet, subnet.toString());
        }

        private Builder subnet(IpPrefix p, String text) {
            if (BuilderChecks.checkSubnet(p, text).isIpv4()) {
                this.subnet = p;
            } else {
                this.subnet6 = p;
            }
            return this;
        }

        /**
         * The gateway address on the bridge; by default the subnet's first address (e.g. 172.16.0.1). An IPv6
         * address sets the IPv6 gateway of a dual-stack network (default: the IPv6 subnet's first address, e.g.
         * {@code fd00:16::1}).
         */
        public Builder gateway(String address) {
            Objects.requireNonNull(address, "gateway == null");
            return gateway(IpAddresses.parse(address));
        }

        /** The gateway address on the bridge; see {@link #gateway(String)}. */
        public Builder gateway(InetAddress address) {
            Objects.requireNonNull(address, "gateway == null");
            if (address instanceof java.net.Inet6Address) {
                this.gateway6 = address;
            } else {
                this.gateway = address;
            }
            return this;
        }

        /**
         * Whether a dual-stack network masquerades its IPv6 subnet (NAT66:
         * {@code ip6tables -t nat -A POSTROUTING -s SUBNET6 ! -o BRIDGE -j MASQUERADE} and
         * {@code net.ipv6.conf.all.forwarding=1}). By default it follows {@link #masquerade()} for a unique local
         * subnet ({@code fc00::/7}, which the internet does not route) and is off for a global subnet, which is
         * meant to be routed to the bridge as it is (forwarding and FORWARD accepts are still installed with
         * {@link #masquerade()}).
         */
        public Builder masquerade6(boolean on) {
            this.masquerade6 = on;
            return this;
        }

        /**
         * Whether a dual-stack network's published ports are mapped on the host's IPv6 addresses too (default: yes,
         * as Docker maps {@code -p 8080:80} on both families). {@code false} maps them on IPv4 only, as
         * {@code docker run -p 0.0.0.0:8080:80} does; recorded in the bridge's record ({@code pub6=0}).
         */
        public Builder publishIpv6(boolean on) {
            this.publish6 = on;
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
         * {@code iptables -t nat -A POSTROUTING -s SUBNET ! -d DESTINATION ! -o BRIDGE -j MASQUERADE}, and connections
         * from there into the bridge are accepted also where the FORWARD policy is DROP
         * ({@code iptables -A FORWARD -s DESTINATION ! -i BRIDGE -o BRIDGE -j ACCEPT}).
         *
         * @throws IllegalArgumentException quoting the text if it is not an IPv4 CIDR with zero host bits
         */
        public Builder masqueradeExcept(String destination) {
            Objects.requireNonNull(destination, "destination == null");
            this.masqueradeExcept = BuilderChecks.masqueradeExcept(destination);
            this.masquerade = true;
            return this;
        }

        /**
         * Published ports of this network also answer host-local clients on {@code 127.0.0.1:HOSTPORT} (as Docker
         * does without its userland proxy): {@code sysctl -w net.ipv4.conf.BRIDGE.route_localnet=1
         * net.ipv4.ip_forward=1}, the OUTPUT DNAT also for loopback destinations, and
         * {@code iptables -t nat -A POSTROUTING -s 127.0.0.0/8 -o BRIDGE -j MASQUERADE}. Off by default:
         * {@code route_localnet} lets the bridge carry packets with loopback addresses. The kernel keeps the choice
         * (the bridge's {@code route_localnet}), so {@link Network#open} keeps it too.
         */
        public Builder publishOnLocalhost() {
            this.localhost = true;
            return this;
        }

        /** Where the network's rules live (default {@link Host#firewall()}; AUTO: see {@link FirewallBackend}). */
        public Builder firewall(FirewallBackend backend) {
            this.firewall = Objects.requireNonNull(backend, "backend == null");
            return this;
        }

        /**
         * Hands out only {@code first..last} of their family's subnet to endpoints without a fixed address (CNI
         * host-local's {@code rangeStart}/{@code rangeEnd}); recorded on the bridge. Once per family.
         *
         * @throws IllegalArgumentException if an end is no literal address, the families differ or last < first
         */
        public Builder allocationRange(String first, String last) {
            AddressRange r = BuilderChecks.range(first, last);
            if (r.isIpv4()) {
                this.pool = r;
            } else {
                this.pool6 = r;
            }
            return this;
        }

        /** The MTU of the bridge and of every endpoint's veth pair (default: the kernel's, 1500). */
        public Builder mtu(int mtu) {
            this.mtu = BuilderChecks.mtu(mtu);
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
            Records.Ipv6Config v6 = NetworkCreation.ipv6(name, subnet6, gateway6, masquerade, masquerade6, publish6, pool6);
            Network net = NetworkCreation.create(host, name, subnet, gateway, masquerade, masqueradeExcept, mtu, mac, v6, pool,
                    firewall != null ? firewall : host.firewall());
            return localhost ? BuilderChecks.publishOnLocalhost(net) : net;
        }
    }
}
