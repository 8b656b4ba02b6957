package io.netkit.core.internal;

import io.netkit.core.FirewallBackend;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import java.util.List;
import java.util.Set;

/**
 * A firewall backend: where one network's rules live (FORWARD accepts, masquerade, published ports' DNAT with hairpin
 * and localhost, both families, the administrator's chain jumped to first). Implementations: {@link IptablesFirewall}
 * ({@code iptables-restore} processes, {@link Firewall}) and {@link NftFirewall} (native {@code table inet netkit}).
 * Every operation makes the host hold exactly what the {@link Spec} says for its owner ({@code BRIDGE@ID}), so it can
 * be repeated (reconcile) and resumed (teardown). Not for use outside netkit.
 */
public interface NetworkFirewall {

    /**
     * Everything one network's rules depend on: the IPv4 side ({@code subnet} null on an IPv6-only network), the IPv6
     * side of a dual-stack network ({@code subnet6} null without), and the endpoints' published ports.
     *
     * @param forward6 install the IPv6 outbound and reply accepts
     * @param nat6 masquerade the IPv6 subnet (NAT66)
     * @param localhost published ports also answer 127.0.0.1 (the bridge has {@code route_localnet=1})
     */
    record Spec(String bridge, String id, IpPrefix subnet, boolean masquerade, IpPrefix masqueradeExcept,
                IpPrefix subnet6, boolean forward6, boolean nat6, List<Firewall.Published> published,
                List<Firewall.Published> published6, boolean localhost) {
        /** Copies the lists. */
        public Spec {
            published = List.copyOf(published);
            published6 = List.copyOf(published6);
        }

        /** The network's rules without published ports (as created). */
        public Spec withoutPublished() {
            return new Spec(bridge, id, subnet, masquerade, masqueradeExcept, subnet6, forward6, nat6, List.of(), List.of(),
                    localhost);
        }

        /** The owner of the rules: {@code BRIDGE@ID} (see {@link Firewall#owner}). */
        public String owner() {
            return Firewall.owner(bridge, id).id();
        }
    }

    /** The backend behind {@code backend} (IPTABLES or NFTABLES; AUTO must have been resolved). */
    static NetworkFirewall of(FirewallBackend backend) {
        return switch (backend) {
            case IPTABLES -> IptablesFirewall.INSTANCE;
            case NFTABLES -> NftFirewall.INSTANCE;
            case AUTO -> throw new IllegalArgumentException("firewall backend AUTO must be resolved first");
        };
    }

    /** Refuses (IllegalArgumentException) what the backend cannot carry, before any kernel change. */
    void check(Spec spec);

    /** Installs a new network's rules (both families); on failure nothing of them is left. */
    void install(NetNamespace host, Spec spec);

    /** Makes the host hold exactly {@code spec}'s rules for its owner (under the network's lock). */
    void apply(NetNamespace host, Spec spec);

    /**
     * Removes every rule and chain of the network (both families; {@code v6}: the network is dual stack or IPv6-only);
     * nothing if there are none. Idempotent.
     */
    void remove(NetNamespace host, String bridge, String id, boolean v6);

    /** The owners ({@code BRIDGE@ID}) of network rules this backend holds in the host namespace. */
    Set<String> owners(NetNamespace host);

    /** Removes every rule and chain of {@code owner} (as listed by {@link #owners}). */
    void removeOwner(NetNamespace host, String owner);

    /**
     * Adds the rules of {@code added}'s published ports (only the new ones; every other field as the network's spec)
     * to what the host holds for its owner, if the backend can do so without rendering the whole network and the
     * result is exactly what {@link #apply} of the whole spec would install ({@code nft add rule}); returns false,
     * having changed nothing, when it cannot (then {@link #apply} the whole spec).
     */
    default boolean append(NetNamespace host, Spec added) {
        return false;
    }
}
