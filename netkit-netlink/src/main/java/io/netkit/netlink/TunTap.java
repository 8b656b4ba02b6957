package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.nio.charset.StandardCharsets;

/**
 * Creates persistent tun/tap devices as {@code ip tuntap add} does ({@code ip/iptuntap.c}): open
 * {@code /dev/net/tun}, {@code TUNSETIFF} with {@code IFF_TUN|IFF_NO_PI} or {@code IFF_TAP|IFF_NO_PI},
 * {@code TUNSETPERSIST 1}, close. The device appears in the network namespace of the calling thread, so this
 * runs on a namespace's own thread. Constants from {@code include/uapi/linux/if_tun.h}.
 */
final class TunTap {
    /** {@code TUNSETIFF = _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454caL;
    /** {@code TUNSETPERSIST = _IOW('T', 203, int)}. */
    static final long TUNSETPERSIST = 0x400454cbL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    /**
     * {@code IFF_TUN_EXCL}: fail with {@code EBUSY} instead of attaching when a device of that name exists
     * already (another process's persistent tap, or one made between netkit's existence check and this call).
     */
    static final short IFF_TUN_EXCL = (short) 0x8000;
    /** {@code sizeof(struct ifreq)} on 64-bit Linux: 16-byte name plus a 24-byte union. */
    static final int IFREQ_SIZE = 40;

    private TunTap() {}

    static void create(String name, boolean tap) {
        String operation = "create link";
        int fd = LibC.open("/dev/net/tun", 2 /* O_RDWR */ | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            int errno = LibC.errno();
            throw NetlinkException.withDetail(operation, name, errno,
                    "cannot open /dev/net/tun (" + Errno.name(errno) + ": " + Errno.text(errno)
                            + "): this kernel or container has no tun/tap support", null);
        }
        try {
            byte[] ifr = new byte[IFREQ_SIZE];
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(n, 0, ifr, 0, n.length);
            short flags = (short) ((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI | IFF_TUN_EXCL);
            java.nio.ByteBuffer.wrap(ifr).order(java.nio.ByteOrder.nativeOrder()).putShort(16, flags);
            if (LibC.ioctl(fd, TUNSETIFF, ifr) < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EBUSY) {
                    throw NetlinkException.withDetail(operation, name + " (TUNSETIFF)", errno, "a device named \""
                            + name + "\" exists already; netkit does not attach to it: choose another name or delete"
                            + " it first", null);
                }
                throw new NetlinkException(operation, name + " (TUNSETIFF)", errno, null);
            }
            if (LibC.ioctl(fd, TUNSETPERSIST, 1L) < 0) {
                throw new NetlinkException(operation, name + " (TUNSETPERSIST)", LibC.errno(), null);
            }
        } finally {
            LibC.close(fd);
        }
    }
}
