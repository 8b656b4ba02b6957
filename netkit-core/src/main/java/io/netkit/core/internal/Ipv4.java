package io.netkit.core.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 address arithmetic on {@code int}s (unsigned, network order). Not for use outside netkit. */
public final class Ipv4 {
    private Ipv4() {}

    public static int toInt(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 address: " + a.getHostAddress());
        }
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    public static InetAddress fromInt(int v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** Whether {@code a/alen} and {@code b/blen} share any address. */
    public static boolean overlaps(int a, int alen, int b, int blen) {
        int len = Math.min(alen, blen);
        return ((a ^ b) & mask(len)) == 0;
    }
}
