package io.netkit.netlink;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Gratuitous ARP: tells every host on an interface's link which MAC address an IPv4 address now has, so that
 * neighbours holding an older entry for it (a container that had the address before) update it at once instead of
 * sending to a MAC that is gone until their entry times out.
 *
 * <p>The announcement is the one the kernel itself sends with {@code arp_notify} when a link with addresses goes
 * up: a broadcast ARP request from the address for the address. Call it from a thread inside the interface's
 * namespace ({@link NetNamespace#call}, {@link NetNamespace#submit}): a packet socket belongs to the namespace of
 * the thread that opens it.
 *
 * <p>Equivalent to: {@code ip netns exec NS arping -U -c 1 -I IFNAME ADDRESS}
 */
public final class Arp {
    private static final int ETH_P_ARP = 0x0806;
    private static final int ETH_P_IP = 0x0800;
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPOP_REQUEST = 1;
    /** The Ethernet broadcast address. */
    private static final byte[] BROADCAST = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};

    private Arp() {}

    /**
     * Broadcasts one gratuitous ARP request for {@code address} from interface {@code ifname} of the current
     * thread's namespace, with the interface's own MAC address as the sender.
     *
     * @throws LinkNotFoundException if there is no such interface here
     * @throws NetlinkException if the socket cannot be opened (EPERM without CAP_NET_RAW) or the send fails
     *         (ENETDOWN if the interface is down)
     */
    public static void announce(String ifname, Inet4Address address) {
        InterfaceNames.validateExisting(ifname);
        Objects.requireNonNull(address, "address == null");
        String target = ifname + " " + address.getHostAddress();
        LinkLayerSend.send("announce address", target, ifname, ETH_P_ARP, BROADCAST,
                mac -> packet(mac, address.getAddress()));
    }

    /** An ARP request (RFC 826) with sender and target protocol address both {@code ip}, target MAC unknown. */
    static byte[] packet(byte[] mac, byte[] ip) {
        ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.BIG_ENDIAN);
        b.putShort((short) ARPHRD_ETHER).putShort((short) ETH_P_IP).put((byte) 6).put((byte) 4)
                .putShort((short) ARPOP_REQUEST)
                .put(mac).put(ip)
                .put(new byte[6]).put(ip);
        return b.array();
    }
}
