package io.netkit.core;

import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * The addresses a network hands out to endpoints that do not ask for a fixed one: {@code first..last} inclusive, inside
 * the network's subnet of that family ({@link Network.Builder#allocationRange(String, String)}). The CNI host-local
 * keys {@code rangeStart}/{@code rangeEnd}; Docker's {@code --ip-range} as a start and end instead of a CIDR. Recorded
 * in the bridge's record ({@code pool=FIRST-LAST}, {@code pool6=...}), so every process allocating on the network
 * honours it.
 *
 * @param first the lowest address handed out
 * @param last  the highest address handed out (same family as {@code first}, not lower)
 */
public record AddressRange(InetAddress first, InetAddress last) {
    /** @throws IllegalArgumentException if the families differ or {@code last} is below {@code first} */
    public AddressRange {
        Objects.requireNonNull(first, "first == null");
        Objects.requireNonNull(last, "last == null");
        if ((first instanceof Inet4Address) != (last instanceof Inet4Address)) {
            throw new IllegalArgumentException("allocation range " + IpAddresses.format(first) + "-" + IpAddresses.format(last)
                    + " mixes IPv4 and IPv6; give both ends in one family");
        }
        if (number(first).compareTo(number(last)) > 0) {
            throw new IllegalArgumentException("allocation range " + IpAddresses.format(first) + "-" + IpAddresses.format(last)
                    + " ends before it starts; swap the ends");
        }
    }

    /** Whether this is an IPv4 range. */
    public boolean isIpv4() {
        return first instanceof Inet4Address;
    }

    /** Whether {@code a} is inside the range. */
    public boolean contains(InetAddress a) {
        return (a instanceof Inet4Address) == isIpv4() && number(a).compareTo(number(first)) >= 0
                && number(a).compareTo(number(last)) <= 0;
    }

    /**
     * What is wrong with this range on {@code subnet} (an end outside the subnet's host addresses), or {@code null}.
     * Shared by {@link Network.Builder#create()} and the record parser.
     */
    String problemIn(IpPrefix subnet) {
        if (subnet == null || subnet.isIpv4() != isIpv4()) {
            return "allocation range " + this + " has no " + (isIpv4() ? "IPv4" : "IPv6") + " subnet to lie in; add one";
        }
        BigInteger base = number(subnet.address());
        BigInteger size = BigInteger.ONE.shiftLeft((isIpv4() ? 32 : 128) - subnet.prefixLength());
        BigInteger lo = number(first).subtract(base);
        BigInteger hi = number(last).subtract(base);
        BigInteger top = isIpv4() ? size.subtract(BigInteger.TWO) : size.subtract(BigInteger.ONE); // IPv4: no broadcast
        if (lo.signum() <= 0 || hi.compareTo(top) > 0) {
            return "allocation range " + this + " is not inside the host addresses of subnet " + subnet
                    + "; choose both ends inside it (not the network" + (isIpv4() ? " or broadcast" : "") + " address)";
        }
        return null;
    }

    /** The offsets of the ends from {@code subnet}'s network address. */
    BigInteger[] offsets(IpPrefix subnet) {
        BigInteger base = number(subnet.address());
        return new BigInteger[] {number(first).subtract(base), number(last).subtract(base)};
    }

    /** Parses {@code FIRST-LAST} as written in a record. */
    static AddressRange parse(String text) {
        int dash = text.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not FIRST-LAST");
        }
        return new AddressRange(IpAddresses.parse(text.substring(0, dash)), IpAddresses.parse(text.substring(dash + 1)));
    }

    private static BigInteger number(InetAddress a) {
        return a instanceof Inet4Address ? BigInteger.valueOf(Integer.toUnsignedLong(Ipv4.toInt(a))) : Ipv6.toBig(a);
    }

    /** {@code FIRST-LAST}, as in the record. */
    @Override
    public String toString() {
        return IpAddresses.format(first) + "-" + IpAddresses.format(last);
    }
}
