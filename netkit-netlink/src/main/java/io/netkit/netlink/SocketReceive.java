package io.netkit.netlink;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.internal.LibC;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receiving datagrams on a {@link NetlinkSocket} (called with its lock held): sized first with
 * {@code MSG_PEEK|MSG_TRUNC} where a reply may be as large as the kernel makes it (queries), read with one
 * {@code recvfrom} where it is known to fit (the answers to changes; a dump's datagrams, repeated if one did not).
 */
final class SocketReceive {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NetlinkSocket.class);
    }
    /** A receive buffer at least this large takes the answer to any change in one recvfrom. */
    static final int ANSWER_BUFFER = 16 * 1024;
    /** A receive buffer at least this large takes a dump's datagrams (at most 32 KiB) in one recvfrom each. */
    static final int DUMP_BUFFER = 64 * 1024;

    private SocketReceive() {
    }

    /** Receives one datagram from the kernel into s.rxBuf, sized first with MSG_PEEK|MSG_TRUNC; returns its length. */
    static int receive(NetlinkSocket s, String operation, String target) {
        while (true) {
            long size = LibC.recvfrom(s.fd, s.rxPointer, 0, LibC.MSG_PEEK | LibC.MSG_TRUNC, null, null);
            if (size < 0) {
                int e = LibC.errno();
                if (e == Errno.EINTR) {
                    continue;
                }
                throw receiveFailure(s, operation, target, e);
            }
            if (size > s.rxBuf.capacity()) {
                s.allocateRx((int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, 2L * s.rxBuf.capacity())));
            }
            long n = receiveInto(s, operation, target, 0);
            if (n >= 0) {
                return (int) n;
            }
        }
    }

    /**
     * Receives the answer to a change (acks, errors with their extended ack, the echo of a created object): those
     * fit any buffer of {@link #ANSWER_BUFFER} bytes or more, so with such a buffer one {@code recvfrom} reads the
     * datagram without sizing it first ({@code MSG_TRUNC} still reports one that did not fit). Halves the receive
     * syscalls of every change request; a smaller buffer (tests) takes the sized path.
     */
    static int receiveAnswer(NetlinkSocket s, String operation, String target) {
        if (s.rxBuf.capacity() < ANSWER_BUFFER) {
            return receive(s, operation, target);
        }
        while (true) {
            long n = receiveInto(s, operation, target, LibC.MSG_TRUNC);
            if (n >= 0) {
                return (int) n;
            }
        }
    }

    /**
     * Receives one datagram of a dump. The kernel fills dump datagrams up to 32 KiB (or one message, if larger), so
     * with a buffer of {@link #DUMP_BUFFER} bytes one {@code recvfrom} reads it; a datagram that did not fit anyway
     * ({@code MSG_TRUNC}) grows the buffer and throws {@link Truncated}: the dump is then repeated, never returned
     * with a message missing. A smaller buffer (tests) takes the sized path.
     */
    static int receiveDumpPart(NetlinkSocket s, String operation) {
        if (s.rxBuf.capacity() < DUMP_BUFFER) {
            return receive(s, operation, null);
        }
        while (true) {
            try {
                long n = receiveInto(s, operation, null, LibC.MSG_TRUNC);
                if (n >= 0) {
                    return (int) n;
                }
            } catch (MalformedMessageException truncated) {
                throw new Truncated();
            }
        }
    }

    /** A dump datagram that did not fit the receive buffer (which has grown since): the dump is repeated. */
    static final class Truncated extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Truncated() {
            super(null, null, false, false);
        }
    }

    /** One recvfrom into s.rxBuf; the datagram's length, or -1 for one to skip (EINTR, not from the kernel). */
    private static long receiveInto(NetlinkSocket s, String operation, String target, int flags) {
        s.srcAddrLen[0] = s.srcAddr.length;
        long n = LibC.recvfrom(s.fd, s.rxPointer, s.rxBuf.capacity(), flags, s.srcAddr, s.srcAddrLen);
        if (n < 0) {
            int e = LibC.errno();
            if (e == Errno.EINTR) {
                return -1;
            }
            throw receiveFailure(s, operation, target, e);
        }
        int srcPort = (s.srcAddr[4] & 0xFF) | (s.srcAddr[5] & 0xFF) << 8 | (s.srcAddr[6] & 0xFF) << 16 | (s.srcAddr[7] & 0xFF) << 24;
        if (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN) {
            srcPort = Integer.reverseBytes(srcPort);
        }
        if (srcPort != 0) {
            Log.LOG.debug("discarding datagram from port {}: not from the kernel", srcPort);
            return -1;
        }
        if (n > s.rxBuf.capacity()) {
            int had = s.rxBuf.capacity();
            s.allocateRx((int) Math.min(Integer.MAX_VALUE - 8, Math.max(n, 2L * had)));
            throw new MalformedMessageException("datagram of " + n + " bytes truncated to " + had, 0);
        }
        return n;
    }

    private static NetlinkException receiveFailure(NetlinkSocket s, String operation, String target, int e) {
        if (e == Errno.EAGAIN) {
            return NetlinkException.withDetail(operation, target, e,
                    "no answer from the kernel within " + s.receiveTimeout.toMillis() + " ms", null);
        }
        if (e == Errno.ENOBUFS) {
            return NetlinkException.withDetail(operation, target, e,
                    "socket receive buffer overrun: kernel messages were lost", null);
        }
        return new NetlinkException(operation, target, e, null);
    }
}
