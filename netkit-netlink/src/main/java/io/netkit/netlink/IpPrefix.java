package io.netkit.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IP address with a prefix length, as {@code ip} writes it: {@code 172.16.0.2/24}, {@code fd00::1/64}.
 * The address keeps its host bits ({@link #network()} clears them), so one value describes both an interface
 * address and the subnet it lives in.
 *
 * <pre>{@code
 * IpPrefix p = IpPrefix.parse("172.16.0.2/24");
 * p.network();     // 172.16.0.0/24
 * p.broadcast();   // 172.16.0.255
 * p.contains(IpAddresses.parse("172.16.0.9"));  // true
 * }</pre>
 *
 * @param address the address (IPv4 or IPv6), host bits kept
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record IpPrefix(InetAddress address, int prefixLength) {

    /** Validates both components. */
    public IpPrefix {
        Objects.requireNonNull(address, "address == null");
        int max = maxLength(address);
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefixLength out of range for " + IpAddresses.format(address)
                    + ": " + prefixLength + " (expected 0.." + max + ")");
        }
    }

    /**
     * Parses {@code ADDRESS/LENGTH}, e.g. {@code "172.16.0.2/24"} or {@code "fd00::1/64"}. No name resolution.
     *
     * @throws IllegalArgumentException quoting the input when it is not of that form
     */
    public static IpPrefix parse(String text) {
        Objects.requireNonNull(text, "prefix == null");
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid IP prefix \"" + text
                    + "\": expected ADDRESS/LENGTH like 172.16.0.2/24 or fd00::1/64");
        }
        InetAddress address;
        try {
            address = IpAddresses.parse(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid IP prefix \"" + text + "\": bad address \""
                    + text.substring(0, slash) + "\"");
        }
        String len = text.substring(slash + 1);
        int max = maxLength(address);
        int length = -1;
        if (!len.isEmpty() && len.length() <= 3 && decimal(len)) {
            length = Integer.parseInt(len);
        }
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("invalid IP prefix \"" + text + "\": prefix length \"" + len
                    + "\" is not in 0.." + max);
        }
        return new IpPrefix(address, length);
    }

    /** Only ASCII digits (a loop, not a stream: the first stream pipeline costs a fresh JVM ~1.5 ms). */
    private static boolean decimal(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        }
        return true;
    }

    /** The prefix {@code address/prefixLength}. */
    public static IpPrefix of(InetAddress address, int prefixLength) {
        return new IpPrefix(address, prefixLength);
    }

    /** A host prefix: {@code /32} for IPv4, {@code /128} for IPv6. */
    public static IpPrefix host(InetAddress address) {
        return new IpPrefix(address, maxLength(address));
    }

    /** {@code 0.0.0.0/0}: the IPv4 default destination. */
    public static IpPrefix defaultIpv4() {
        return new IpPrefix(IpAddresses.of(new byte[4]), 0);
    }

    /** {@code ::/0}: the IPv6 default destination. */
    public static IpPrefix defaultIpv6() {
        return new IpPrefix(IpAddresses.of(new byte[16]), 0);
    }

    /** True for an IPv4 prefix. */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** {@code AF_INET} (2) or {@code AF_INET6} (10). */
    public int family() {
        return isIpv4() ? 2 : 10;
    }

    /** The prefix with its host bits cleared: {@code 172.16.0.2/24 -> 172.16.0.0/24}. */
    public IpPrefix network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            b[i] &= maskByte(i);
        }
        return new IpPrefix(IpAddresses.of(b), prefixLength);
    }

    /**
     * The IPv4 broadcast address (all host bits set): {@code 172.16.0.2/24 -> 172.16.0.255}.
     *
     * @throws UnsupportedOperationException for IPv6, which has no broadcast
     */
    public InetAddress broadcast() {
        if (!isIpv4()) {
            throw new UnsupportedOperationException("IPv6 has no broadcast address: " + this);
        }
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            b[i] |= (byte) ~maskByte(i);
        }
        return IpAddresses.of(b);
    }

    /** True if {@code other} is of the same family and inside this prefix. */
    public boolean contains(InetAddress other) {
        Objects.requireNonNull(other, "other == null");
        byte[] a = address.getAddress();
        byte[] o = other.getAddress();
        if (a.length != o.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            int m = maskByte(i) & 0xff;
            if ((a[i] & m) != (o[i] & m)) {
                return false;
            }
        }
        return true;
    }

    /** True for {@code 0.0.0.0/0} and {@code ::/0}. */
    public boolean isDefault() {
        return prefixLength == 0;
    }

    private byte maskByte(int i) {
        int bits = prefixLength - 8 * i;
        if (bits >= 8) {
            return (byte) 0xff;
        }
        if (bits <= 0) {
            return 0;
        }
        return (byte) (0xff << (8 - bits));
    }

    private static int maxLength(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }

    // equals and hashCode written out: a record's generated ones bootstrap ObjectMethods (invokedynamic) at first
    // use, ~15 ms of method-handle spinning in a fresh JVM's first create.
    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && prefixLength == p.prefixLength && address.equals(p.address);
    }

    @Override
    public int hashCode() {
        return 31 * address.hashCode() + prefixLength;
    }

    /** {@code "172.16.0.2/24"}, {@code "fd00::1/64"}. */
    @Override
    public String toString() {
        return IpAddresses.format(address) + "/" + prefixLength;
    }
}
