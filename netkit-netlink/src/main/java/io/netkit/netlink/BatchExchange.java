package io.netkit.netlink;

import static io.netkit.netlink.ExtAcks.extAck;
import static io.netkit.netlink.NetlinkSocket.MAX_BATCH_CHUNK_BYTES;
import static io.netkit.netlink.NetlinkSocket.MAX_BATCH_CHUNK_MESSAGES;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_ERROR;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;

import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.internal.LibC;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The exchanges of many requests at once on a {@link NetlinkSocket}: a {@link NetlinkBatch} sent in chunks of
 * {@code sendmsg} calls with one ack matched per request, and an nfnetlink transaction sent as one datagram.
 * Called by the socket with its lock held and the sequence numbers {@code [base, base + count)} reserved.
 */
final class BatchExchange {
    private BatchExchange() {
    }

    /** Sends the batch's messages in chunks and collects one ack per request (see {@link NetlinkSocket#batch()}). */
    static void chunked(NetlinkSocket socket, NlMsgWriter batchWriter, int[] offsets, String[] operations,
                        String[] targets, int count, int base) {
        NlMsgReader reader = socket.reader;
        for (int i = 0; i < count; i++) {
            batchWriter.patchSeq(offsets[i], base + i);
        }
        List<NetlinkException> failures = new ArrayList<>();
        List<Integer> failedIndices = new ArrayList<>();
        boolean[] answered = new boolean[count];
        int total = batchWriter.length();
        int first = 0;
        while (first < count) {
            int last = first;   // exclusive
            int chunkStart = offsets[first];
            while (last < count && last - first < MAX_BATCH_CHUNK_MESSAGES) {
                int msgEnd = last + 1 < count ? offsets[last + 1] : total;
                if (last > first && msgEnd - chunkStart > MAX_BATCH_CHUNK_BYTES) {
                    break;
                }
                last++;
            }
            int chunkEnd = last < count ? offsets[last] : total;
            int pending = last - first;
            try {
                socket.sendFrom(batchWriter, chunkStart, chunkEnd - chunkStart, operations[first], targets[first]);
            } catch (NetlinkException e) {
                throw partial(e, failures, failedIndices, answered, first, first, count);
            }
            while (pending > 0) {
                int n;
                try {
                    n = socket.receiveAnswer("batch", null);
                } catch (NetlinkException e) {
                    // The kernel handled the whole chunk inside sendmsg: every answer that was not lost is queued
                    // now. Drop them, so that the next request does not start on a half-read chunk.
                    drainQueued(socket);
                    throw partial(e, failures, failedIndices, answered, first, last, count);
                }
                reader.reset(socket.rxBuf, 0, n);
                while (reader.next()) {
                    int idx = reader.seq() - base;
                    if (idx < first || idx >= last || reader.type() != NLMSG_ERROR) {
                        if (idx < 0 || idx >= count) {
                            socket.skipStale(base);
                        }
                        continue;   // stale, or an echo/reply that precedes the ack
                    }
                    if (answered[idx]) {
                        continue;
                    }
                    answered[idx] = true;
                    pending--;
                    int err = reader.errorCode();
                    if (err == 0) {
                        socket.warnIfAny(operations[idx], targets[idx], reader);
                    } else {
                        failures.add(new NetlinkException(operations[idx], targets[idx], -err,
                                extAck(reader, batchWriter, offsets[idx])));
                        failedIndices.add(idx);
                    }
                }
            }
            first = last;
        }
        if (!failures.isEmpty()) {
            // Report in request order regardless of ack order.
            List<Integer> order = requestOrder(failedIndices);
            List<NetlinkException> f = new ArrayList<>();
            List<Integer> fi = new ArrayList<>();
            for (int i : order) {
                f.add(failures.get(i));
                fi.add(failedIndices.get(i));
            }
            throw new NetlinkBatchException(f, fi, count);
        }
    }

    /** Sends the messages in ONE datagram and collects the acks (see {@link NetlinkSocket#executeDatagram}). */
    static void oneDatagram(NetlinkSocket socket, NlMsgWriter messages, int[] offsets, String[] operations,
                            String[] targets, int count, int base) {
        NlMsgReader reader = socket.reader;
        ByteBuffer b = messages.rawBuffer();
        boolean[] wantsAck = new boolean[count];
        int pending = 0;
        for (int i = 0; i < count; i++) {
            messages.patchSeq(offsets[i], base + i);
            wantsAck[i] = (b.getShort(offsets[i] + 6) & NLM_F_ACK) != 0;
            if (wantsAck[i]) {
                pending++;
            }
        }
        socket.sendFrom(messages, 0, messages.length(), operations[0], targets[0]);
        List<NetlinkException> failures = new ArrayList<>();
        List<Integer> failedIndices = new ArrayList<>();
        List<Integer> offs = new ArrayList<>();
        boolean[] answered = new boolean[count];
        boolean refused = false;
        while (pending > 0 && !refused) {
            int n = socket.receiveAnswer(operations[0], targets[0]);
            reader.reset(socket.rxBuf, 0, n);
            while (reader.next()) {
                int idx = reader.seq() - base;
                if (idx < 0 || idx >= count || reader.type() != NLMSG_ERROR) {
                    if (idx < 0 || idx >= count) {
                        socket.skipStale(base);
                    }
                    continue;
                }
                int err = reader.errorCode();
                if (err != 0) {
                    failures.add(new NetlinkException(operations[idx], targets[idx], -err, extAck(reader, messages, offsets[idx])));
                    failedIndices.add(idx);
                    long off = reader.extAckU32(io.netkit.netlink.codec.NetlinkConstants.NLMSGERR_ATTR_OFFS);
                    offs.add(off >= 0 && off <= Integer.MAX_VALUE ? (int) off : -1);
                    if (idx == 0 && !wantsAck[0]) {
                        refused = true;   // the header of the datagram (a batch begin) refused: nothing follows
                    }
                }
                if (wantsAck[idx] && !answered[idx]) {
                    answered[idx] = true;
                    pending--;
                }
            }
        }
        if (!failures.isEmpty()) {
            List<Integer> order = requestOrder(failedIndices);
            List<NetlinkException> f = new ArrayList<>();
            List<Integer> fi = new ArrayList<>();
            List<Integer> fo = new ArrayList<>();
            for (int i : order) {
                f.add(failures.get(i));
                fi.add(failedIndices.get(i));
                fo.add(offs.get(i));
            }
            throw new NetlinkBatchException(f, fi, count, fo);
        }
    }

    /**
     * The batch stopped part-way ({@code e}) while requests {@code [first, sentEnd)} of the current chunk were out:
     * what was learned until then, as a {@link NetlinkBatchException}.
     */
    private static NetlinkBatchException partial(NetlinkException e, List<NetlinkException> failures,
                                                 List<Integer> failedIndices, boolean[] answered, int first,
                                                 int sentEnd, int count) {
        List<Integer> applied = new ArrayList<>();
        List<Integer> unconfirmed = new ArrayList<>();
        List<Integer> notSent = new ArrayList<>();
        List<Integer> order = requestOrder(failedIndices);
        List<NetlinkException> f = new ArrayList<>();
        List<Integer> fi = new ArrayList<>();
        for (int i : order) {
            f.add(failures.get(i));
            fi.add(failedIndices.get(i));
        }
        for (int i = 0; i < count; i++) {
            if (answered[i]) {
                if (!fi.contains(i)) {
                    applied.add(i);
                }
            } else if (i < sentEnd) {
                unconfirmed.add(i);
            } else {
                notSent.add(i);
            }
        }
        return new NetlinkBatchException(e, f, fi, applied, unconfirmed, notSent, count);
    }

    /**
     * The positions in {@code failedIndices} (parallel to the list of failures) sorted by request index, ties kept
     * in arrival order: failures are reported in request order regardless of the order of the acks.
     */
    private static List<Integer> requestOrder(List<Integer> failedIndices) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < failedIndices.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> Integer.compare(failedIndices.get(a), failedIndices.get(b)));
        return order;
    }

    /** Reads and discards every datagram already queued (without waiting), including a pending ENOBUFS. */
    private static void drainQueued(NetlinkSocket socket) {
        for (int i = 0; i < 100_000; i++) {
            long n = LibC.recvfrom(socket.fd, socket.rxPointer, socket.rxBuf.capacity(), LibC.MSG_DONTWAIT | LibC.MSG_TRUNC, null, null);
            if (n < 0 && LibC.errno() != Errno.ENOBUFS && LibC.errno() != Errno.EINTR) {
                return;   // EAGAIN: empty
            }
        }
    }
}
