package io.netkit.core.internal;

import io.netkit.iptables.AddressType;
import io.netkit.iptables.Backend;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.ConntrackState;
import io.netkit.iptables.ContainerNetworkRules;
import io.netkit.iptables.Family;
import io.netkit.iptables.Iptables;
import io.netkit.iptables.OwnedRules;
import io.netkit.iptables.Owner;
import io.netkit.iptables.Protocol;
import io.netkit.iptables.Rule;
import io.netkit.iptables.Table;
import io.netkit.iptables.Target;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network's iptables rules, applied through netkit-iptables with the tools running inside the host namespace
 * ({@code ip netns exec HOST iptables-restore --noflush --wait}). Not for use outside netkit.
 *
 * <p>For network {@code br0} with subnet {@code 172.16.0.0/24} the owner {@code br0@ID} holds:
 * <pre>
 * *filter
 * -N NETKIT-USER                                                                      # once per host; never flushed
 * -A NETKIT-FWD-xxxxxxxx -j NETKIT-USER                                               # the administrator's rules first
 * -A NETKIT-FWD-xxxxxxxx -i br0 -o br0 -j ACCEPT                                      # bridged traffic (br_netfilter)
 * -A NETKIT-FWD-xxxxxxxx -i br0 ! -o br0 -j ACCEPT                                    # masquerade only
 * -A NETKIT-FWD-xxxxxxxx -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT  # masquerade only
 * -I FORWARD 1 -j NETKIT-FWD-xxxxxxxx
 * *nat                                                                                # masquerade only
 * -A NETKIT-POST-xxxxxxxx -s 172.16.0.0/24 ! -o br0 -j MASQUERADE
 * -I POSTROUTING 1 -j NETKIT-POST-xxxxxxxx
 * </pre>
 * each rule commented {@code netkit:br0@ID}.
 */
public final class Firewall {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Firewall.class);
    }
    /**
     * Backend per host namespace handle, decided once (without processes where {@link BackendProbe} is certain). Keyed
     * by the handle (identity, weakly; it keeps its namespace alive), not by the namespace inode: the kernel reuses a
     * deleted namespace's inode, and a new namespace must not inherit the decision made for an old one.
     */
    private static final java.util.Map<NetNamespace, Backend> BACKENDS =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    /** Runs the iptables tools off the caller's thread where they can overlap with netlink work. */
    private static final java.util.concurrent.ExecutorService EXECUTOR =
            java.util.concurrent.Executors.newCachedThreadPool(new DaemonThreads("netkit-iptables"));

    /** Host namespace handles where this process saw the admin chain made (applyNew falls back to apply if gone). */
    private static final java.util.Set<NetNamespace> ADMIN_CHAIN_SEEN =
            java.util.Collections.newSetFromMap(java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>()));

    private Firewall() {}

    /** The executor for iptables work that runs alongside netlink requests. */
    public static java.util.concurrent.Executor executor() {
        return EXECUTOR;
    }

    /**
     * Whether iptables can carry {@code bridge} in an owner's name: {@code [A-Za-z0-9_.][A-Za-z0-9_.+=-]*}, checked by
     * hand (no regular expression on a create's path).
     */
    static boolean iptablesCarries(String bridge) {
        if (bridge.isEmpty() || bridge.charAt(0) == '+' || bridge.charAt(0) == '=' || bridge.charAt(0) == '-') {
            return false;
        }
        for (int i = 0; i < bridge.length(); i++) {
            char c = bridge.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_' && c != '.'
                    && c != '+' && c != '=' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** The owner of a network's rules: {@code BRIDGE@ID} (or {@code net@ID} for a bridge name iptables cannot carry). */
    public static Owner owner(String bridge, String id) {
        String base = iptablesCarries(bridge) ? bridge : "net";
        return Owner.of(base + "@" + id);
    }

    static Iptables iptables(NetNamespace host) {
        return iptables(host, Family.IPV4);
    }

    /**
     * The tools of {@code family} in {@code host}. IPv6 uses the backend detected for IPv4 (ip6tables-nft with
     * iptables-nft, ip6tables-legacy with iptables-legacy), as the Debian alternatives switch both together: rules of
     * one network then live in one backend for both families.
     */
    static Iptables iptables(NetNamespace host, Family family) {
        CommandRunner runner = CommandRunner.starting(host::start);
        Backend backend = BACKENDS.computeIfAbsent(host,
                k -> BackendProbe.probe(host).orElseGet(() -> Iptables.detectBackend(runner)));
        return Iptables.builder().runner(runner).backend(backend).family(family).build();
    }

    /**
     * One published port of an endpoint (host port to {@code container:containerPort}); {@code endpoint} names the
     * endpoint in messages only; {@code hostAddress} the one host address it is published on ({@code -d}), or null.
     */
    public record Published(Protocol protocol, int hostPort, String container, int containerPort, String endpoint,
                            String hostAddress) {
        /** Published on every host address. */
        public Published(Protocol protocol, int hostPort, String container, int containerPort, String endpoint) {
            this(protocol, hostPort, container, containerPort, endpoint, null);
        }
    }

    /** The rules of one network without published ports. */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean masquerade) {
        return rules(bridge, id, subnet, masquerade, null, List.of());
    }

    /**
     * The rules of one network with its endpoints' published ports, in the layout of
     * {@link io.netkit.iptables.ContainerNetworkRules} ({@code docker run -p}):
     * <pre>
     * *nat
     * -A NETKIT-POST-xxxxxxxx -s SUBNET -d C/32 -p tcp --dport CP -m conntrack --ctstate DNAT -j MASQUERADE  # hairpin
     * -A NETKIT-DNAT-xxxxxxxx [-d HOSTADDRESS/32] -p tcp --dport HP -j DNAT --to-destination C:CP
     * -I PREROUTING 1 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-xxxxxxxx
     * -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-xxxxxxxx
     * *filter
     * -A NETKIT-FWD-xxxxxxxx -d C/32 -o br0 -p tcp --dport CP -j ACCEPT
     * -A NETKIT-FWD-xxxxxxxx -i br0 ! -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT   # without masquerade
     * </pre>
     */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean masquerade, List<Published> published) {
        return rules(bridge, id, subnet, masquerade, null, published);
    }

    /**
     * As {@link #rules(String, String, IpPrefix, boolean, List)}; with {@code masqueradeExcept} (an overlay's cluster
     * CIDR, or null) the masquerade rule leaves traffic to those destinations alone, and connections from there into
     * the bridge are accepted:
     * {@code -A NETKIT-POST-xxxxxxxx -s 10.244.1.0/24 ! -d 10.244.0.0/16 ! -o br0 -j MASQUERADE},
     * {@code -A NETKIT-FWD-xxxxxxxx -s 10.244.0.0/16 ! -i br0 -o br0 -j ACCEPT}.
     */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean masquerade, IpPrefix masqueradeExcept,
                                   List<Published> published) {
        return rules(bridge, id, subnet, masquerade, masqueradeExcept, published, false);
    }

    /**
     * As {@link #rules(String, String, IpPrefix, boolean, IpPrefix, List)}; with {@code localhost}, published ports also
     * answer {@code 127.0.0.1:HOSTPORT} on the host: the OUTPUT jump keeps loopback destinations and
     * {@code -s 127.0.0.0/8 -o BRIDGE -j MASQUERADE} gives them a source the container can answer (the bridge needs
     * {@code route_localnet=1}).
     */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean masquerade, IpPrefix masqueradeExcept,
                                   List<Published> published, boolean localhost) {
        return rules(bridge, id, subnet, masquerade, masquerade, masqueradeExcept, published, localhost);
    }

    /**
     * The rules of either family (the subnet's): {@code forward} installs the outbound and reply accepts, {@code nat}
     * the MASQUERADE rule. An IPv6 network's rules are the same layout through ip6tables ({@code /128} hosts,
     * {@code ::1} instead of {@code 127.0.0.0/8}, the administrator's chain in ip6tables too, no localhost
     * publishing: IPv6 has no {@code route_localnet}); a global IPv6 subnet can be forwarded without NAT66.
     */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean forward, boolean nat,
                                   IpPrefix masqueradeExcept, List<Published> published, boolean localhost) {
        boolean v4 = subnet.isIpv4();
        String host = v4 ? "/32" : "/128";
        boolean masquerade = forward;
        boolean postHooked = false;
        IpPrefix except = masqueradeExcept != null && masqueradeExcept.isIpv4() == v4 ? masqueradeExcept : null;
        localhost = localhost && v4;
        Owner owner = owner(bridge, id);
        String fwd = owner.chain("FWD");
        OwnedRules.Builder b = OwnedRules.builder(owner).family(v4 ? Family.IPV4 : Family.IPV6)
                // The administrator's chain (Docker's DOCKER-USER): created when absent, never flushed or deleted by
                // netkit, evaluated before any accept of any network, so a DROP there wins.
                .sharedChain(Table.FILTER, ContainerNetworkRules.ADMIN_CHAIN)
                .rule(Table.FILTER, Rule.builder(fwd).comment("admin first")
                        .target(Target.jump(ContainerNetworkRules.ADMIN_CHAIN)).build())
                .rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).outInterface(bridge)
                        .comment("bridged").target(Target.ACCEPT).build());
        if (masquerade) {
            String post = owner.chain("POST");
            b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).notOutInterface(bridge)
                            .comment("outbound").target(Target.ACCEPT).build())
                    .rule(Table.FILTER, Rule.builder(fwd).outInterface(bridge)
                            .ctstate(ConntrackState.RELATED, ConntrackState.ESTABLISHED)
                            .comment("replies").target(Target.ACCEPT).build());
            if (nat) {
                b.rule(Table.NAT, masqueradeRule(post, subnet, except, bridge)).hook(Table.NAT, "POSTROUTING", post);
                postHooked = true;
            }
        }
        if (except != null) {
            // The rest of the flat network (an overlay's other hosts) opens connections to the containers un-NATed:
            // accept them even where the FORWARD policy is DROP, as flannel's FORWARD rules do.
            b.rule(Table.FILTER, Rule.builder(fwd).source(except.toString()).notInInterface(bridge)
                    .outInterface(bridge).comment("flat network").target(Target.ACCEPT).build());
        }
        if (!published.isEmpty()) {
            String post = owner.chain(ContainerNetworkRules.POSTROUTING_TAG);
            String dnat = owner.chain(ContainerNetworkRules.DNAT_TAG);
            for (Published p : published) {
                // Hairpin: a container of the network reaching a published port through a host address (itself or a
                // neighbour) gets the bridge's address as source, so the answer comes back through the host.
                b.rule(Table.NAT, Rule.builder(post).source(subnet.toString()).destination(p.container() + host)
                        .protocol(p.protocol()).destinationPort(p.containerPort()).ctstate(ConntrackState.DNAT)
                        .comment("hairpin").target(Target.masquerade()).build());
                // No "! -i BRIDGE": the DNAT applies to the network's own containers too (hairpin).
                Rule.Builder d = Rule.builder(dnat);
                if (p.hostAddress() != null) {
                    d.destination(p.hostAddress() + host); // published on this host address only
                }
                b.rule(Table.NAT, d.protocol(p.protocol()).destinationPort(p.hostPort())
                        .comment("publish").target(Target.dnat(p.container(), p.containerPort())).build());
                b.rule(Table.FILTER, Rule.builder(fwd).destination(p.container() + host)
                        .outInterface(bridge).protocol(p.protocol()).destinationPort(p.containerPort())
                        .comment("publish").target(Target.ACCEPT).build());
            }
            if (localhost) {
                b.rule(Table.NAT, Rule.builder(post).source("127.0.0.0/8").outInterface(bridge)
                        .comment("localhost").target(Target.masquerade()).build());
            }
            if (!masquerade) {
                // Replies of published connections leave through the uplink; with masquerade "outbound" accepts them.
                b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).notOutInterface(bridge)
                        .ctstate(ConntrackState.RELATED, ConntrackState.ESTABLISHED)
                        .comment("published replies").target(Target.ACCEPT).build());
            }
            if (!postHooked) {
                b.hook(Table.NAT, "POSTROUTING", post);
            }
            b.hook(Table.NAT, Rule.builder("PREROUTING").destinationType(AddressType.LOCAL)
                    .target(Target.jump(dnat)).build(), true);
            // Loopback destinations are left alone unless asked: DNAT from 127.0.0.1 to a bridge routes only with
            // route_localnet on the bridge.
            Rule.Builder out = Rule.builder("OUTPUT");
            if (!localhost) {
                out.notDestination(v4 ? "127.0.0.0/8" : "::1/128");
            }
            b.hook(Table.NAT, out.destinationType(AddressType.LOCAL).target(Target.jump(dnat)).build(), true);
        }
        b.hook(Table.FILTER, "FORWARD", fwd);
        return b.build();
    }

    private static Rule masqueradeRule(String chain, IpPrefix subnet, IpPrefix except, String bridge) {
        Rule.Builder r = Rule.builder(chain).source(subnet.toString());
        if (except != null) {
            r.notDestination(except.toString());
        }
        return r.notOutInterface(bridge).comment("masquerade").target(Target.masquerade()).build();
    }

    /**
     * Installs the network's rules in the host namespace. Without masquerade and without iptables installed, there
     * is nothing netkit must have: a warning is logged and bridged traffic depends on the host's FORWARD policy.
     */
    public static void install(NetNamespace host, String bridge, String id, IpPrefix subnet, boolean masquerade,
                               IpPrefix masqueradeExcept) {
        if (!masquerade && Privileges.findProgram("iptables-restore") == null) {
            Log.LOG.warn("network {}: iptables is not installed (Debian package 'iptables'); no FORWARD accept rule "
                    + "for "
                    + "bridged traffic, so a FORWARD policy of DROP would cut it", bridge);
            return;
        }
        // The owner is new (id is fresh per created network), so applyNew needs one iptables-restore and no save -
        // once the shared admin chain is known to exist in this host namespace (applyNew does not create it).
        Iptables ipt = iptables(host);
        OwnedRules rules = rules(bridge, id, subnet, masquerade, masqueradeExcept, List.of());
        if (ADMIN_CHAIN_SEEN.contains(host)) {
            ipt.applyNew(rules);
        } else {
            ipt.apply(rules);
            ADMIN_CHAIN_SEEN.add(host);
        }
    }

    /**
     * Makes the host namespace hold exactly {@code rules} for their owner (one {@code iptables-save}, one
     * {@code iptables-restore --noflush --wait}); for changes to an existing network, under its lock.
     */
    public static void apply(NetNamespace host, OwnedRules rules) {
        // A fresh Iptables each time: it then reads the kernel's state instead of trusting what this process applied
        // last, which another process may have replaced since.
        iptables(host, rules.family()).apply(rules);
    }

    /**
     * Installs the IPv6 rules of a dual-stack network (ip6tables-save + ip6tables-restore, which also creates the
     * administrator's chain in ip6tables when absent): FORWARD accepts, with {@code forward} the outbound and reply
     * accepts, with {@code nat} NAT66.
     */
    public static void install6(NetNamespace host, String bridge, String id, IpPrefix subnet6, boolean forward, boolean nat) {
        if (!forward && !nat && Privileges.findProgram("ip6tables-restore") == null) {
            Log.LOG.warn("network {}: ip6tables is not installed (Debian package 'iptables'); no IPv6 FORWARD accept "
                    + "rule "
                    + "for bridged traffic", bridge);
            return;
        }
        iptables(host, Family.IPV6).apply(rules(bridge, id, subnet6, forward, nat, null, List.of(), false));
    }

    /** Removes every IPv6 rule and chain of the network's owner (nothing if ip6tables is absent). */
    public static void remove6(NetNamespace host, String bridge, String id) {
        if (Privileges.findProgram("ip6tables-restore") == null) {
            return;
        }
        iptables(host, Family.IPV6).remove(owner(bridge, id));
    }

    /**
     * The network ids ({@code BRIDGE@ID} owners) that have netkit rules in the host namespace, with the owner ids;
     * empty if iptables is absent.
     */
    public static java.util.Map<String, Owner> networkOwners(NetNamespace host) {
        java.util.Map<String, Owner> out = new java.util.TreeMap<>();
        if (Privileges.findProgram("iptables-restore") == null) {
            return out;
        }
        for (Owner o : iptables(host).owners()) {
            int at = o.id().lastIndexOf('@');
            if (at > 0 && o.id().substring(at + 1).matches("[0-9a-f]{8}")) {
                out.put(o.id(), o);
            }
        }
        return out;
    }

    /** Removes every rule and chain of {@code owner} from the host namespace. */
    public static void remove(NetNamespace host, Owner owner) {
        iptables(host).remove(owner);
    }

    /** Removes every rule and chain of the network's owner from the host namespace (nothing if iptables is absent). */
    public static void remove(NetNamespace host, String bridge, String id) {
        if (Privileges.findProgram("iptables-restore") == null) {
            return;
        }
        iptables(host).remove(owner(bridge, id));
    }
}
