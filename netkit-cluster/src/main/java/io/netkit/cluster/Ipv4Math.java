package io.netkit.cluster;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses as ints, for walking the subnets of a cluster CIDR. */
final class Ipv4Math {
    private Ipv4Math() {}

    static int toInt(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    static InetAddress fromInt(int v) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
