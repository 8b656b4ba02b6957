package io.netkit.core.internal;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IPv6 address arithmetic on unsigned 128-bit {@link BigInteger}s, the counterpart of {@link Ipv4}, and the rules of a
 * network's IPv6 subnet. Not for use outside netkit.
 */
public final class Ipv6 {
    /**
     * Shortest prefix a bridge network may have. A /48 is what a site gets (RFC 6177); a shorter one would claim
     * more than a site's whole allocation for one bridge.
     */
    public static final int MIN_PREFIX = 48;
    /**
     * Longest prefix: a /120 leaves 256 addresses, the size of an IPv4 /24. Longer prefixes are point-to-point or
     * host routes, too small to be worth a bridge (a /127 has no room for a gateway and endpoints at all).
     */
    public static final int MAX_PREFIX = 120;

    private Ipv6() {}

    /** The address as an unsigned 128-bit number. */
    public static BigInteger toBig(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            throw new IllegalArgumentException("not an IPv6 address: " + a.getHostAddress());
        }
        return new BigInteger(1, a.getAddress());
    }

    /** The address of an unsigned 128-bit number. */
    public static InetAddress fromBig(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] b = new byte[16];
        int n = Math.min(raw.length, 16);
        System.arraycopy(raw, raw.length - n, b, 16 - n, n);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether {@code a/alen} and {@code b/blen} share any address. */
    public static boolean overlaps(InetAddress a, int alen, InetAddress b, int blen) {
        int len = Math.min(alen, blen);
        if (len == 0) {
            return true;
        }
        return toBig(a).shiftRight(128 - len).equals(toBig(b).shiftRight(128 - len));
    }

    /** Whether {@code p} is a unique local prefix ({@code fc00::/7}, RFC 4193), which is not routed on the internet. */
    public static boolean isUniqueLocal(IpPrefix p) {
        return !p.isIpv4() && (p.address().getAddress()[0] & 0xfe) == 0xfc;
    }

    /** The offset of {@code a} from the network address of {@code subnet}. */
    public static BigInteger offset(IpPrefix subnet, InetAddress a) {
        return toBig(a).subtract(toBig(subnet.address()));
    }

    /** The address at {@code offset} of {@code subnet}. */
    public static InetAddress at(IpPrefix subnet, BigInteger offset) {
        return fromBig(toBig(subnet.address()).add(offset));
    }

    /** What is wrong with {@code p} as a network's IPv6 subnet, or {@code null}. */
    public static String subnetProblem(IpPrefix p) {
        if (p.isIpv4()) {
            return "not an IPv6 subnet";
        }
        if (p.prefixLength() < MIN_PREFIX || p.prefixLength() > MAX_PREFIX) {
            return "prefix length must be " + MIN_PREFIX + ".." + MAX_PREFIX + " for a bridge network (shorter than /"
                    + MIN_PREFIX + " claims more than a site's whole allocation; longer than /" + MAX_PREFIX
                    + " leaves fewer than 256 addresses); e.g. fd00:16::/64";
        }
        if (!p.network().equals(p)) {
            return "host bits are set (did you mean " + p.network() + "?)";
        }
        byte first = p.address().getAddress()[0];
        if ((first & 0xff) == 0xff || ((first & 0xff) == 0xfe && (p.address().getAddress()[1] & 0xc0) == 0x80)
                || toBig(p.address()).signum() == 0) {
            return "not a unicast prefix (multicast, link-local and :: cannot be a network's subnet); use a unique "
                    + "local prefix such as fd00:16::/64";
        }
        return null;
    }

    /** What is wrong with {@code gateway} as the IPv6 gateway of {@code subnet}, or {@code null}. */
    public static String gatewayProblem(IpPrefix subnet, InetAddress gateway) {
        if (!(gateway instanceof Inet6Address) || !subnet.contains(gateway)) {
            return "IPv6 gateway " + IpAddresses.format(gateway) + " is outside subnet " + subnet + "; choose an address "
                    + "inside it, or leave the gateway out to get the subnet's first address";
        }
        if (offset(subnet, gateway).signum() == 0) {
            return "IPv6 gateway " + IpAddresses.format(gateway) + " is the subnet-router anycast address of " + subnet
                    + "; choose another, e.g. " + IpAddresses.format(at(subnet, BigInteger.ONE));
        }
        return null;
    }
}
