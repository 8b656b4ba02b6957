package io.netkit.core.internal;

import io.netkit.iptables.Owner;
import io.netkit.netlink.NetNamespace;
import java.util.List;
import java.util.Set;

/**
 * The iptables backend: {@link Firewall}'s rules applied with {@code iptables-restore} (IPv4) and
 * {@code ip6tables-restore} (IPv6) inside the host namespace, one process per family and change.
 */
final class IptablesFirewall implements NetworkFirewall {
    static final IptablesFirewall INSTANCE = new IptablesFirewall();

    private IptablesFirewall() {}

    @Override
    public void check(Spec s) {
        Firewall.rules(s.bridge(), "00000000", s.subnet() != null ? s.subnet() : s.subnet6(), s.masquerade(),
                s.masqueradeExcept(), List.of());
    }

    @Override
    public void install(NetNamespace host, Spec s) {
        if (s.subnet() != null) {
            Firewall.install(host, s.bridge(), s.id(), s.subnet(), s.masquerade(), s.masqueradeExcept());
        }
        if (s.subnet6() != null) {
            try {
                Firewall.install6(host, s.bridge(), s.id(), s.subnet6(), s.forward6(), s.nat6());
            } catch (RuntimeException e) {
                try {
                    Firewall.remove(host, s.bridge(), s.id());
                } catch (RuntimeException undo) {
                    e.addSuppressed(undo);
                }
                throw e;
            }
        }
    }

    @Override
    public void apply(NetNamespace host, Spec s) {
        if (s.subnet() != null) { // not on an IPv6-only network
            Firewall.apply(host, Firewall.rules(s.bridge(), s.id(), s.subnet(), s.masquerade(), s.masqueradeExcept(),
                    s.published(), s.localhost()));
        }
        if (s.subnet6() != null && (s.forward6() || !s.published6().isEmpty()
                || Privileges.findProgram("ip6tables-restore") != null)) {
            Firewall.apply(host, Firewall.rules(s.bridge(), s.id(), s.subnet6(), s.forward6(), s.nat6(), null,
                    s.published6(), false));
        }
    }

    @Override
    public void remove(NetNamespace host, String bridge, String id, boolean v6) {
        Firewall.remove(host, bridge, id);
        if (v6) {
            Firewall.remove6(host, bridge, id);
        }
    }

    @Override
    public Set<String> owners(NetNamespace host) {
        return Firewall.networkOwners(host).keySet();
    }

    @Override
    public void removeOwner(NetNamespace host, String owner) {
        Firewall.remove(host, Owner.of(owner));
    }
}
