package io.netkit.netlink;

import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.netlink.internal.LibC;
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
    private static final int SOCK_DGRAM = 2;
    private static final int ETH_P_ARP = 0x0806;
    private static final int ETH_P_IP = 0x0800;
    private static final int ARPHRD_ETHER = 1;
    private static final int ARPOP_REQUEST = 1;
    /** {@code SIOCGIFHWADDR} from {@code <linux/sockios.h>}. */
    private static final long SIOCGIFHWADDR = 0x8927;
    /** {@code sizeof(struct sockaddr_ll)}. */
    private static final int SOCKADDR_LL_SIZE = 20;

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
        // Protocol 0: the socket only sends, so the kernel hands it no received frames.
        int fd = LibC.socket(RtnetlinkConstants.AF_PACKET, SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NetlinkException("announce address (open packet socket)", target, LibC.errno(), null);
        }
        try {
            byte[] ifr = new byte[LibC.IFREQ_SIZE];
            byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            System.arraycopy(name, 0, ifr, 0, name.length);
            if (LibC.ioctl(fd, LibC.SIOCGIFINDEX, ifr) != 0) {
                int e = LibC.errno();
                NetlinkException ne = new NetlinkException("announce address", target, e, null);
                throw e == Errno.ENODEV ? new LinkNotFoundException(ne) : ne;
            }
            int ifindex = ByteBuffer.wrap(ifr).order(ByteOrder.nativeOrder()).getInt(LibC.IFNAMSIZ);
            if (LibC.ioctl(fd, SIOCGIFHWADDR, ifr) != 0) {
                throw new NetlinkException("announce address (read MAC address)", target, LibC.errno(), null);
            }
            byte[] mac = new byte[6];
            System.arraycopy(ifr, LibC.IFNAMSIZ + 2, mac, 0, 6);   // struct sockaddr: sa_family, then sa_data
            byte[] packet = packet(mac, address.getAddress());
            byte[] to = sockaddrLl(ifindex);
            if (LibC.sendto(fd, packet, packet.length, 0, to, to.length) < 0) {
                throw new NetlinkException("announce address", target, LibC.errno(), null);
            }
        } finally {
            LibC.close(fd);
        }
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

    /** {@code struct sockaddr_ll} for the Ethernet broadcast address on {@code ifindex}. */
    private static byte[] sockaddrLl(int ifindex) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_LL_SIZE).order(ByteOrder.nativeOrder());
        b.putShort((short) RtnetlinkConstants.AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) ETH_P_ARP).order(ByteOrder.nativeOrder());
        b.putInt(ifindex);
        b.putShort((short) ARPHRD_ETHER);   // sll_hatype (ignored on send)
        b.put((byte) 0);                    // sll_pkttype
        b.put((byte) 6);                    // sll_halen
        for (int i = 0; i < 6; i++) {
            b.put((byte) 0xff);
        }
        return b.array();
    }
}
