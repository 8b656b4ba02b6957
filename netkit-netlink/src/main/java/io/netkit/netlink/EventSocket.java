package io.netkit.netlink;

import com.sun.jna.Pointer;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.internal.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A {@code NETLINK_ROUTE} socket that only listens: it joins multicast groups ({@code NETLINK_ADD_MEMBERSHIP}) and
 * receives the kernel's notifications, as {@code ip monitor} does. It sends nothing, so every datagram is an event.
 * Bound to the network namespace of the thread that opens it. Used by one thread at a time (the watcher).
 */
final class EventSocket implements AutoCloseable {
    /** What {@link #receive(boolean)} returns when the receive timed out or nothing was queued. */
    static final int NOTHING = 0;
    /** What {@link #receive(boolean)} returns when the kernel dropped notifications ({@code ENOBUFS}). */
    static final int OVERRUN = -1;

    private static final int SOCKADDR_NL_LEN = 12;
    private final int fd;
    private ByteBuffer rx = ByteBuffer.allocateDirect(64 * 1024).order(ByteOrder.nativeOrder());
    private Pointer rxPointer = LibC.pointer(rx);
    private final byte[] src = new byte[SOCKADDR_NL_LEN];
    private final int[] srcLen = new int[1];
    private volatile boolean closed;

    private EventSocket(int fd) {
        this.fd = fd;
    }

    /**
     * Opens the socket in the calling thread's namespace and joins {@code groups} ({@code RTNLGRP_*}).
     *
     * @param receiveBuffer {@code SO_RCVBUF} in bytes (the kernel doubles it), or 0 for netkit's default (4 MiB where
     *     the process may force it, else 1 MiB): how many notifications may queue before the kernel drops some
     * @param pollInterval receive timeout: how soon the watcher notices it was closed
     */
    static EventSocket open(int[] groups, int receiveBuffer, Duration pollInterval) {
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NetlinkConstants.NETLINK_ROUTE);
        if (fd < 0) {
            throw new NetlinkException("open netlink event socket", "NETLINK_ROUTE", LibC.errno(), null);
        }
        try {
            if (receiveBuffer > 0) {
                check(setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, receiveBuffer), "set SO_RCVBUF " + receiveBuffer);
            } else if (setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, 4 << 20) != 0) {
                setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, 1 << 20);
            }
            byte[] tv = new byte[16];
            long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(pollInterval.toNanos()));
            ByteBuffer.wrap(tv).order(ByteOrder.nativeOrder()).putLong(micros / 1_000_000).putLong(micros % 1_000_000);
            check(LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, tv.length), "set SO_RCVTIMEO");
            byte[] addr = new byte[SOCKADDR_NL_LEN];
            ByteBuffer.wrap(addr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
            check(LibC.bind(fd, addr, addr.length), "bind");
            for (int g : groups) {
                check(setInt(fd, NetlinkConstants.SOL_NETLINK, NetlinkConstants.NETLINK_ADD_MEMBERSHIP, g),
                        "join multicast group " + g + " (NETLINK_ADD_MEMBERSHIP)");
            }
            return new EventSocket(fd);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new NetlinkException(what, "netlink event socket", LibC.errno(), null);
        }
    }

    private static int setInt(int fd, int level, int name, int value) {
        byte[] v = new byte[4];
        ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).putInt(value);
        return LibC.setsockopt(fd, level, name, v, 4);
    }

    /** The receive buffer's size as the kernel reports it ({@code SO_RCVBUF}, i.e. twice what was asked). */
    int receiveBufferSize() {
        byte[] v = new byte[4];
        int[] len = {4};
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, v, len) != 0) {
            return -1;
        }
        return ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt();
    }

    /**
     * Receives one datagram into {@link #buffer()} (sized first with {@code MSG_PEEK|MSG_TRUNC}, so none is cut).
     *
     * @param wait false: do not wait ({@code MSG_DONTWAIT}); true: wait up to the poll interval
     * @return its length, {@link #NOTHING} when none came, {@link #OVERRUN} when the kernel dropped notifications
     */
    int receive(boolean wait) {
        int flags = wait ? 0 : LibC.MSG_DONTWAIT;
        while (true) {
            if (closed) {
                return NOTHING;
            }
            long size = LibC.recvfrom(fd, rxPointer, 0, LibC.MSG_PEEK | LibC.MSG_TRUNC | flags, null, null);
            if (size < 0) {
                int e = LibC.errno();
                if (e == Errno.EINTR) {
                    continue;
                }
                return outcome(e);
            }
            if (size > rx.capacity()) {
                rx = ByteBuffer.allocateDirect((int) Math.min(1 << 30, Math.max(size, 2L * rx.capacity())))
                        .order(ByteOrder.nativeOrder());
                rxPointer = LibC.pointer(rx);
            }
            srcLen[0] = src.length;
            long n = LibC.recvfrom(fd, rxPointer, rx.capacity(), flags, src, srcLen);
            if (n < 0) {
                int e = LibC.errno();
                if (e == Errno.EINTR) {
                    continue;
                }
                return outcome(e);
            }
            if (src[4] != 0 || src[5] != 0 || src[6] != 0 || src[7] != 0) {
                continue;   // not from the kernel (nl_pid != 0): another process cannot inject events
            }
            if (n == 0) {
                continue;
            }
            return (int) Math.min(n, rx.capacity());
        }
    }

    private int outcome(int errno) {
        if (errno == Errno.EAGAIN) {
            return NOTHING;
        }
        if (errno == Errno.ENOBUFS) {
            return OVERRUN;
        }
        if (closed) {
            return NOTHING;
        }
        throw new NetlinkException("receive netlink events", "netlink event socket", errno, null);
    }

    /** The buffer the last datagram was received into (from 0 to the length {@link #receive} returned). */
    ByteBuffer buffer() {
        return rx;
    }

    /** Closes the socket. Call only from the thread that receives (or after it ended); idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }
}
