package io.netkit.core;

import io.netkit.core.internal.Firewall;
import io.netkit.netlink.NetNamespace;
import java.util.List;

/**
 * A network's forwarding policy in the host namespace: {@code net.ipv4.ip_forward} and netkit's iptables rules
 * (FORWARD accepts, masquerade, and the published ports' DNAT, built by {@link Firewall}). In {@code ip}/iptables terms:
 * <pre>
 * sysctl -w net.ipv4.ip_forward=1                                          # masquerade or published ports
 * iptables -A NETKIT-FWD-ID -i br0 -o br0 -j ACCEPT; iptables -I FORWARD 1 -j NETKIT-FWD-ID
 * iptables -t nat -A NETKIT-POST-ID -s SUBNET ! -o br0 -j MASQUERADE       # masquerade
 * </pre>
 * {@code ip_forward} is switched on and never back off by teardown: other networks and the host's routing may rely on it.
 */
final class ForwardingPolicy {
    private final Network net;

    ForwardingPolicy(Network net) {
        this.net = net;
    }

    /** The rules of {@code name}'s network (without published ports), checked before any kernel change. */
    static void check(String name, boolean masquerade, io.netkit.netlink.IpPrefix masqueradeExcept,
                      io.netkit.netlink.IpPrefix subnet) {
        Firewall.rules(name, "00000000", subnet, masquerade, masqueradeExcept, List.of());
    }

    /** Switches {@code net.ipv4.ip_forward} on in {@code hostNs}; returns the value before, or {@code null} if it was on. */
    static String enableForwarding(NetNamespace hostNs) {
        String before = hostNs.sysctl().get("net.ipv4.ip_forward").trim();
        if ("1".equals(before)) {
            return null;
        }
        hostNs.sysctl().set("net.ipv4.ip_forward", "1");
        return before;
    }

    /** Installs a new network's rules (one {@code iptables-restore}). */
    static void install(NetNamespace hostNs, String name, String id, io.netkit.netlink.IpPrefix subnet, boolean masquerade,
                        io.netkit.netlink.IpPrefix masqueradeExcept) {
        Firewall.install(hostNs, name, id, subnet, masquerade, masqueradeExcept);
    }

    /**
     * Makes the host hold exactly this network's rules with {@code published} ports (under the network's lock), and
     * switches {@code net.ipv4.ip_forward} on when there are any.
     */
    void apply(List<Firewall.Published> published) {
        NetNamespace hostNs = net.host.netns();
        boolean localhost = false;
        if (!published.isEmpty()) {
            enableForwarding(hostNs);
            localhost = localhostEnabled(hostNs, net.name);
        }
        Firewall.apply(hostNs, Firewall.rules(net.name, net.id, net.subnet, net.masquerade, net.masqueradeExcept, published,
                localhost));
    }

    /**
     * Lets published ports answer {@code 127.0.0.1:HOSTPORT} on the host ({@link Network.Builder#publishOnLocalhost()}):
     * {@code sysctl -w net.ipv4.conf.BRIDGE.route_localnet=1 net.ipv4.ip_forward=1}. The kernel keeps the choice (the
     * bridge's {@code route_localnet}), so every process that adopts the network renders the same rules.
     */
    static void enableLocalhost(NetNamespace hostNs, String bridge) {
        enableForwarding(hostNs);
        hostNs.sysctl().set("net.ipv4.conf." + bridge + ".route_localnet", "1");
    }

    /** Whether the bridge's {@code route_localnet} is on: the network publishes on localhost too. */
    static boolean localhostEnabled(NetNamespace hostNs, String bridge) {
        try {
            return "1".equals(hostNs.sysctl().get("net.ipv4.conf." + bridge + ".route_localnet").trim());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Removes every rule and chain of this network (nothing if iptables is absent). */
    void remove() {
        Firewall.remove(net.host.netns(), net.name, net.id);
    }
}
