package io.netkit.netlink;

import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.netlink.internal.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.UnaryOperator;

/**
 * Sends one link-layer frame from an interface of the current thread's namespace through a packet socket (the
 * common part of {@link Arp#announce} and {@link NeighborAdvertisement#announce}): opens an {@code AF_PACKET}
 * datagram socket, reads the interface's index ({@code SIOCGIFINDEX}) and MAC address ({@code SIOCGIFHWADDR}),
 * and sends the payload built from that MAC to the given Ethernet destination.
 */
final class LinkLayerSend {
    private static final int SOCK_DGRAM = 2;
    private static final int ARPHRD_ETHER = 1;
    /** {@code SIOCGIFHWADDR} from {@code <linux/sockios.h>}. */
    private static final long SIOCGIFHWADDR = 0x8927;
    /** {@code sizeof(struct sockaddr_ll)}. */
    private static final int SOCKADDR_LL_SIZE = 20;

    private LinkLayerSend() {}

    /**
     * Sends {@code payload.apply(mac)} (mac: the interface's own address) as EtherType {@code protocol} to
     * {@code destination} on {@code ifname}. Errors name {@code what} (e.g. "announce address") and {@code target}.
     *
     * @throws LinkNotFoundException if there is no such interface here
     * @throws NetlinkException if the socket cannot be opened or the send fails
     */
    static void send(String what, String target, String ifname, int protocol, byte[] destination,
                     UnaryOperator<byte[]> payload) {
        // Protocol 0: the socket only sends, so the kernel hands it no received frames.
        int fd = LibC.socket(RtnetlinkConstants.AF_PACKET, SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NetlinkException(what + " (open packet socket)", target, LibC.errno(), null);
        }
        try {
            byte[] ifr = new byte[LibC.IFREQ_SIZE];
            byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            System.arraycopy(name, 0, ifr, 0, name.length);
            if (LibC.ioctl(fd, LibC.SIOCGIFINDEX, ifr) != 0) {
                int e = LibC.errno();
                NetlinkException ne = new NetlinkException(what, target, e, null);
                throw e == Errno.ENODEV ? new LinkNotFoundException(ne) : ne;
            }
            int ifindex = ByteBuffer.wrap(ifr).order(ByteOrder.nativeOrder()).getInt(LibC.IFNAMSIZ);
            if (LibC.ioctl(fd, SIOCGIFHWADDR, ifr) != 0) {
                throw new NetlinkException(what + " (read MAC address)", target, LibC.errno(), null);
            }
            byte[] mac = new byte[6];
            System.arraycopy(ifr, LibC.IFNAMSIZ + 2, mac, 0, 6);   // struct sockaddr: sa_family, then sa_data
            byte[] packet = payload.apply(mac);
            byte[] to = sockaddrLl(ifindex, protocol, destination);
            if (LibC.sendto(fd, packet, packet.length, 0, to, to.length) < 0) {
                throw new NetlinkException(what, target, LibC.errno(), null);
            }
        } finally {
            LibC.close(fd);
        }
    }

    /** {@code struct sockaddr_ll} for Ethernet address {@code destination} and EtherType {@code protocol} on {@code ifindex}. */
    private static byte[] sockaddrLl(int ifindex, int protocol, byte[] destination) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_LL_SIZE).order(ByteOrder.nativeOrder());
        b.putShort((short) RtnetlinkConstants.AF_PACKET);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) protocol).order(ByteOrder.nativeOrder());
        b.putInt(ifindex);
        b.putShort((short) ARPHRD_ETHER);   // sll_hatype (ignored on send)
        b.put((byte) 0);                    // sll_pkttype
        b.put((byte) 6);                    // sll_halen
        b.put(destination);
        return b.array();
    }
}
