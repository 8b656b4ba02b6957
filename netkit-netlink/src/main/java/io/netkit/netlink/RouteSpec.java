package io.netkit.netlink;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Routes#add(RouteSpec)}, {@link Routes#replace(RouteSpec)} and {@link Routes#delete(RouteSpec)}
 * act on: an immutable description of one {@code ip route} command line. Every option returns a new spec.
 *
 * <pre>{@code
 * RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1"));                       // ip route add default via 172.16.0.1
 * RouteSpec.to(IpPrefix.parse("10.1.0.0/16")).via(gw).table(100).metric(20);  // ... table 100 metric 20
 * RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).device("br0");                  // ip route add 10.2.0.0/24 dev br0
 * RouteSpec.to(IpPrefix.parse("10.9.0.0/24")).nextHop(a, "eth0", 2).nextHop(b, "eth1", 1);
 *     // ip route add 10.9.0.0/24 nexthop via A dev eth0 weight 2 nexthop via B dev eth1 weight 1
 * }</pre>
 */
public final class RouteSpec {
    final IpPrefix destination;
    final InetAddress gateway;
    final String device;
    final int table;
    final long metric;
    final InetAddress source;
    final int scope;
    final int type;
    final int protocol;
    final boolean onLink;
    final List<Hop> nextHops;

    /** One {@code nexthop via GW [dev DEV] [weight W] [onlink]} of a multipath route. */
    record Hop(InetAddress gateway, String device, int weight, boolean onLink) {}

    private RouteSpec(IpPrefix destination, InetAddress gateway, String device, int table, long metric,
                      InetAddress source, int scope, int type, int protocol, boolean onLink, List<Hop> nextHops) {
        this.destination = destination;
        this.gateway = gateway;
        this.device = device;
        this.table = table;
        this.metric = metric;
        this.source = source;
        this.scope = scope;
        this.type = type;
        this.protocol = protocol;
        this.onLink = onLink;
        this.nextHops = nextHops;
    }

    /**
     * A route to {@code destination}, which must have no host bits set ({@code 10.1.0.0/16}, not {@code 10.1.2.3/16}).
     * Equivalent to: {@code ip route add DESTINATION ...}.
     */
    public static RouteSpec to(IpPrefix destination) {
        Objects.requireNonNull(destination, "destination == null");
        if (!destination.network().equals(destination)) {
            throw new IllegalArgumentException("invalid route destination \"" + destination
                    + "\": host bits are set (did you mean " + destination.network() + "?)");
        }
        return new RouteSpec(destination, null, null, Route.TABLE_MAIN, -1, null, -1, Route.TYPE_UNICAST,
                Route.PROTOCOL_BOOT, false, List.of());
    }

    /** The default route via {@code gateway}. Equivalent to: {@code ip route add default via GATEWAY}. */
    public static RouteSpec defaultVia(InetAddress gateway) {
        Objects.requireNonNull(gateway, "gateway == null");
        return to(IpAddresses.isIpv4(gateway) ? IpPrefix.defaultIpv4() : IpPrefix.defaultIpv6()).via(gateway);
    }

    private RouteSpec copy(InetAddress gateway, String device, int table, long metric, InetAddress source, int scope,
                           int type, int protocol, boolean onLink) {
        return new RouteSpec(destination, gateway, device, table, metric, source, scope, type, protocol, onLink,
                nextHops);
    }

    /** The next hop. Equivalent to: {@code ... via GATEWAY}. */
    public RouteSpec via(InetAddress gateway) {
        Objects.requireNonNull(gateway, "gateway == null");
        noHops("via");
        if (IpAddresses.isIpv4(gateway) != destination.isIpv4()) {
            throw new IllegalArgumentException("gateway " + IpAddresses.format(gateway) + " is not of the family of "
                    + destination);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** The output device. Equivalent to: {@code ... dev NAME}. */
    public RouteSpec device(String name) {
        InterfaceNames.validateExisting(name);
        noHops("device");
        return copy(gateway, name, table, metric, source, scope, type, protocol, onLink);
    }

    /** The routing table (1..2^32-1 as unsigned; default 254 = main). Equivalent to: {@code ... table T}. */
    public RouteSpec table(int table) {
        if (table == 0) {
            throw new IllegalArgumentException("table must not be 0 (RT_TABLE_UNSPEC): " + table);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /**
     * The metric ({@code RTA_PRIORITY}), an unsigned 32-bit value: {@code metric(-1)} is {@code metric 4294967295},
     * so that {@link Route#priority()} read back can be written back. Equivalent to: {@code ... metric M}.
     */
    public RouteSpec metric(int metric) {
        return metric(Integer.toUnsignedLong(metric));
    }

    /** The metric 0..4294967295 ({@code RTA_PRIORITY}, as {@link Route#metric()} returns it). Equivalent to: {@code ... metric M}. */
    public RouteSpec metric(long metric) {
        if (metric < 0 || metric > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("metric out of range: " + metric + " (expected 0..4294967295)");
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /**
     * Adds a next hop, making this a multipath route ({@code RTA_MULTIPATH}); give either a gateway or a device
     * or both, and a weight 1..256. A multipath route has no {@link #via} or {@link #device} of its own.
     * Equivalent to: {@code ... nexthop via GATEWAY dev DEVICE weight WEIGHT}.
     *
     * @param gateway the gateway, or null for a device-only hop
     * @param device the output device, or null to let the kernel find it from the gateway
     */
    public RouteSpec nextHop(InetAddress gateway, String device, int weight) {
        if (gateway == null && device == null) {
            throw new IllegalArgumentException("next hop needs a gateway or a device (both null) for " + destination);
        }
        if (gateway != null && IpAddresses.isIpv4(gateway) != destination.isIpv4()) {
            throw new IllegalArgumentException("next hop gateway " + IpAddresses.format(gateway)
                    + " is not of the family of " + destination);
        }
        if (device != null) {
            InterfaceNames.validateExisting(device);
        }
        if (weight < 1 || weight > 256) {
            throw new IllegalArgumentException("next hop weight out of range: " + weight + " (expected 1..256)");
        }
        if (this.gateway != null || this.device != null) {
            throw new IllegalArgumentException("a multipath route has no via/dev of its own: " + this
                    + " (give every hop with nextHop)");
        }
        List<Hop> hops = new ArrayList<>(nextHops);
        hops.add(new Hop(gateway, device, weight, false));
        return new RouteSpec(destination, null, null, table, metric, source, scope, type, protocol, onLink,
                List.copyOf(hops));
    }

    /** The preferred source address ({@code RTA_PREFSRC}). Equivalent to: {@code ... src IP}. */
    public RouteSpec source(InetAddress source) {
        Objects.requireNonNull(source, "source == null");
        if (IpAddresses.isIpv4(source) != destination.isIpv4()) {
            throw new IllegalArgumentException("source " + IpAddresses.format(source) + " is not of the family of "
                    + destination);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /**
     * The scope (0 universe, 253 link, 254 host); by default link for routes without gateway, universe otherwise,
     * as {@code ip} chooses. Equivalent to: {@code ... scope S}.
     */
    public RouteSpec scope(int scope) {
        if (scope < 0 || scope > 255) {
            throw new IllegalArgumentException("scope out of range: " + scope + " (expected 0..255)");
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /**
     * The route type ({@link Route#TYPE_UNICAST} by default, or {@link Route#TYPE_BLACKHOLE},
     * {@link Route#TYPE_UNREACHABLE}, {@link Route#TYPE_PROHIBIT}, ...). Equivalent to: {@code ip route add TYPE DEST}.
     */
    public RouteSpec type(int type) {
        if (type < 1 || type > 11) {
            throw new IllegalArgumentException("route type out of range: " + type + " (expected 1..11, RTN_*)");
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** The protocol ({@link Route#PROTOCOL_BOOT} by default, as {@code ip}). Equivalent to: {@code ... proto P}. */
    public RouteSpec protocol(int protocol) {
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("protocol out of range: " + protocol + " (expected 0..255)");
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** Treats the gateway as directly reachable on the device even outside its subnets. Equivalent to: {@code ... onlink}. */
    public RouteSpec onLink() {
        return copy(gateway, device, table, metric, source, scope, type, protocol, true);
    }

    private void noHops(String option) {
        if (!nextHops.isEmpty()) {
            throw new IllegalArgumentException(option + " on the multipath route " + this
                    + ": give the gateway and device of each hop with nextHop instead");
        }
    }

    /** The destination. */
    public IpPrefix destination() {
        return destination;
    }

    int effectiveScope() {
        if (scope >= 0) {
            return scope;
        }
        if (type != Route.TYPE_UNICAST) {
            return type == Route.TYPE_LOCAL ? Route.SCOPE_HOST : Route.SCOPE_UNIVERSE;
        }
        return gateway == null && nextHops.isEmpty() ? Route.SCOPE_LINK : Route.SCOPE_UNIVERSE;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (type != Route.TYPE_UNICAST) {
            sb.append("type ").append(type).append(' ');
        }
        sb.append(destination.isDefault() ? "default" : destination.toString());
        if (gateway != null) {
            sb.append(" via ").append(IpAddresses.format(gateway));
        }
        if (device != null) {
            sb.append(" dev ").append(device);
        }
        for (Hop h : nextHops) {
            sb.append(" nexthop");
            if (h.gateway() != null) {
                sb.append(" via ").append(IpAddresses.format(h.gateway()));
            }
            if (h.device() != null) {
                sb.append(" dev ").append(h.device());
            }
            sb.append(" weight ").append(h.weight());
        }
        if (table != Route.TABLE_MAIN) {
            sb.append(" table ").append(Integer.toUnsignedString(table));
        }
        if (metric >= 0) {
            sb.append(" metric ").append(metric);
        }
        if (source != null) {
            sb.append(" src ").append(IpAddresses.format(source));
        }
        if (onLink) {
            sb.append(" onlink");
        }
        return sb.toString();
    }
}
