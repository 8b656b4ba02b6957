package io.netkit.netlink;

import io.netkit.netlink.codec.NetlinkConstants;

/**
 * TEMPORARY STUB (netlink-low): the real class is written on branch netlink-ops and replaces this file
 * on merge. It exists so that {@link NetNamespace#netlink()} compiles; it has only the members
 * netlink-low relies on: the package-private constructor {@code RtNetlink(NetlinkSocket, NetNamespace)},
 * {@link #socket()}, {@link #open()} and {@link #close()}.
 */
public final class RtNetlink implements AutoCloseable {
    private final NetlinkSocket socket;
    private final NetNamespace namespace;

    RtNetlink(NetlinkSocket socket, NetNamespace namespace) {
        this.socket = socket;
        this.namespace = namespace;
    }

    /** Opens an rtnetlink handle in the calling thread's namespace. */
    public static RtNetlink open() {
        return new RtNetlink(NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE), null);
    }

    /** The underlying socket. */
    public NetlinkSocket socket() {
        return socket;
    }

    @Override
    public void close() {
        socket.close();
    }
}
