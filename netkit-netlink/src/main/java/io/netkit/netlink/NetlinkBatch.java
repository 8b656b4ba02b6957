package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;

import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.codec.RtnetlinkConstants;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Many change requests sent to the kernel in one {@code sendmsg} (what {@code ip -batch} does line by line,
 * in one system call): the kernel handles them in order and acknowledges each; the acks are matched back to
 * their requests by sequence number.
 *
 * <pre>{@code
 * NetlinkBatch b = socket.batch();
 * b.add("set link up", "veth0", RTM_NEWLINK, 0, w -> w.ifInfoMsg(AF_UNSPEC, 0, i0, IFF_UP, IFF_UP));
 * b.add("set link up", "veth1", RTM_NEWLINK, 0, w -> w.ifInfoMsg(AF_UNSPEC, 0, i1, IFF_UP, IFF_UP));
 * b.execute();    // throws NetlinkBatchException naming each failed request
 * }</pre>
 *
 * <p>Not atomic: every request is attempted, and those that succeed stay done even if others fail. Very
 * large batches are split into several {@code sendmsg} calls so their acks fit the socket's receive buffer.
 * A batch is built by one thread; {@link #execute()} is serialized with the socket's other requests.
 */
public final class NetlinkBatch {
    private final NetlinkSocket socket;
    private final NlMsgWriter writer = new NlMsgWriter(16 * 1024);
    private int[] offsets = new int[16];
    private String[] operations = new String[16];
    private String[] targets = new String[16];
    private int count;

    NetlinkBatch(NetlinkSocket socket) {
        this.socket = socket;
    }

    /**
     * Adds a request; the batch writes the {@code nlmsghdr} with {@code NLM_F_REQUEST|NLM_F_ACK} added to
     * {@code flags}, {@code body} writes the family header and attributes.
     *
     * @param operation what the request does, for its error (e.g. {@code "create link"})
     * @param target the object, for its error (e.g. {@code "veth7"}), or null
     */
    public NetlinkBatch add(String operation, String target, int type, int flags, Consumer<NlMsgWriter> body) {
        Objects.requireNonNull(body, "body == null");
        if (socket.protocol() == NetlinkConstants.NETLINK_ROUTE && type >= RtnetlinkConstants.RTM_NEWLINK
                && ((type - RtnetlinkConstants.RTM_NEWLINK) & 3) == 2 && (flags & NetlinkConstants.NLM_F_DUMP) != 0) {
            // The kernel never acknowledges a dump request, so its ack could not be matched.
            throw new IllegalArgumentException("a dump cannot be batched: " + operation + " (type " + type + ")");
        }
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, count * 2);
            operations = Arrays.copyOf(operations, count * 2);
            targets = Arrays.copyOf(targets, count * 2);
        }
        int start = writer.beginMessage(type, flags | NLM_F_REQUEST | NLM_F_ACK, 0, 0);
        try {
            body.accept(writer);
            writer.endMessage();
        } catch (RuntimeException e) {
            writer.truncate(start);   // drop the half-written message; the batch stays well-formed
            throw e;
        }
        offsets[count] = start;
        operations[count] = operation;
        targets[count] = target;
        count++;
        return this;
    }

    /** Number of requests added and not yet executed. */
    public int size() {
        return count;
    }

    /**
     * Sends all requests and waits for every ack; then clears the batch so it can be reused.
     *
     * @throws NetlinkBatchException listing each failed request (the others succeeded)
     */
    public void execute() {
        try {
            socket.executeBatch(writer, offsets, operations, targets, count);
        } finally {
            clear();
        }
    }

    /** Discards the requests added so far. */
    public void clear() {
        writer.reset();
        Arrays.fill(operations, 0, count, null);
        Arrays.fill(targets, 0, count, null);
        count = 0;
    }
}
