package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_DUMP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;

import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.internal.LibC;
import java.util.function.Consumer;

/** Hooks into a {@link NetlinkSocket}'s internals that only tests use (overruns, abandoned dumps, request counts). */
final class SocketTestHooks {
    private SocketTestHooks() {
    }

    /** Shrinks the socket's receive buffer (SO_RCVBUFFORCE): lets tests overrun it. */
    static void receiveBuffer(NetlinkSocket socket, int bytes) {
        SocketSetup.setInt(socket.fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, bytes);
    }

    /** Starts a dump and gives it up after one datagram, as a receive failure would: lets tests see the drain. */
    static void abandonDump(NetlinkSocket socket, int type, Consumer<NlMsgWriter> body) {
        socket.lock.lock();
        try {
            socket.checkOpen();
            socket.drainAbandonedDump();
            int s = socket.nextSeq();
            socket.writer.reset();
            socket.writer.beginMessage(type, NLM_F_REQUEST | NLM_F_DUMP, s, 0);
            body.accept(socket.writer);
            socket.writer.endMessage();
            socket.send("abandoned dump", null, 0, socket.writer.length());
            socket.receive("abandoned dump", null);
            socket.abandonedDump = s;
        } finally {
            socket.lock.unlock();
        }
    }

    /** The sequence number the next request will use: lets tests count requests. */
    static int nextSeq(NetlinkSocket socket) {
        socket.lock.lock();
        try {
            return socket.seq;
        } finally {
            socket.lock.unlock();
        }
    }

    /** Waits for one datagram with no request outstanding: lets tests see the receive timeout at work. */
    static void awaitDatagram(NetlinkSocket socket, String operation) {
        socket.lock.lock();
        try {
            socket.checkOpen();
            socket.receive(operation, null);
        } finally {
            socket.lock.unlock();
        }
    }
}
