package io.netkit.netlink;

import static io.netkit.netlink.ExtAcks.extAck;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_DONE;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_ERROR;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_NOOP;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_OVERRUN;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_DUMP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_DUMP_INTR;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.internal.LibC;
import io.netkit.netlink.codec.NlMsgWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dump on a {@link NetlinkSocket} ({@code NLM_F_DUMP}): the request, then the receive loop up to
 * {@code NLMSG_DONE}. Called by {@link NetlinkSocket#dump} with the socket's lock held; the retries of an
 * interrupted dump stay there.
 */
final class DumpExchange {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NetlinkSocket.class);
    }

    private DumpExchange() {
    }

    /** One dump; null if it was interrupted. Always reads up to NLMSG_DONE so the kernel's dump state ends. */
    static <T> List<T> once(NetlinkSocket socket, String operation, int type, Consumer<NlMsgWriter> body,
                            Function<NlMsgReader, T> decode) {
        NlMsgWriter writer = socket.writer;
        socket.drainAbandonedDump();
        int s = socket.nextSeq();
        writer.reset();
        writer.beginMessage(type, NLM_F_REQUEST | NLM_F_DUMP, s, 0);
        body.accept(writer);
        writer.endMessage();
        socket.send(operation, null, 0, writer.length());
        boolean finished = false;
        try {
            List<T> out = replies(socket, operation, s, decode);
            finished = true;
            return out;
        } catch (SocketReceive.Truncated grown) {
            return null;   // the rest is drained before the next request; the dump is repeated with the grown buffer
        } catch (NetlinkException kernelAnswered) {
            finished = kernelAnswered.errno() != Errno.EAGAIN && kernelAnswered.errno() != Errno.ENOBUFS
                    && kernelAnswered.errno() != Errno.EINTR && kernelAnswered.errno() != 0;
            throw kernelAnswered;
        } finally {
            if (!finished) {
                // A receive failure or a malformed datagram ended the read early: the kernel keeps the dump open
                // and would refuse the next one on this socket with EBUSY. Remember to drain it first.
                socket.abandonedDump = s;
            }
        }
    }

    private static <T> List<T> replies(NetlinkSocket socket, String operation, int s,
                                       Function<NlMsgReader, T> decode) {
        NlMsgReader reader = socket.reader;
        List<T> out = new ArrayList<>();
        boolean interrupted = false;
        Throwable decodeFailure = null;
        while (true) {
            int n = socket.receiveDumpPart(operation);
            reader.reset(socket.rxBuf, 0, n);
            while (reader.next()) {
                if (reader.seq() != s) {
                    socket.skipStale(s);
                    continue;
                }
                if ((reader.flags() & NLM_F_DUMP_INTR) != 0) {
                    interrupted = true;
                }
                int mt = reader.type();
                if (mt == NLMSG_DONE || mt == NLMSG_ERROR) {
                    int err = reader.payloadLength() >= 4 ? reader.errorCode() : 0;
                    if (err < 0) {
                        throw new NetlinkException(operation, null, -err, extAck(reader, socket.writer, 0));
                    }
                    if (decodeFailure instanceof RuntimeException re) {
                        throw re;
                    }
                    if (decodeFailure instanceof Error fatal) {
                        throw fatal;
                    }
                    return interrupted ? null : out;
                } else if (mt == NLMSG_NOOP) {
                    continue;
                } else if (mt == NLMSG_OVERRUN) {
                    throw NetlinkException.withDetail(operation, null, Errno.ENOBUFS, "kernel reported NLMSG_OVERRUN", null);
                }
                if (decodeFailure == null) {
                    try {
                        T t = decode.apply(socket.view(reader));
                        if (t != null) {
                            out.add(t);
                        }
                    } catch (RuntimeException | Error e) {
                        // Keep reading to NLMSG_DONE: an abandoned dump would make the next one fail with EBUSY.
                        decodeFailure = e;
                    }
                }
            }
        }
    }

    /**
     * Reads what is left of an abandoned dump without waiting: the kernel produces a dump's next chunk while the
     * previous one is received, so an empty queue means the dump has ended.
     */
    static void drainAbandoned(NetlinkSocket socket) {
        NlMsgReader reader = socket.reader;
        int s = socket.abandonedDump;
        if (s == 0) {
            return;
        }
        socket.abandonedDump = 0;
        for (int datagrams = 0; datagrams < 1_000_000; datagrams++) {
            long size = LibC.recvfrom(socket.fd, socket.rxPointer, 0, LibC.MSG_PEEK | LibC.MSG_TRUNC | LibC.MSG_DONTWAIT, null, null);
            if (size < 0) {
                if (LibC.errno() == Errno.EINTR) {
                    continue;
                }
                return;   // EAGAIN: nothing queued, the dump is over
            }
            if (size > socket.rxBuf.capacity()) {
                socket.allocateRx((int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, 2L * socket.rxBuf.capacity())));
            }
            long n = LibC.recvfrom(socket.fd, socket.rxPointer, socket.rxBuf.capacity(), LibC.MSG_DONTWAIT, null, null);
            if (n < 0) {
                if (LibC.errno() == Errno.EINTR) {
                    continue;
                }
                return;
            }
            try {
                reader.reset(socket.rxBuf, 0, (int) Math.min(n, socket.rxBuf.capacity()));
                while (reader.next()) {
                    if (reader.seq() == s && (reader.type() == NLMSG_DONE || reader.type() == NLMSG_ERROR)) {
                        return;
                    }
                }
            } catch (MalformedMessageException e) {
                Log.LOG.debug("malformed datagram while draining an abandoned dump: {}", e.getMessage());
            }
        }
    }
}
