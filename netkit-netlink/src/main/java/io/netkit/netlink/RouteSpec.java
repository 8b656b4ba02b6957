package io.netkit.netlink;

import java.net.InetAddress;
import java.util.Objects;

/**
 * What {@link Routes#add(RouteSpec)}, {@link Routes#replace(RouteSpec)} and {@link Routes#delete(RouteSpec)}
 * act on: an immutable description of one {@code ip route} command line. Every option returns a new spec.
 *
 * <pre>{@code
 * RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1"));                       // ip route add default via 172.16.0.1
 * RouteSpec.to(IpPrefix.parse("10.1.0.0/16")).via(gw).table(100).metric(20);  // ... table 100 metric 20
 * RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).device("br0");                  // ip route add 10.2.0.0/24 dev br0
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

    private RouteSpec(IpPrefix destination, InetAddress gateway, String device, int table, long metric,
                      InetAddress source, int scope, int type, int protocol, boolean onLink) {
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
                Route.PROTOCOL_BOOT, false);
    }

    /** The default route via {@code gateway}. Equivalent to: {@code ip route add default via GATEWAY}. */
    public static RouteSpec defaultVia(InetAddress gateway) {
        Objects.requireNonNull(gateway, "gateway == null");
        return to(IpAddresses.isIpv4(gateway) ? IpPrefix.defaultIpv4() : IpPrefix.defaultIpv6()).via(gateway);
    }

    private RouteSpec copy(InetAddress gateway, String device, int table, long metric, InetAddress source, int scope,
                           int type, int protocol, boolean onLink) {
        return new RouteSpec(destination, gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** The next hop. Equivalent to: {@code ... via GATEWAY}. */
    public RouteSpec via(InetAddress gateway) {
        Objects.requireNonNull(gateway, "gateway == null");
        if (IpAddresses.isIpv4(gateway) != destination.isIpv4()) {
            throw new IllegalArgumentException("gateway " + IpAddresses.format(gateway) + " is not of the family of "
                    + destination);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** The output device. Equivalent to: {@code ... dev NAME}. */
    public RouteSpec device(String name) {
        InterfaceNames.validate(name);
        return copy(gateway, name, table, metric, source, scope, type, protocol, onLink);
    }

    /** The routing table (1..2^32-1 as unsigned; default 254 = main). Equivalent to: {@code ... table T}. */
    public RouteSpec table(int table) {
        if (table == 0) {
            throw new IllegalArgumentException("table must not be 0 (RT_TABLE_UNSPEC): " + table);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
    }

    /** The metric ({@code RTA_PRIORITY}). Equivalent to: {@code ... metric M}. */
    public RouteSpec metric(int metric) {
        if (metric < 0) {
            throw new IllegalArgumentException("metric must not be negative: " + metric);
        }
        return copy(gateway, device, table, metric, source, scope, type, protocol, onLink);
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
        return gateway == null ? Route.SCOPE_LINK : Route.SCOPE_UNIVERSE;
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
