package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_CAP_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_EXT_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_GET_STRICT_CHK;
import static io.netkit.netlink.codec.NetlinkConstants.SOL_NETLINK;

import io.netkit.netlink.internal.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares a freshly made netlink socket for {@link NetlinkSocket}: buffer sizes, {@code NETLINK_EXT_ACK},
 * {@code NETLINK_CAP_ACK}, {@code NETLINK_GET_STRICT_CHK}, the receive timeout, and the bind that makes the
 * kernel assign the port id.
 */
final class SocketSetup {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NetlinkSocket.class);
    }
    private static final int SOCKBUF_SIZE = 1 << 20;
    private static final int SOCKADDR_NL_LEN = 12;

    private SocketSetup() {
    }

    /** Sets the options of {@code fd}, binds it and returns the port id the kernel assigned. */
    static int configureAndBind(int fd, String target, Duration receiveTimeout) {
        // Larger buffers: a batch's acks and a dump's chunks queue up here. FORCE works for root only.
        if (setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, 4 * SOCKBUF_SIZE) != 0) {
            setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, SOCKBUF_SIZE);
        }
        // A netfilter batch must travel in ONE datagram, which the kernel refuses beyond the send buffer.
        if (setInt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, 4 * SOCKBUF_SIZE) != 0) {
            setInt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, SOCKBUF_SIZE);
        }
        if (setInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1) != 0) {
            Log.LOG.debug("NETLINK_EXT_ACK not supported: errno {}", LibC.errno());
        }
        if (setInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1) != 0) {
            Log.LOG.debug("NETLINK_CAP_ACK not supported: errno {}", LibC.errno());
        }
        if (setInt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1) != 0) {
            Log.LOG.debug("NETLINK_GET_STRICT_CHK not supported: errno {}", LibC.errno());
        }
        byte[] tv = new byte[16];
        long micros = timevalMicros(receiveTimeout);
        ByteBuffer.wrap(tv).order(ByteOrder.nativeOrder()).putLong(micros / 1_000_000).putLong(micros % 1_000_000);
        if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, tv.length) != 0) {
            throw new NetlinkException("set netlink receive timeout", target, LibC.errno(), null);
        }
        byte[] addr = new byte[SOCKADDR_NL_LEN];
        ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
        if (LibC.bind(fd, addr, addr.length) != 0) {   // nl_pid 0: the kernel assigns a unique port id
            throw new NetlinkException("bind netlink socket", target, LibC.errno(), null);
        }
        int[] len = {addr.length};
        if (LibC.getsockname(fd, addr, len) != 0) {
            throw new NetlinkException("getsockname of netlink socket", target, LibC.errno(), null);
        }
        return ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).getInt(4);
    }

    /**
     * The receive timeout in whole microseconds for {@code SO_RCVTIMEO}, rounded up: a timeout below 1 µs would
     * otherwise become {@code timeval{0,0}}, which the kernel takes as "no timeout" (block forever).
     */
    static long timevalMicros(Duration timeout) {
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        long micros = nanos / 1000 + (nanos % 1000 != 0 ? 1 : 0);
        return Math.max(1, micros);
    }

    static int setInt(int fd, int level, int name, int value) {
        byte[] v = new byte[4];
        ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).putInt(value);
        return LibC.setsockopt(fd, level, name, v, 4);
    }
}
