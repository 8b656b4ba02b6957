package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_DONE;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_ERROR;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_NOOP;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_OVERRUN;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_DUMP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;

import com.sun.jna.Pointer;
import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.netlink.internal.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A netlink socket ({@code AF_NETLINK}, {@code SOCK_RAW|SOCK_CLOEXEC}) talking to the kernel: the transport
 * under {@link RtNetlink}. It is bound to the network namespace of the thread that opened it, for its whole
 * life, and may then be used from any thread.
 *
 * <ul>
 *   <li>The kernel assigns the port id ({@link #portId()}); every request gets a fresh sequence number and
 *       every reply is matched by it (stale replies of an abandoned request are discarded).</li>
 *   <li>Every change is sent with {@code NLM_F_ACK} and waits for the kernel's answer; failures become a
 *       {@link NetlinkException} carrying the errno and the kernel's extended-ack text
 *       ({@code NETLINK_EXT_ACK}, {@code NETLINK_CAP_ACK}, {@code NETLINK_GET_STRICT_CHK} are switched on).</li>
 *   <li>Dump and query replies are sized with {@code MSG_PEEK|MSG_TRUNC} before they are read, so nothing is
 *       ever truncated; the answers to changes (acks, echoes), which always fit the buffer, are read with one
 *       {@code recvfrom} (and {@code MSG_TRUNC} would still report one that did not); a receive timeout ({@code SO_RCVTIMEO}, 30 s by default) means no call can hang.</li>
 *   <li>Dumps that the kernel flags {@code NLM_F_DUMP_INTR} are retried up to 5 times, then fail with
 *       {@link DumpInterruptedException}.</li>
 *   <li>{@link #batch()} sends many requests in one {@code sendmsg} and matches their acks.</li>
 *   <li>Thread-safe: requests are serialized by a lock; buffers are reused, so steady-state requests
 *       allocate little.</li>
 * </ul>
 *
 * <pre>{@code
 * try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE)) {      // in the calling thread's netns
 *     s.execute("set link up", "br0", RTM_NEWLINK, 0,
 *         w -> w.ifInfoMsg(AF_UNSPEC, 0, index, IFF_UP, IFF_UP)); // ip link set dev br0 up
 * }
 * }</pre>
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkSocket.class);

    /** Default receive timeout. Generous: deleting links waits out RCU grace periods under a busy RTNL. */
    public static final Duration DEFAULT_RECEIVE_TIMEOUT = Duration.ofSeconds(30);
    static final int MAX_DUMP_ATTEMPTS = 5;
    /** A batch is split into sendmsg calls of at most this many requests, so the acks fit the receive buffer. */
    static final int MAX_BATCH_CHUNK_MESSAGES = 512;
    /** ... and at most this many bytes (below the default socket send buffer). */
    static final int MAX_BATCH_CHUNK_BYTES = 96 * 1024;
    private static final int SOCKADDR_NL_LEN = 12;

    private final int protocol;
    final int fd;
    private final int portId;
    final Duration receiveTimeout;
    final ReentrantLock lock = new ReentrantLock();   // package-private: SocketTestHooks
    private volatile boolean closed;
    private volatile long dumpRetries;
    private volatile String lastWarning;

    // Guarded by lock. Package-private ones are used by BatchExchange and DumpExchange, which run under it.
    int seq;   // under lock; package-private: SocketTestHooks
    /** Sequence number of a dump given up before its NLMSG_DONE (the kernel may still be sending it), or 0. */
    int abandonedDump;
    final NlMsgWriter writer = new NlMsgWriter(8192);
    private ByteBuffer txOwner;
    private Pointer txPointer;
    ByteBuffer rxBuf;
    Pointer rxPointer;
    final NlMsgReader reader = new NlMsgReader();
    private final NlMsgReader replyView = new NlMsgReader();
    private final byte[] kernelAddr = new byte[SOCKADDR_NL_LEN];
    final byte[] srcAddr = new byte[SOCKADDR_NL_LEN];
    final int[] srcAddrLen = new int[1];

    private NetlinkSocket(int protocol, int fd, int portId, Duration receiveTimeout, int receiveBufferSize) {
        this.protocol = protocol;
        this.fd = fd;
        this.portId = portId;
        this.receiveTimeout = receiveTimeout;
        this.seq = 1;
        ByteBuffer.wrap(kernelAddr).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
        allocateRx(receiveBufferSize);
    }

    /**
     * Opens a netlink socket of {@code protocol} (e.g. {@code NETLINK_ROUTE}) in the network namespace of the
     * calling thread, with the default receive timeout. To open one in another namespace, use
     * {@link NetNamespace#netlink()} or open it inside {@link NetNamespace#call}.
     */
    public static NetlinkSocket open(int protocol) {
        return open(protocol, DEFAULT_RECEIVE_TIMEOUT);
    }

    /** Opens a netlink socket whose every receive gives up after {@code receiveTimeout}. */
    public static NetlinkSocket open(int protocol, Duration receiveTimeout) {
        return open(protocol, receiveTimeout, 64 * 1024);
    }

    /** With an explicit initial receive buffer size (tests use a tiny one to exercise growth). */
    static NetlinkSocket open(int protocol, Duration receiveTimeout, int receiveBufferSize) {
        Objects.requireNonNull(receiveTimeout, "receiveTimeout == null");
        if (receiveTimeout.isNegative() || receiveTimeout.isZero()) {
            throw new IllegalArgumentException("receiveTimeout must be positive: " + receiveTimeout);
        }
        String target = "protocol " + protocol;
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new NetlinkException("open netlink socket", target, LibC.errno(), null);
        }
        try {
            int port = SocketSetup.configureAndBind(fd, target, receiveTimeout);
            return new NetlinkSocket(protocol, fd, port, receiveTimeout, receiveBufferSize);
        } catch (RuntimeException | Error e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The receive timeout in whole microseconds for {@code SO_RCVTIMEO} (see {@link SocketSetup#timevalMicros}). */
    static long timevalMicros(Duration timeout) {
        return SocketSetup.timevalMicros(timeout);
    }

    /** The {@code SO_RCVTIMEO} the kernel holds for this socket, in microseconds (0 = none): for tests. */
    long kernelReceiveTimeoutMicros() {
        byte[] tv = new byte[16];
        int[] len = {tv.length};
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, len) != 0) {
            throw new NetlinkException("get netlink receive timeout", null, LibC.errno(), null);
        }
        ByteBuffer b = ByteBuffer.wrap(tv).order(ByteOrder.nativeOrder());
        return b.getLong(0) * 1_000_000 + b.getLong(8);
    }

    /**
     * Takes the socket's lock for one request, refusing re-entry: a decode callback (or request body) that uses
     * this same socket on the same thread would otherwise discard the outer request's replies as stale and reset
     * the shared reader under it.
     */
    private void lockForRequest(String operation) {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("\"" + operation + "\" re-enters " + this + " from inside a request or"
                    + " dump on the same thread (a decode callback or request body uses the socket it is called by):"
                    + " collect the results first and make the nested call after the outer one returns");
        }
        lock.lock();
    }

    /** The port id the kernel assigned to this socket ({@code nl_pid}). */
    public int portId() {
        return portId;
    }

    /**
     * The index of the interface named {@code name} in this socket's namespace, or 0 if there is none: one
     * {@code RTM_GETLINK} with {@code IFLA_IFNAME}, of which only {@code ifi_index} is read. Not the
     * {@code SIOCGIFINDEX} ioctl of {@code if_nametoindex(3)}: for a name it does not find, that ioctl makes the
     * kernel (for a caller with CAP_NET_ADMIN) run {@code request_module("netdev-NAME")}, which can load modules
     * such as {@code ip_gre} and so create {@code gre0} in every namespace. Needs a {@code NETLINK_ROUTE} socket.
     *
     * @throws IllegalArgumentException if {@code name} is not a name the kernel accepts
     * @throws NetlinkException if the lookup fails for another reason than a missing interface
     */
    public int interfaceIndex(String name) {
        InterfaceNames.validateExisting(name);
        if (protocol != NetlinkConstants.NETLINK_ROUTE) {
            throw new IllegalStateException("interfaceIndex needs a NETLINK_ROUTE socket; this is " + this);
        }
        try {
            Integer index = request("get interface index", name, RtnetlinkConstants.RTM_GETLINK, 0, w -> {
                w.ifInfoMsg(RtnetlinkConstants.AF_UNSPEC, 0, 0, 0, 0);
                w.attrU32(IfLinkConstants.IFLA_EXT_MASK, RtnetlinkConstants.RTEXT_FILTER_SKIP_STATS);
                w.attrString(IfLinkConstants.IFLA_IFNAME, name);
            }, m -> m.type() == RtnetlinkConstants.RTM_NEWLINK ? m.s32(4) : null);
            return index == null ? 0 : index;
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) {
                return 0;
            }
            throw e;
        }
    }

    /** The netlink protocol this socket speaks. */
    public int protocol() {
        return protocol;
    }

    /** How long each receive waits before the call fails. */
    public Duration receiveTimeout() {
        return receiveTimeout;
    }

    /**
     * Sends one change request and waits for the kernel's acknowledgement. The socket writes the
     * {@code nlmsghdr} (adding {@code NLM_F_REQUEST|NLM_F_ACK} to {@code flags}); {@code body} writes the family
     * header and attributes.
     *
     * @param operation what is attempted, for the error message (e.g. {@code "create link"})
     * @param target the object, for the error message (e.g. {@code "veth1"}), or null
     * @throws NetlinkException with the errno and extended-ack text if the kernel refuses
     */
    public void execute(String operation, String target, int type, int flags, Consumer<NlMsgWriter> body) {
        request(operation, target, type, flags, body, null);
    }

    /**
     * Sends one request with {@code NLM_F_REQUEST|NLM_F_ACK} and decodes the first reply message (for example
     * the answer to {@code RTM_GETLINK} with {@code IFLA_IFNAME}, or the echo of an {@code NLM_F_ECHO} change).
     * {@code decodeOne} gets a reader positioned on that message; it must not keep the reader.
     *
     * @return the decoded reply, or null if the kernel acknowledged without sending one (or decodeOne is null)
     */
    public <T> T request(String operation, String target, int type, int flags, Consumer<NlMsgWriter> body,
                         Function<NlMsgReader, T> decodeOne) {
        return exchange(operation, target, type, flags, body, decodeOne, null);
    }

    /**
     * {@link #execute} preceded, in the same datagram, by an {@code RTM_GETLINK} of the link named {@code link},
     * whose answer is discarded: what {@code ip link set NAME ...} sends (it looks the name up first). The lookup
     * is not for the index: the kernel's {@code rtnl_getlink} brings the link's pending link-watch state up to date
     * ({@code linkwatch_sync_dev}), so a link made a moment ago is seen without carrier when it goes up, and the
     * kernel configures IPv6 on it in its link-watch worker once the carrier comes, as it does for {@code ip}
     * (instead of inside this request, on the caller's CPU). One {@code sendto}, two {@code recvfrom}.
     */
    void executeAfterLookup(String operation, String target, String link, int type, int flags,
                            Consumer<NlMsgWriter> body) {
        Objects.requireNonNull(link, "link == null");
        exchange(operation, target, type, flags, body, null, link);
    }

    private <T> T exchange(String operation, String target, int type, int flags, Consumer<NlMsgWriter> body,
                           Function<NlMsgReader, T> decodeOne, String lookup) {
        Objects.requireNonNull(body, "body == null");
        lockForRequest(operation);
        try {
            checkOpen();
            writer.reset();
            int lookupSeq = 0;
            if (lookup != null) {   // no NLM_F_ACK: its one answer is the link or an error, discarded below
                lookupSeq = nextSeq();
                writer.beginMessage(RtnetlinkConstants.RTM_GETLINK, NLM_F_REQUEST, lookupSeq, 0);
                writer.ifInfoMsg(RtnetlinkConstants.AF_UNSPEC, 0, 0, 0, 0);
                writer.attrU32(IfLinkConstants.IFLA_EXT_MASK, RtnetlinkConstants.RTEXT_FILTER_SKIP_STATS);
                writer.attrString(IfLinkConstants.IFLA_IFNAME, lookup);
                writer.endMessage();
            }
            int s = nextSeq();
            int start = writer.beginMessage(type, flags | NLM_F_REQUEST | NLM_F_ACK, s, 0);
            body.accept(writer);
            writer.endMessage();
            send(operation, target, 0, writer.length());
            T result = null;
            boolean replied = false;
            // A change's answer (an ack, an echo) is small; a GET's reply may be as large as the kernel makes it.
            boolean answer = decodeOne == null || (flags & NetlinkConstants.NLM_F_ECHO) != 0;
            while (true) {
                int n = answer ? receiveAnswer(operation, target) : receive(operation, target);
                reader.reset(rxBuf, 0, n);
                while (reader.next()) {
                    if (reader.seq() != s) {
                        if (lookup == null || reader.seq() != lookupSeq) {
                            skipStale(s);
                        }
                        continue;
                    }
                    int mt = reader.type();
                    if (mt == NLMSG_ERROR) {
                        int err = reader.errorCode();
                        if (err == 0) {
                            warnIfAny(operation, target, reader);
                            return result;
                        }
                        throw failure(operation, target, -err, extAck(reader, writer, start));
                    } else if (mt == NLMSG_DONE) {
                        return result;
                    } else if (mt == NLMSG_NOOP) {
                        continue;
                    } else if (mt == NLMSG_OVERRUN) {
                        throw NetlinkException.withDetail(operation, target, Errno.ENOBUFS, "kernel reported NLMSG_OVERRUN", null);
                    }
                    if (!replied && decodeOne != null) {
                        replied = true;
                        result = decodeOne.apply(view(reader));
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Dumps a table: sends {@code type} with {@code NLM_F_REQUEST|NLM_F_DUMP} and decodes every reply message
     * until {@code NLMSG_DONE}. {@code decode} may return null to skip a message. If the kernel flags the
     * dump {@code NLM_F_DUMP_INTR} (the table changed while it was read), the whole dump is repeated, up to 5
     * attempts, so the result is always consistent.
     *
     * @throws DumpInterruptedException if every attempt was interrupted
     */
    public <T> List<T> dump(String operation, int type, Consumer<NlMsgWriter> body, Function<NlMsgReader, T> decode) {
        Objects.requireNonNull(body, "body == null");
        Objects.requireNonNull(decode, "decode == null");
        lockForRequest(operation);
        try {
            checkOpen();
            for (int attempt = 1; attempt <= MAX_DUMP_ATTEMPTS; attempt++) {
                List<T> out = DumpExchange.once(this, operation, type, body, decode);
                if (out != null) {
                    return out;
                }
                dumpRetries++;   // under lock
                LOG.debug("{}: dump interrupted (attempt {}), retrying", operation, attempt);
            }
            throw new DumpInterruptedException(operation, MAX_DUMP_ATTEMPTS);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A new, empty batch of change requests for this socket. See {@link NetlinkBatch}.
     */
    public NetlinkBatch batch() {
        checkOpen();
        return new NetlinkBatch(this);
    }

    /** Sends the batch's messages and collects one ack per request. Called by {@link NetlinkBatch#execute()}. */
    void executeBatch(NlMsgWriter batchWriter, int[] offsets, String[] operations, String[] targets, int count) {
        if (count == 0) {
            return;
        }
        lockForRequest("batch");
        try {
            checkOpen();
            int base = reserveSeqs(count);
            BatchExchange.chunked(this, batchWriter, offsets, operations, targets, count, base);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sends {@code count} complete messages, already written to {@code messages} (message {@code i} starts at
     * {@code offsets[i]}), in ONE {@code sendmsg}, numbering them with consecutive sequence numbers; then waits
     * until every message flagged {@code NLM_F_ACK} is answered, collecting the errors the kernel reports for any
     * message (flagged or not) meanwhile, or until it answers the first message with an error while that one was
     * not flagged (it refused the datagram as a whole). This is the transport of an nfnetlink batch
     * ({@code NFNL_MSG_BATCH_BEGIN}, requests, {@code NFNL_MSG_BATCH_END}), which the kernel applies as one
     * transaction only when it arrives in one datagram, and answers only after commit or abort: every error in
     * message order, then the acks of flagged messages, so flagging just the last request is enough to learn the
     * outcome (and keeps thousands of acks out of the receive buffer). Unlike {@link #batch()}, nothing is split
     * into several datagrams.
     *
     * @param operations what each message attempts, for error messages (parallel to offsets)
     * @param targets the object of each message, for error messages (entries may be null)
     * @throws NetlinkBatchException listing every message the kernel answered with an error, by index
     * @throws NetlinkException if the datagram cannot be sent (e.g. {@code EMSGSIZE} beyond the send buffer)
     */
    public void executeDatagram(NlMsgWriter messages, int[] offsets, String[] operations, String[] targets, int count) {
        Objects.requireNonNull(messages, "messages == null");
        if (count <= 0 || offsets.length < count || operations.length < count || targets.length < count) {
            throw new IllegalArgumentException("count " + count + " does not fit offsets/operations/targets");
        }
        lock.lock();
        try {
            checkOpen();
            drainAbandonedDump();
            int base = reserveSeqs(count);
            BatchExchange.oneDatagram(this, messages, offsets, operations, targets, count, base);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the socket. Idempotent; waits for a request in progress on another thread to finish (at most
     * the receive timeout).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                LibC.close(fd);
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many dumps were repeated because the kernel flagged them {@code NLM_F_DUMP_INTR} (diagnostics). */
    public long dumpRetries() {
        return dumpRetries;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "NetlinkSocket[protocol=" + protocol + ", port=" + Integer.toUnsignedString(portId)
                + (closed ? ", closed" : "") + "]";
    }

    // ---- internals (all under lock) ----

    private NetlinkException failure(String operation, String target, int errno, String extAck) {
        return new NetlinkException(operation, target, errno, extAck);
    }

    /** The extended ack of the error {@code r} is on, as text (see {@link ExtAcks#extAck}). */
    static String extAck(NlMsgReader r, NlMsgWriter request, int requestStart) {
        return ExtAcks.extAck(r, request, requestStart);
    }

    /**
     * Logs (WARN) and keeps the warning text the kernel may attach to a successful ack ({@code NLMSGERR_ATTR_MSG}
     * with error 0, e.g. "sch_htb: quantum of class 10001 is small").
     */
    void warnIfAny(String operation, String target, NlMsgReader r) {
        String w = r.extAckMessage();
        if (w != null) {
            String text = operation + (target == null ? "" : " " + target) + ": kernel warning: " + w;
            lastWarning = text;
            LOG.warn(text);
        }
    }

    /**
     * The warning the kernel sent with the most recent successful acknowledgement on this socket (the text
     * {@code ip}/{@code tc} print as "Warning: ..."), prefixed with the operation and target, or empty if none
     * has been sent. Warnings are also logged at WARN.
     */
    public java.util.Optional<String> lastWarning() {
        return java.util.Optional.ofNullable(lastWarning);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    /**
     * Reserves {@code count} consecutive sequence numbers and returns the first; skips 0 and negatives after
     * wrap-around (the window of the reserved numbers still matches).
     */
    private int reserveSeqs(int count) {
        int base = seq;
        seq += count;
        if (seq <= 0) {
            seq = 1;
        }
        return base;
    }

    int nextSeq() {
        int s = seq++;
        if (seq <= 0) {
            seq = 1;
        }
        return s;
    }

    NlMsgReader view(NlMsgReader r) {
        replyView.reset(r.buffer(), r.offset(), r.offset() + r.length());
        replyView.next();
        return replyView;
    }

    /** Reads what is left of an abandoned dump, if any (see {@link DumpExchange#drainAbandoned}). */
    void drainAbandonedDump() {
        DumpExchange.drainAbandoned(this);
    }

    void skipStale(int expected) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("discarding netlink message type {} seq {} (expecting {}): reply to an abandoned request",
                    reader.type(), reader.seq(), expected);
        }
    }

    void send(String operation, String target, int offset, int len) {
        sendFrom(writer, offset, len, operation, target);
    }

    void sendFrom(NlMsgWriter w, int offset, int len, String operation, String target) {
        ByteBuffer b = w.rawBuffer();
        Pointer p;
        if (w == writer) {
            if (b != txOwner) {
                txOwner = b;
                txPointer = LibC.pointer(b);
            }
            p = txPointer;
        } else {
            p = LibC.pointer(b);
        }
        if (offset != 0) {
            p = p.share(offset);
        }
        while (true) {
            long n = LibC.sendto(fd, p, len, 0, kernelAddr, kernelAddr.length);
            if (n >= 0) {
                if (n != len) {
                    throw NetlinkException.withDetail(operation, target, 0, "short send: " + n + " of " + len + " bytes", null);
                }
                return;
            }
            int e = LibC.errno();
            if (e != Errno.EINTR) {
                throw new NetlinkException(operation, target, e, null);
            }
        }
    }

    /** Receives one datagram, sized first with MSG_PEEK|MSG_TRUNC (see {@link SocketReceive#receive}). */
    int receive(String operation, String target) {
        return SocketReceive.receive(this, operation, target);
    }

    /** Receives the answer to a change with one recvfrom (see {@link SocketReceive#receiveAnswer}). */
    int receiveAnswer(String operation, String target) {
        return SocketReceive.receiveAnswer(this, operation, target);
    }

    /** Receives one datagram of a dump (see {@link SocketReceive#receiveDumpPart}). */
    int receiveDumpPart(String operation) {
        return SocketReceive.receiveDumpPart(this, operation);
    }

    void allocateRx(int capacity) {
        rxBuf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
        rxPointer = LibC.pointer(rxBuf);
    }
}
