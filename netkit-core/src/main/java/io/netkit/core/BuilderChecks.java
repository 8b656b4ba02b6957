package io.netkit.core;

import io.netkit.core.internal.Ipv6;
import io.netkit.netlink.IpPrefix;

/**
 * The argument checks of {@link Network.Builder} (each error quotes the input and says what is expected), and the
 * {@link Network.Builder#publishOnLocalhost()} step of {@link Network.Builder#create()}.
 */
final class BuilderChecks {
    private BuilderChecks() {}

    /** Parses {@link Network.Builder#subnet(String)}'s text (checked further by {@link #checkSubnet}). */
    static IpPrefix parseSubnet(String cidr) {
        try {
            return IpPrefix.parse(cidr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid subnet \"" + cidr + "\": expected a CIDR like 172.16.0.0/24 or fd00:16::/64 ("
                    + e.getMessage() + ")", e);
        }
    }

    /** Returns {@code p} if it is a usable IPv4 or IPv6 network subnet; {@code text} is what the caller gave. */
    static IpPrefix checkSubnet(IpPrefix p, String text) {
        if (!p.isIpv4()) {
            String problem = Ipv6.subnetProblem(p);
            if (problem != null) {
                throw new IllegalArgumentException("invalid IPv6 subnet \"" + text + "\": " + problem);
            }
            return p;
        }
        String problem = Records.subnetProblem(p);
        if (problem != null) {
            throw new IllegalArgumentException("invalid subnet \"" + text + "\": " + problem);
        }
        return p;
    }

    /** Parses {@link Network.Builder#masqueradeExcept(String)}'s destination: an IPv4 CIDR with zero host bits. */
    static IpPrefix masqueradeExcept(String destination) {
        IpPrefix p;
        try {
            p = IpPrefix.parse(destination);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid masquerade exception \"" + destination
                    + "\": expected an IPv4 CIDR like 10.244.0.0/16 (" + e.getMessage() + ")", e);
        }
        if (!p.isIpv4() || !p.network().equals(p)) {
            throw new IllegalArgumentException("invalid masquerade exception \"" + destination
                    + "\": expected an IPv4 CIDR with zero host bits, like 10.244.0.0/16");
        }
        return p;
    }

    /** Returns {@code mtu} if it is 68..65535. */
    static int mtu(int mtu) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("mtu " + mtu + " out of range: expected 68..65535");
        }
        return mtu;
    }

    /** Sets {@code route_localnet} on the new network's bridge; on failure the network is removed again. */
    static Network publishOnLocalhost(Network net) {
        try {
            ForwardingPolicy.enableLocalhost(net.host.netns(), net.name);
        } catch (RuntimeException e) {
            try {
                net.close();
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw new NetkitException("create network " + net.name, "set net.ipv4.conf." + net.name
                    + ".route_localnet=1 (publishOnLocalhost)", e);
        }
        return net;
    }

    /**
     * Refuses interface names that iptables would read as a wildcard ({@code br+} matches every {@code br*}
     * interface, Docker's {@code br-<id>} networks included): netkit's rules must name exact interfaces.
     */
    static String ruleSafe(String name, String what) {
        if (name.indexOf('+') >= 0) {
            throw new IllegalArgumentException("invalid " + what + " name \"" + name + "\": '+' makes iptables rules "
                    + "match every interface whose name starts with \"" + name.substring(0, name.indexOf('+'))
                    + "\"; choose a name without '+'");
        }
        return name;
    }

    /** The range of {@link Network.Builder#allocationRange(String, String)}. */
    static AddressRange range(String first, String last) {
        return new AddressRange(EndpointSpec.parseAddress(java.util.Objects.requireNonNull(first, "first == null")),
                EndpointSpec.parseAddress(java.util.Objects.requireNonNull(last, "last == null")));
    }
}
