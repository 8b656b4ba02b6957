package io.netkit.netlink;

import java.net.Inet6Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Unsolicited neighbour advertisement (RFC 4861 section 7.2.6): the IPv6 counterpart of the gratuitous ARP
 * ({@link Arp#announce}). Tells every node on the link (to {@code ff02::1}) that an IPv6 address now has this
 * interface's MAC address, with the override flag set, so that neighbours holding an entry for the address (a gateway
 * that talked to an earlier holder) replace the old MAC at once instead of probing it until it fails.
 *
 * <p>It is the message the kernel itself sends with {@code ndisc_notify}: a complete IPv6 packet (hop limit 255, as
 * receivers require) with an ICMPv6 type 136 message and a target link-layer address option, sent through a packet
 * socket to the Ethernet multicast address {@code 33:33:00:00:00:01}. Call it from a thread inside the interface's
 * namespace ({@link NetNamespace#call}, {@link NetNamespace#submit}).
 *
 * <p>Equivalent to: {@code ip netns exec NS ndsend ADDRESS IFNAME} (from the {@code vzctl}/{@code iputils} tools)
 */
public final class NeighborAdvertisement {
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int IPPROTO_ICMPV6 = 58;
    private static final int ND_NEIGHBOR_ADVERT = 136;
    private static final int ND_OPT_TARGET_LINKADDR = 2;
    /** Override flag of the NA message (RFC 4861 4.4). */
    private static final int NA_FLAG_OVERRIDE = 0x20000000;
    /** {@code ff02::1}, all nodes on the link. */
    private static final byte[] ALL_NODES = {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    /** {@code 33:33:00:00:00:01}, the Ethernet multicast address of ff02::1. */
    private static final byte[] ALL_NODES_MAC = {0x33, 0x33, 0, 0, 0, 1};

    private NeighborAdvertisement() {}

    /**
     * Sends one unsolicited neighbour advertisement for {@code address} from interface {@code ifname} of the current
     * thread's namespace, with the interface's MAC address as the target link-layer address.
     *
     * @throws LinkNotFoundException if there is no such interface here
     * @throws NetlinkException if the socket cannot be opened (EPERM without CAP_NET_RAW) or the send fails
     */
    public static void announce(String ifname, Inet6Address address) {
        InterfaceNames.validateExisting(ifname);
        Objects.requireNonNull(address, "address == null");
        String target = ifname + " " + address.getHostAddress();
        LinkLayerSend.send("announce IPv6 address", target, ifname, ETH_P_IPV6, ALL_NODES_MAC,
                mac -> packet(mac, address.getAddress()));
    }

    /** The IPv6 packet: header from {@code ip} to ff02::1, ICMPv6 NA (override) for {@code ip} with option TLLA {@code mac}. */
    static byte[] packet(byte[] mac, byte[] ip) {
        ByteBuffer icmp = ByteBuffer.allocate(32).order(ByteOrder.BIG_ENDIAN);
        icmp.put((byte) ND_NEIGHBOR_ADVERT).put((byte) 0).putShort((short) 0)   // type, code, checksum (below)
                .putInt(NA_FLAG_OVERRIDE).put(ip)
                .put((byte) ND_OPT_TARGET_LINKADDR).put((byte) 1).put(mac);      // option length in units of 8 bytes
        byte[] msg = icmp.array();
        int sum = checksum(ip, ALL_NODES, msg);
        msg[2] = (byte) (sum >>> 8);
        msg[3] = (byte) sum;
        ByteBuffer b = ByteBuffer.allocate(40 + msg.length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(6 << 28).putShort((short) msg.length).put((byte) IPPROTO_ICMPV6).put((byte) 255)
                .put(ip).put(ALL_NODES).put(msg);
        return b.array();
    }

    /** The ICMPv6 checksum (RFC 4443 2.3) over the pseudo-header and {@code msg}. */
    static int checksum(byte[] src, byte[] dst, byte[] msg) {
        long sum = 0;
        sum += words(src) + words(dst);
        sum += msg.length;
        sum += IPPROTO_ICMPV6;
        sum += words(msg);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static long words(byte[] b) {
        long s = 0;
        for (int i = 0; i < b.length; i += 2) {
            s += ((b[i] & 0xff) << 8) | (i + 1 < b.length ? b[i + 1] & 0xff : 0);
        }
        return s;
    }
}
