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
 *                                        -A ... -s C/32 -d C/32 -p P --dport CP -j MASQUERADE (hairpin, publish)
 * :NETKIT-DNAT-h                         -A ... [-d H] ! -i B -p P --dport HP -j DNAT --to-destination C:CP
 * -I POSTROUTING 1 -j NETKIT-POST-h
 * -I PREROUTING 1 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-h
 * -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-h
 * *filter
 * :NETKIT-FWD-h                          -A ... -i B -o X -j DROP; -i X -o B -j DROP    (isolateFrom X)
 *                                        -A ... -d C/32 ! -i B -o B -p P --dport CP -j ACCEPT (publish)
 *                                        -A ... -o B -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *                                        -A ... -i B ! -o B -j ACCEPT
 *                                        -A ... -i B -o B -j ACCEPT  (br_netfilter sends bridged frames through FORWARD)
 * -I FORWARD 1 -j NETKIT-FWD-h
 * </pre>
 * The FORWARD rules accept this network's traffic even when the FORWARD policy is DROP; packets they do not
 * accept return to FORWARD unchanged.
 */
public final class ContainerNetworkRules {
    /** Chain tag of the nat POSTROUTING chain. */
    public static final String POSTROUTING_TAG = "POST";
    /** Chain tag of the nat DNAT chain (published ports). */
    public static final String DNAT_TAG = "DNAT";
    /** Chain tag of the filter FORWARD chain. */
    public static final String FORWARD_TAG = "FWD";

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
                    b.rule(Table.NAT, Rule.builder(post).source(p.container + host).destination(p.container + host)
                            .protocol(p.protocol).destinationPort(p.containerPort)
                            .comment("hairpin").target(Target.masquerade()).build());
                }
                b.hook(Table.NAT, "POSTROUTING", post);
            }
            if (!published.isEmpty()) {
                for (Publish p : published) {
                    Rule.Builder r = Rule.builder(dnat);
                    if (p.hostAddress != null) r.destination(p.hostAddress);
                    b.rule(Table.NAT, r.notInInterface(bridge).protocol(p.protocol).destinationPort(p.hostPort)
                            .comment("publish").target(Target.dnat(p.container, p.containerPort)).build());
                }
                b.hook(Table.NAT, Rule.builder("PREROUTING").destinationType(AddressType.LOCAL)
                        .target(Target.jump(dnat)).build(), true);
                // Loopback destinations are left alone: DNAT from 127.0.0.1 to a bridge would not route.
                b.hook(Table.NAT, Rule.builder("OUTPUT").notDestination(family == Family.IPV4 ? "127.0.0.0/8" : "::1/128")
                        .destinationType(AddressType.LOCAL).target(Target.jump(dnat)).build(), true);
            }
            if (forwardAccept || !published.isEmpty() || !isolated.isEmpty()) {
                for (String other : isolated) {
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).outInterface(other)
                            .comment("isolate").target(Target.DROP).build());
                    b.rule(Table.FILTER, Rule.builder(fwd).inInterface(other).outInterface(bridge)
                            .comment("isolate").target(Target.DROP).build());
                }
                for (Publish p : published) {
                    b.rule(Table.FILTER, Rule.builder(fwd).destination(p.container + host).notInInterface(bridge)
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

    private record Publish(Protocol protocol, String hostAddress, int hostPort, String container, int containerPort) {}
}
