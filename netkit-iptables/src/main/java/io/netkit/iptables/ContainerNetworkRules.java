package io.netkit.iptables;

import io.netkit.iptables.internal.InetLiterals;
import io.netkit.iptables.internal.Validation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Ready-made rule layouts for a bridge network (what Docker installs for {@code docker0}), as one
 * {@link OwnedRules} per network: build it, {@link Iptables#apply apply} it, re-apply a changed one, and
 * {@link Iptables#remove remove} the owner on teardown.
 *
 * <pre>{@code
 * Owner owner = Owner.of("mynet");
 * OwnedRules rules = ContainerNetworkRules.builder(owner, "br0", "172.16.0.0/24")
 *         .masquerade()          // nat: -s 172.16.0.0/24 ! -o br0 -j MASQUERADE
 *         .forwardAccept()       // filter FORWARD: br0 out, replies in, br0 <-> br0
 *         .publish(Protocol.TCP, 8080, "172.16.0.2", 80)   // host :8080 -> 172.16.0.2:80
 *         .build();
 * iptables.apply(rules);
 * }</pre>
 *
 * <p>Layout (chains {@code NETKIT-TAG-HASH}, see {@link Owner#chain}; every rule commented {@code netkit:OWNER ...}):
 * <pre>
 * *nat
 * :NETKIT-POST-h                         -A ... -s S ! -o B -j MASQUERADE              (masquerade)
 *                                        -A ... -s S -d C/32 -p P --dport CP -m conntrack --ctstate DNAT
 *                                               -j MASQUERADE                          (hairpin, publish)
 *                                        -A ... -s 127.0.0.0/8 -o B -j MASQUERADE      (localhost, publish)
 * :NETKIT-DNAT-h                         -A ... [-d H] -p P --dport HP -j DNAT --to-destination C:CP
 * -I POSTROUTING 1 -j NETKIT-POST-h
 * -I PREROUTING 1 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-h
 * -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-h   (without "! -d" with localhost)
 * *filter
 * -N NETKIT-USER                         (adminChain: only when absent; never flushed or deleted by netkit)
 * :NETKIT-FWD-h                          -A ... -j NETKIT-USER                             (adminChain)
 *                                        -A ... -i B -o X -j DROP; -i X -o B -j DROP    (isolateFrom X)
 *                                        -A ... -d C/32 -o B -p P --dport CP -j ACCEPT  (publish)
 *                                        -A ... -o B -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *                                        -A ... -i B ! -o B -j ACCEPT
 *                                        -A ... -i B -o B -j ACCEPT  (br_netfilter sends bridged frames through FORWARD)
 * -I FORWARD 1 -j NETKIT-FWD-h
 * </pre>
 * The FORWARD rules accept this network's traffic even when the FORWARD policy is DROP; packets they do not
 * accept return to FORWARD unchanged.
 *
 * <p><b>Administrator chain.</b> With {@link Builder#adminChain()}, the network's FORWARD chain first jumps to {@value #ADMIN_CHAIN} (filter
 * table, one per host and family, like Docker's {@code DOCKER-USER}). netkit creates it empty when it is
 * absent and never flushes or deletes it: rules an administrator puts there ({@code iptables -I NETKIT-USER
 * -s 10.0.0.0/8 -j DROP}) are evaluated before netkit's accepts and isolation, and a DROP there wins. A packet
 * that returns from it (or runs off its end) goes on to netkit's rules.
 *
 * <p><b>Hairpin.</b> The DNAT matches also on the bridge itself, so a container reaching a host address and
 * published port reaches the published container (itself or a neighbour); the hairpin masquerade makes the
 * answer come back through the host. The bridge ports need {@code hairpin_mode} for a container to reach
 * itself (that is the caller's part). Host-local clients reach published ports on the host's addresses through
 * the OUTPUT DNAT; {@code 127.0.0.1:HP} only with {@link Builder#localhost()}, which needs {@code route_localnet=1}
 * on the bridge and IP forwarding on (the caller's part).
 *
 * <p><b>Host ports.</b> {@link #publishedPorts(Ruleset)} reads back which host ports every network holds
 * (from the DNAT rules), so a caller can reserve a host port host-wide.
 */
public final class ContainerNetworkRules {
    /** Chain tag of the nat POSTROUTING chain. */
    public static final String POSTROUTING_TAG = "POST";
    /** Chain tag of the nat DNAT chain (published ports). */
    public static final String DNAT_TAG = "DNAT";
    /** Chain tag of the filter FORWARD chain. */
    public static final String FORWARD_TAG = "FWD";
    /**
     * The administrator's chain in the filter table, evaluated first by every network's FORWARD chain; created
     * when absent, never flushed or deleted by netkit (Docker's {@code DOCKER-USER}).
     */
    public static final String ADMIN_CHAIN = "NETKIT-USER";

    private ContainerNetworkRules() {}

    /**
     * Rules for the network of {@code owner} on bridge {@code bridge} with {@code subnet} ("172.16.0.0/24" or an
     * IPv6 prefix, which makes the rules IPv6). Nothing is included until a layout method is called.
     */
    public static Builder builder(Owner owner, String bridge, String subnet) {
        return new Builder(owner, bridge, subnet);
    }

    /** Collects the layouts of one network. */
    public static final class Builder {
        private final Owner owner;
        private final String bridge;
        private final String subnet;
        private final Family family;
        private boolean masquerade;
        private boolean forwardAccept;
        private boolean adminChain;
        private boolean localhost;
        private final Set<String> isolated = new LinkedHashSet<>();
        private final List<Publish> published = new ArrayList<>();

        private Builder(Owner owner, String bridge, String subnet) {
            this.owner = Objects.requireNonNull(owner, "owner == null");
            this.bridge = Validation.interfaceName("bridge", bridge);
            // Validates the subnet and learns its family through the rule builder's single parser.
            Rule probe = Rule.builder("INPUT").source(subnet).build();
            this.subnet = probe.source().get().value();
            this.family = probe.addressFamily();
        }

        /** The family the subnet implies. */
        public Family family() {
            return family;
        }

        /**
         * Source NAT for traffic leaving the network: {@code iptables -t nat -A POSTROUTING -s SUBNET ! -o BRIDGE
         * -j MASQUERADE} (in the owned chain {@code NETKIT-POST-*}, reached by a jump from POSTROUTING).
         */
        public Builder masquerade() {
            masquerade = true;
            return this;
        }

        /**
         * Accept the network's forwarded traffic in filter FORWARD: out of the bridge to anywhere
         * ({@code -i B ! -o B}), replies back in ({@code -o B -m conntrack --ctstate RELATED,ESTABLISHED}) and
         * between its own ports ({@code -i B -o B}); needed whenever the FORWARD policy is DROP.
         */
        public Builder forwardAccept() {
            forwardAccept = true;
            return this;
        }

        /**
         * Makes the network's FORWARD chain jump first to the administrator's chain {@value #ADMIN_CHAIN}
         * ({@code -A NETKIT-FWD-h -j NETKIT-USER}), which is created when absent and never flushed or deleted by
         * netkit, so an administrator's DROP there wins over netkit's accepts (Docker's {@code DOCKER-USER}).
         */
        public Builder adminChain() {
            adminChain = true;
            return this;
        }

        /**
         * Published ports also answer host-local clients on {@code 127.0.0.1:HOSTPORT}: the OUTPUT jump no longer
         * leaves loopback destinations alone, and {@code -s 127.0.0.0/8 -o BRIDGE -j MASQUERADE} gives the packets a
         * source the container can answer. The kernel routes such packets only with
         * {@code sysctl net.ipv4.conf.BRIDGE.route_localnet=1} and {@code net.ipv4.ip_forward=1}, which the caller
         * sets. IPv4 only (IPv6 has no {@code route_localnet}): IllegalStateException for an IPv6 subnet.
         */
        public Builder localhost() {
            if (family != Family.IPV4) {
                throw new IllegalStateException("publishing on localhost needs IPv4 (route_localnet); subnet " + subnet
                        + " is IPv6: publish on the host's other addresses instead");
            }
            localhost = true;
            return this;
        }

        /**
         * Publish {@code hostPort} on every local address to {@code containerAddress:containerPort}, like
         * {@code docker run -p HP:CP}: nat DNAT from PREROUTING and OUTPUT for local destinations, a FORWARD
         * accept for the new connections, and a hairpin masquerade.
         */
        public Builder publish(Protocol protocol, int hostPort, String containerAddress, int containerPort) {
            return add(protocol, null, hostPort, containerAddress, containerPort);
        }

        /** As {@link #publish(Protocol, int, String, int)}, only for packets sent to {@code hostAddress}. */
        public Builder publish(Protocol protocol, String hostAddress, int hostPort, String containerAddress, int containerPort) {
            Validation.requireNonNull("host address", hostAddress);
            return add(protocol, hostAddress, hostPort, containerAddress, containerPort);
        }

        /**
         * Drop traffic between this network and the bridge {@code otherBridge} in both directions (Docker's
         * inter-network isolation): {@code -i B -o OTHER -j DROP} and {@code -i OTHER -o B -j DROP}, ahead of the
         * accepts.
         */
        public Builder isolateFrom(String otherBridge) {
            isolated.add(Validation.interfaceName("other bridge", otherBridge));
            return this;
        }

        private Builder add(Protocol p, String hostAddress, int hostPort, String containerAddress, int containerPort) {
            Validation.requireNonNull("protocol", p);
            if (!p.hasPorts()) throw new IllegalArgumentException("protocol " + p + " has no ports to publish");
            Validation.port("host port", hostPort);
            Validation.port("container port", containerPort);
            byte[] c = InetLiterals.parseAddress(Objects.requireNonNull(containerAddress, "container address == null"));
            if (c == null) {
                throw new IllegalArgumentException("container address \"" + Validation.printable(containerAddress)
                        + "\" is not an IP address literal");
            }
            Publish add = new Publish(p, hostAddress, hostPort, InetLiterals.format(c), containerPort);
            for (Publish q : published) {
                // A second DNAT for the same packets would never be reached: refuse it instead of hiding it.
                if (q.protocol == p && q.hostPort == hostPort && Objects.equals(q.hostAddress, hostAddress)) {
                    throw new IllegalArgumentException("host port " + p + "/" + hostPort
                            + (hostAddress == null ? "" : " on " + hostAddress) + " is already published to "
                            + q.container + ":" + q.containerPort);
                }
            }
            published.add(add);
            return this;
        }

        /** The host ports this layout publishes, in the order added (the {@link #build built} rules hold them). */
        public List<PublishedPort> publishedPorts() {
            List<PublishedPort> out = new ArrayList<>();
            for (Publish p : published) {
                out.add(new PublishedPort(owner, p.protocol, p.hostAddress, p.hostPort, p.container, p.containerPort));
            }
            return out;
        }

        /** The network's complete rules; apply them as a whole (a re-apply replaces the previous set). */
        public OwnedRules build() {
            OwnedRules.Builder b = OwnedRules.builder(owner).family(family);
            String post = owner.chain(POSTROUTING_TAG);
            String dnat = owner.chain(DNAT_TAG);
            String fwd = owner.chain(FORWARD_TAG);
            String host = family == Family.IPV4 ? "/32" : "/128";

            if (masquerade || !published.isEmpty()) {
                if (masquerade) {
                    b.rule(Table.NAT, Rule.builder(post).source(subnet).notOutInterface(bridge)
                            .comment("masquerade").target(Target.masquerade()).build());
                }
                for (Publish p : published) {
                    // A container reaching a published port through a host address (itself or a neighbour):
                    // without a new source the answer would go straight back over the bridge and be dropped.
                    b.rule(Table.NAT, Rule.builder(post).source(subnet).destination(p.container + host)
                            .protocol(p.protocol).destinationPort(p.containerPort).ctstate(ConntrackState.DNAT)
                            .comment("hairpin").target(Target.masquerade()).build());
                }
                if (localhost && !published.isEmpty()) {
                    b.rule(Table.NAT, Rule.builder(post).source("127.0.0.0/8").outInterface(bridge)
                            .comment("localhost").target(Target.masquerade()).build());
                }
                b.hook(Table.NAT, "POSTROUTING", post);
            }
            if (!published.isEmpty()) {
                for (Publish p : published) {
                    // No "! -i BRIDGE": containers of this network reach published ports through host addresses.
                    Rule.Builder r = Rule.builder(dnat);
                    if (p.hostAddress != null) r.destination(p.hostAddress);
                    b.rule(Table.NAT, r.protocol(p.protocol).destinationPort(p.hostPort)
                            .comment("publish").target(Target.dnat(p.container, p.containerPort)).build());
                }
                b.hook(Table.NAT, Rule.builder("PREROUTING").destinationType(AddressType.LOCAL)
                        .target(Target.jump(dnat)).build(), true);
                Rule.Builder out = Rule.builder("OUTPUT");
                // Loopback destinations are left alone unless asked: DNAT from 127.0.0.1 to a bridge routes only with
                // route_localnet.
                if (!localhost) out.notDestination(family == Family.IPV4 ? "127.0.0.0/8" : "::1/128");
                b.hook(Table.NAT, out.destinationType(AddressType.LOCAL).target(Target.jump(dnat)).build(), true);
            }
            if (forwardAccept || !published.isEmpty() || !isolated.isEmpty()) {
                if (adminChain) {
                    b.sharedChain(Table.FILTER, ADMIN_CHAIN);
                    b.rule(Table.FILTER, Rule.builder(fwd).comment("admin first").target(Target.jump(ADMIN_CHAIN)).build());
                }
                for (String other : isolated) {
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).outInterface(other)
                            .comment("isolate").target(Target.DROP).build());
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(other).outInterface(bridge)
                            .comment("isolate").target(Target.DROP).build());
                }
                for (Publish p : published) {
                    b.rule(Table.FILTER, Rule.builder(fwd).destination(p.container + host)
                            .outInterface(bridge).protocol(p.protocol).destinationPort(p.containerPort)
                            .comment("publish").target(Target.ACCEPT).build());
                }
                if (forwardAccept) {
                    b.rule(Table.FILTER, Rule.builder(fwd).outInterface(bridge)
                            .ctstate(ConntrackState.RELATED, ConntrackState.ESTABLISHED)
                            .comment("replies").target(Target.ACCEPT).build());
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).notOutInterface(bridge)
                            .comment("outbound").target(Target.ACCEPT).build());
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).outInterface(bridge)
                            .comment("internal").target(Target.ACCEPT).build());
                }
                b.hook(Table.FILTER, "FORWARD", fwd);
            }
            return b.build();
        }
    }

    /**
     * The host ports every network holds in {@code rules} (an {@code iptables-save} of the nat table), read from
     * the DNAT rules of netkit's {@code NETKIT-DNAT-*} chains that carry a {@code "netkit:OWNER publish"}
     * comment, in file order. Rules that do not read as a publish rule are skipped. This is the host-wide view a
     * caller checks before publishing: a port held by another owner is taken.
     */
    public static List<PublishedPort> publishedPorts(Ruleset rules) {
        Objects.requireNonNull(rules, "rules == null");
        List<PublishedPort> out = new ArrayList<>();
        Ruleset.TableRules nat = rules.table(Table.NAT).orElse(null);
        if (nat == null) return out;
        for (Rule r : nat.rules()) {
            Owner o = r.owner().orElse(null);
            if (o == null || !r.chain().equals(o.chain(DNAT_TAG))) continue;
            if (!r.comment().map(c -> c.endsWith(" publish")).orElse(false)) continue;
            PublishedPort p = readPublish(o, r);
            if (p != null) out.add(p);
        }
        return out;
    }

    private static PublishedPort readPublish(Owner owner, Rule r) {
        Target t = r.target().orElse(null);
        if (t == null || !t.name().equals("DNAT")) return null;
        List<String> args = t.args();
        int at = args.indexOf("--to-destination");
        if (at < 0 || at + 1 >= args.size()) return null;
        String to = args.get(at + 1);
        int colon = to.lastIndexOf(':');
        String container;
        int containerPort;
        try {
            if (to.startsWith("[")) {               // [fd00::2]:80
                int close = to.indexOf(']');
                container = to.substring(1, close);
                containerPort = Integer.parseInt(to.substring(close + 2));
            } else {
                container = to.substring(0, colon);
                containerPort = Integer.parseInt(to.substring(colon + 1));
            }
        } catch (RuntimeException e) {
            return null;
        }
        Protocol protocol = null;
        String proto = r.protocol().filter(op -> !op.negated()).map(Rule.Operand::value).orElse(null);
        for (Protocol p : Protocol.values()) if (p.protocolName().equals(proto)) protocol = p;
        String dport = r.destinationPort().orElse(null);
        if (protocol == null || dport == null || !dport.matches("[0-9]{1,5}")) return null;
        String hostAddress = r.destination().filter(op -> !op.negated()).map(Rule.Operand::value)
                .map(v -> v.replaceFirst("/(32|128)$", "")).orElse(null);
        int hostPort = Integer.parseInt(dport);
        if (hostPort > 65535 || containerPort < 0 || containerPort > 65535) return null;
        return new PublishedPort(owner, protocol, hostAddress, hostPort, container, containerPort);
    }

    /**
     * A host port held by a network: {@code protocol hostAddress:hostPort -> container:containerPort}.
     *
     * @param owner the network's owner
     * @param protocol TCP, UDP or SCTP
     * @param hostAddress the host address the port is published on, or null for every local address
     * @param hostPort the host port
     * @param container the container address the port leads to
     * @param containerPort the container port
     */
    public record PublishedPort(Owner owner, Protocol protocol, String hostAddress, int hostPort, String container,
                                int containerPort) {
        public PublishedPort {
            Objects.requireNonNull(owner, "owner == null");
            Objects.requireNonNull(protocol, "protocol == null");
            Objects.requireNonNull(container, "container == null");
        }

        /**
         * Whether {@code other} would catch packets this one catches: the same protocol and host port, and host
         * addresses that overlap (equal, or either one on every local address).
         */
        public boolean conflictsWith(PublishedPort other) {
            return protocol == other.protocol && hostPort == other.hostPort
                    && (hostAddress == null || other.hostAddress == null || hostAddress.equals(other.hostAddress));
        }

        /** {@code tcp 0.0.0.0:8080 -> 172.16.0.2:80 (netkit:mynet)}. */
        @Override
        public String toString() {
            return protocol + " " + (hostAddress == null ? "*" : hostAddress) + ":" + hostPort + " -> " + container + ":"
                    + containerPort + " (" + owner.comment() + ")";
        }
    }

    private record Publish(Protocol protocol, String hostAddress, int hostPort, String container, int containerPort) {}
}
