package io.netkit.core;

import io.netkit.core.internal.Firewall;
import io.netkit.core.internal.NetworkFirewall;
import io.netkit.netlink.NetNamespace;
import java.util.List;

/**
 * A network's forwarding policy in the host namespace: {@code net.ipv4.ip_forward} and netkit's firewall rules
 * (FORWARD accepts, masquerade, and the published ports' DNAT) in the network's backend ({@link NetworkFirewall}:
 * iptables or native nftables, {@link FirewallBackend}). In {@code ip}/iptables terms:
 * <pre>
 * sysctl -w net.ipv4.ip_forward=1                                          # masquerade or published ports
 * iptables -A NETKIT-FWD-ID -i br0 -o br0 -j ACCEPT; iptables -I FORWARD 1 -j NETKIT-FWD-ID
 * iptables -t nat -A NETKIT-POST-ID -s SUBNET ! -o br0 -j MASQUERADE       # masquerade
 * </pre>
 * {@code ip_forward} is switched on and never back off by teardown: other networks and the host's routing may rely on it.
 *
 * <h2>IPv6 (dual stack)</h2>
 * A dual-stack network has the same layout through {@code ip6tables} (NAT66 with {@code masquerade6}), and with
 * {@code masquerade()} (or published ports) {@code net.ipv6.conf.all.forwarding=1}. <b>What that changes for the
 * host:</b> with forwarding on, the kernel treats the host as a router and stops accepting router advertisements on
 * every interface whose {@code accept_ra} is 1 (the default); a host that gets its IPv6 default route by SLAAC/RA then
 * loses it when the route expires. netkit does not change other interfaces' settings; before it turns forwarding on
 * it logs a warning naming every interface of the host namespace that has {@code accept_ra=1} and an RA-learned
 * default route. On such a host set {@code net.ipv6.conf.IFACE.accept_ra=2} (accept RAs even when forwarding) first,
 * or run the networks in a host namespace of their own ({@link Host#namespace(String)}), as the tests do.
 */
final class ForwardingPolicy {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ForwardingPolicy.class);
    }
    /** {@code RTPROT_RA} from {@code <linux/rtnetlink.h>}: a route learned from a router advertisement. */
    private static final int RTPROT_RA = 9;

    private final Network net;

    ForwardingPolicy(Network net) {
        this.net = net;
    }

    /** The firewall spec of a network (without published ports). */
    static NetworkFirewall.Spec spec(String name, String id, io.netkit.netlink.IpPrefix subnet, boolean masquerade,
                                     io.netkit.netlink.IpPrefix masqueradeExcept, Records.Ipv6Config v6, boolean localhost) {
        return new NetworkFirewall.Spec(name, id, subnet, masquerade, masqueradeExcept, v6 == null ? null : v6.subnet(),
                v6 != null && (masquerade || v6.masquerade()), v6 != null && v6.masquerade(), List.of(), List.of(), localhost);
    }

    /** Switches {@code net.ipv4.ip_forward} on in {@code hostNs}; returns the value before, or {@code null} if it was on. */
    static String enableForwarding(NetNamespace hostNs) {
        String before = hostNs.sysctl().peek("net.ipv4.ip_forward").trim();
        if ("1".equals(before)) {
            return null;
        }
        hostNs.sysctl().set("net.ipv4.ip_forward", "1");
        return before;
    }

    /**
     * Switches {@code net.ipv6.conf.all.forwarding} on in {@code hostNs}; returns the value before, or {@code null} if
     * it was on. Warns first about interfaces that rely on router advertisements (see the class comment).
     */
    static String enableForwarding6(NetNamespace hostNs) {
        String before = hostNs.sysctl().peek("net.ipv6.conf.all.forwarding").trim();
        if ("1".equals(before)) {
            return null;
        }
        warnAboutRouterAdvertisements(hostNs);
        hostNs.sysctl().set("net.ipv6.conf.all.forwarding", "1");
        return before;
    }

    private static void warnAboutRouterAdvertisements(NetNamespace hostNs) {
        try {
            for (io.netkit.netlink.Route r : hostNs.netlink().routes().list()) {
                if (r.family() != 10 || !r.isDefault() || r.protocol() != RTPROT_RA || r.outputIndex() == 0) {
                    continue;
                }
                String ifname = hostNs.netlink().links().get(r.outputIndex()).name();
                String acceptRa = hostNs.sysctl().getInterface("ipv6", ifname, "accept_ra").trim();
                if ("1".equals(acceptRa)) {
                    Log.LOG.warn("net.ipv6.conf.all.forwarding=1 makes {} ignore router advertisements "
                            + "(accept_ra=1): its "
                            + "RA-learned IPv6 default route will expire. Set net.ipv6.conf.{}.accept_ra=2 to keep it.",
                            ifname, ifname);
                }
            }
        } catch (RuntimeException e) {
            Log.LOG.debug("could not check for RA-learned routes: {}", e.toString());
        }
    }

    /**
     * Makes the host hold exactly this network's rules with {@code published} ports (under the network's lock), and
     * switches {@code net.ipv4.ip_forward} on when there are any.
     */
    void apply(List<Firewall.Published> published) {
        apply(published, List.of());
    }

    /**
     * As {@link #apply(List)} for both families: {@code published6} are the IPv6 mappings of a dual-stack network
     * (ip6tables, {@code net.ipv6.conf.all.forwarding=1} when there are any).
     */
    void apply(List<Firewall.Published> published, List<Firewall.Published> published6) {
        NetNamespace hostNs = net.host.netns();
        // The sysctls are read from this thread through files kept open in the host namespace (Sysctl.peek): no
        // hand-off to the namespace's thread, which may be busy with other work (only a write goes there).
        boolean localhost = false;
        if (!published.isEmpty()) {
            enableForwarding(hostNs);
            localhost = localhostEnabled(hostNs, net.name);
        }
        if (net.v6 != null && !published6.isEmpty()) {
            enableForwarding6(hostNs);
        }
        NetworkFirewall.Spec spec = spec(net.name, net.id, net.subnet, net.masquerade, net.masqueradeExcept, net.v6, localhost);
        net.rules.apply(hostNs, new NetworkFirewall.Spec(spec.bridge(), spec.id(), spec.subnet(), spec.masquerade(),
                spec.masqueradeExcept(), spec.subnet6(), spec.forward6(), spec.nat6(), published, published6, localhost));
    }

    /**
     * Adds only the rules of the new mappings {@code added} / {@code added6} when the backend can ({@link
     * NetworkFirewall#append}: the native backend, O(1) in the network's endpoints); false: nothing changed, apply the
     * whole network. Switches forwarding on as {@link #apply(List, List)} does.
     */
    boolean append(List<Firewall.Published> added, List<Firewall.Published> added6) {
        NetNamespace hostNs = net.host.netns();
        boolean localhost = false;
        if (!added.isEmpty()) {
            enableForwarding(hostNs);
            localhost = localhostEnabled(hostNs, net.name);
        }
        if (net.v6 != null && !added6.isEmpty()) {
            enableForwarding6(hostNs);
        }
        NetworkFirewall.Spec spec = spec(net.name, net.id, net.subnet, net.masquerade, net.masqueradeExcept, net.v6, localhost);
        return net.rules.append(hostNs, new NetworkFirewall.Spec(spec.bridge(), spec.id(), spec.subnet(), spec.masquerade(),
                spec.masqueradeExcept(), spec.subnet6(), spec.forward6(), spec.nat6(), added, added6, localhost));
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
            return "1".equals(hostNs.sysctl().peek("net.ipv4.conf." + bridge + ".route_localnet").trim());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Removes every rule and chain of this network, both families (nothing if iptables is absent). */
    void remove() {
        net.rules.remove(net.host.netns(), net.name, net.id, net.v6 != null || net.subnet == null);
    }
}
