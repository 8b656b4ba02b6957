package io.netkit.netlink;

import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELROUTE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWROUTE;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The decoder behind {@link RtNetlink#decode(ByteBuffer)}: one message to its {@link RtMessage} variant. */
final class RtMessages {
    private RtMessages() {}

    private static final int AF_BRIDGE = 7;
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffer in which a delete message is decoded by the decoder of its "new" twin (same body). */
    private static final class Scratch {
        ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());
        final NlMsgReader reader = new NlMsgReader();
    }

    static List<RtMessage> decodeAll(ByteBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer == null");
        ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
        NlMsgReader r = new NlMsgReader().reset(b, b.position(), b.limit());
        List<RtMessage> out = new ArrayList<>();
        while (r.next()) {
            out.add(decode(r));
        }
        return out;
    }

    static RtMessage decode(NlMsgReader m) {
        int type = m.type();
        switch (type) {
            case RTM_NEWLINK: {
                if (m.u8(0) == AF_BRIDGE) {
                    return other(m);
                }
                Link l = Links.decode(m);
                return l == null ? other(m) : new RtMessage.NewLink(l);
            }
            case RTM_DELLINK: {
                if (m.u8(0) == AF_BRIDGE) {
                    return other(m);
                }
                Link l = Links.decode(asNew(m, RTM_NEWLINK));
                return l == null ? other(m) : new RtMessage.DelLink(l);
            }
            case RTM_NEWADDR: {
                Address a = Addresses.decode(m);
                return a == null ? other(m) : new RtMessage.NewAddress(a);
            }
            case RTM_DELADDR: {
                Address a = Addresses.decode(asNew(m, RTM_NEWADDR));
                return a == null ? other(m) : new RtMessage.DelAddress(a);
            }
            case RTM_NEWROUTE: {
                Route r = Routes.decode(m);
                return r == null ? other(m) : new RtMessage.NewRoute(r, (m.flags() & NetlinkConstants.NLM_F_REPLACE) != 0);
            }
            case RTM_DELROUTE: {
                Route r = Routes.decode(asNew(m, RTM_NEWROUTE));
                return r == null ? other(m) : new RtMessage.DelRoute(r);
            }
            case RTM_NEWNEIGH: {
                Neighbor n = Neighbors.decode(m);
                return n == null ? other(m) : new RtMessage.NewNeighbor(n);
            }
            case RTM_DELNEIGH: {
                Neighbor n = Neighbors.decode(asNew(m, RTM_NEWNEIGH));
                return n == null ? other(m) : new RtMessage.DelNeighbor(n);
            }
            default:
                return other(m);
        }
    }

    private static RtMessage other(NlMsgReader m) {
        byte[] raw = new byte[m.length()];
        m.buffer().get(m.offset(), raw);
        return new RtMessage.Other(m.type(), m.flags(), raw);
    }

    /**
     * The message {@code m} is on, copied with its type rewritten to {@code newType}: a delete notification has the
     * body of its "new" twin, so the one decoder serves both. Offsets in a {@link MalformedMessageException} are those
     * of the copy, i.e. relative to the message start, which the caller's context names.
     */
    private static NlMsgReader asNew(NlMsgReader m, int newType) {
        Scratch s = SCRATCH.get();
        int len = m.length();
        if (s.buf.capacity() < len) {
            s.buf = ByteBuffer.allocate(Math.max(len, 2 * s.buf.capacity())).order(ByteOrder.nativeOrder());
        }
        ByteBuffer src = m.buffer();
        for (int i = 0; i < len; i++) {
            s.buf.put(i, src.get(m.offset() + i));
        }
        s.buf.putShort(4, (short) newType);
        s.reader.reset(s.buf, 0, len);
        if (!s.reader.next()) {
            throw new MalformedMessageException("message of " + len + " bytes", m.offset());
        }
        return s.reader;
    }
}
