package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_DONE;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_ERROR;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_HDRLEN;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK_TLVS;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CAPPED;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A cursor over the netlink messages in a received datagram (or any bounded region of a buffer).
 *
 * <pre>{@code
 * NlMsgReader m = new NlMsgReader(datagram);
 * while (m.next()) {
 *     if (m.type() == RTM_NEWLINK) {
 *         int index = m.s32(4);                           // ifinfomsg.ifi_index
 *         NlAttrReader a = m.attributes(IFINFOMSG_LEN);    // the IFLA_* attributes
 *     }
 * }
 * }</pre>
 *
 * <p>Every header is checked: {@code 16 <= nlmsg_len <= remaining}; fixed payload fields are read only
 * inside the current message; any violation throws {@link MalformedMessageException} with the offset and
 * exhausts the cursor. Not thread-safe; views the buffer without copying.
 */
public final class NlMsgReader {
    private ByteBuffer buf;
    private int end;
    private int next;
    private int cur = -1;
    private int curLen;

    /** An empty reader; use {@link #reset(ByteBuffer, int, int)}. */
    public NlMsgReader() {
        this.buf = ByteBuffer.allocate(0).order(ByteOrder.nativeOrder());
    }

    /** A reader over {@code [position, limit)} of {@code buf}. */
    public NlMsgReader(ByteBuffer buf) {
        reset(buf, buf.position(), buf.limit());
    }

    /**
     * Points this reader at {@code [start, end)} of {@code buf} (absolute offsets). A buffer not in native
     * byte order is viewed through a native-order duplicate; the caller's buffer is not changed.
     */
    public NlMsgReader reset(ByteBuffer buf, int start, int end) {
        if (start < 0 || end < start || end > buf.limit()) {
            throw new IndexOutOfBoundsException("region [" + start + ", " + end + ") outside buffer limit " + buf.limit());
        }
        this.buf = buf.order() == ByteOrder.nativeOrder() ? buf : buf.duplicate().order(ByteOrder.nativeOrder());
        this.end = end;
        this.next = start;
        this.cur = -1;
        return this;
    }

    /**
     * Advances to the next message.
     *
     * @return false when the region is used up
     * @throws MalformedMessageException if a header is truncated or declares an impossible length
     */
    public boolean next() {
        if (next >= end) {
            cur = -1;
            return false;
        }
        int at = next;
        int remaining = end - at;
        if (remaining < NLMSG_HDRLEN) {
            exhaust();
            throw new MalformedMessageException("truncated nlmsghdr (" + remaining + " byte(s) left)", at);
        }
        long len = Integer.toUnsignedLong(buf.getInt(at));
        if (len < NLMSG_HDRLEN || len > remaining) {
            exhaust();
            throw new MalformedMessageException("message length " + len + " outside [16, " + remaining + "]", at);
        }
        cur = at;
        curLen = (int) len;
        next = Math.min(end, at + NetlinkConstants.align(curLen));
        return true;
    }

    /** {@code nlmsg_type}. */
    public int type() {
        checkPositioned();
        return buf.getShort(cur + 4) & 0xFFFF;
    }

    /** {@code nlmsg_flags}. */
    public int flags() {
        checkPositioned();
        return buf.getShort(cur + 6) & 0xFFFF;
    }

    /** Whether all bits of {@code mask} are set in {@code nlmsg_flags}. */
    public boolean hasFlags(int mask) {
        return (flags() & mask) == mask;
    }

    /** {@code nlmsg_seq}. */
    public int seq() {
        checkPositioned();
        return buf.getInt(cur + 8);
    }

    /** {@code nlmsg_pid}: the port id of the socket the message was addressed to (0 from user space to kernel). */
    public int portId() {
        checkPositioned();
        return buf.getInt(cur + 12);
    }

    /** {@code nlmsg_len}: header plus payload. */
    public int length() {
        checkPositioned();
        return curLen;
    }

    /** Absolute offset of the current message's header. */
    public int offset() {
        checkPositioned();
        return cur;
    }

    /** Absolute offset of the payload (family header) of the current message. */
    public int payloadOffset() {
        checkPositioned();
        return cur + NLMSG_HDRLEN;
    }

    /** Payload length of the current message. */
    public int payloadLength() {
        checkPositioned();
        return curLen - NLMSG_HDRLEN;
    }

    /** The buffer this reader reads (native byte order). */
    public ByteBuffer buffer() {
        return buf;
    }

    // ---- fixed payload fields, offsets relative to the payload start ----

    /** The byte at payload offset {@code off} (e.g. {@code ifi_family} at 0), bounds-checked. */
    public int u8(int off) {
        return buf.get(field(off, 1)) & 0xFF;
    }

    /** The native-order 16-bit value at payload offset {@code off}, bounds-checked. */
    public int u16(int off) {
        return buf.getShort(field(off, 2)) & 0xFFFF;
    }

    /** The native-order signed 32-bit value at payload offset {@code off} (e.g. {@code ifi_index} at 4). */
    public int s32(int off) {
        return buf.getInt(field(off, 4));
    }

    /** The native-order 32-bit value at payload offset {@code off} (e.g. {@code ifi_flags} at 8). */
    public int u32(int off) {
        return buf.getInt(field(off, 4));
    }

    /** The native-order 64-bit value at payload offset {@code off}, bounds-checked. */
    public long u64(int off) {
        return buf.getLong(field(off, 8));
    }

    /** A copy of {@code len} payload bytes from offset {@code off}, bounds-checked. */
    public byte[] bytes(int off, int len) {
        int at = field(off, len);   // checked before allocating: a bogus length never allocates
        byte[] b = new byte[len];
        buf.get(at, b);
        return b;
    }

    /**
     * A new cursor over the attributes that follow a family header of {@code familyHeaderLength} bytes
     * (e.g. {@link RtnetlinkConstants#IFINFOMSG_LEN}).
     */
    public NlAttrReader attributes(int familyHeaderLength) {
        return attributes(familyHeaderLength, new NlAttrReader());
    }

    /** Points {@code reuse} at the attributes of the current message (allocation-free variant). */
    public NlAttrReader attributes(int familyHeaderLength, NlAttrReader reuse) {
        checkPositioned();
        long from = (long) cur + NLMSG_HDRLEN + (((long) familyHeaderLength + 3) & ~3L);
        if (familyHeaderLength < 0 || from > cur + curLen) {
            // A header that fits unaligned but not aligned leaves no room for attributes at all.
            if (familyHeaderLength >= 0 && (long) NLMSG_HDRLEN + familyHeaderLength <= curLen) {
                return reuse.reset(buf, cur + curLen, cur + curLen);
            }
            throw new MalformedMessageException("message type " + type() + " of length " + curLen
                    + " too short for a " + familyHeaderLength + "-byte family header", cur);
        }
        return reuse.reset(buf, (int) from, cur + curLen);
    }

    // ---- NLMSG_ERROR / NLMSG_DONE ----

    /**
     * The {@code error} field of an {@code NLMSG_ERROR} or {@code NLMSG_DONE} message: 0 for an ack,
     * {@code -errno} for a failure.
     */
    public int errorCode() {
        return s32(0);
    }

    /**
     * The sequence number of the request an {@code NLMSG_ERROR} answers (from the echoed request header).
     */
    public int errorRequestSeq() {
        return s32(4 + 8);
    }

    /**
     * The kernel's extended-ack text ({@code NLMSGERR_ATTR_MSG}) of an {@code NLMSG_ERROR} or
     * {@code NLMSG_DONE} message, or null if it carries none.
     */
    public String extAckMessage() {
        NlAttrReader tlvs = extAckAttributes();
        if (tlvs != null && tlvs.seek(NetlinkConstants.NLMSGERR_ATTR_MSG)) {
            String s = tlvs.string();
            return s.isEmpty() ? null : s;
        }
        return null;
    }

    /**
     * A 32-bit extended-ack attribute ({@code NLMSGERR_ATTR_OFFS}, {@code NLMSGERR_ATTR_MISS_TYPE},
     * {@code NLMSGERR_ATTR_MISS_NEST}) of an {@code NLMSG_ERROR} or {@code NLMSG_DONE} message as an unsigned
     * value, or -1 if it carries none.
     */
    public long extAckU32(int attrType) {
        NlAttrReader tlvs = extAckAttributes();
        if (tlvs != null && tlvs.seek(attrType) && tlvs.payloadLength() >= 4) {
            return Integer.toUnsignedLong(tlvs.u32());
        }
        return -1;
    }

    /**
     * The extended-ack attributes ({@code NLMSGERR_ATTR_*}) of an {@code NLMSG_ERROR} or {@code NLMSG_DONE}
     * message, or null without {@code NLM_F_ACK_TLVS}.
     */
    public NlAttrReader extAckAttributes() {
        checkPositioned();
        if ((flags() & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int type = type();
        int skip;
        if (type == NLMSG_DONE) {
            skip = 4;
        } else if (type == NLMSG_ERROR) {
            // struct nlmsgerr: int error; struct nlmsghdr msg; then the request's payload unless capped.
            if ((flags() & NLM_F_CAPPED) != 0) {
                skip = 4 + NLMSG_HDRLEN;
            } else {
                long reqLen = Integer.toUnsignedLong(u32(4));
                if (reqLen < NLMSG_HDRLEN || reqLen > Integer.MAX_VALUE - 8) {
                    throw new MalformedMessageException("echoed request length " + reqLen + " invalid", cur + NLMSG_HDRLEN + 4);
                }
                skip = 4 + (int) reqLen;
            }
        } else {
            return null;
        }
        int from = cur + NLMSG_HDRLEN + NetlinkConstants.align(skip);
        if (skip > curLen - NLMSG_HDRLEN || from > cur + curLen) {
            throw new MalformedMessageException("error message of length " + curLen + " too short for its "
                    + skip + "-byte body", cur);
        }
        return new NlAttrReader(buf, from, cur + curLen);
    }

    private int field(int off, int size) {
        checkPositioned();
        if (off < 0 || size < 0 || (long) off + size > curLen - NLMSG_HDRLEN) {
            throw new MalformedMessageException("message type " + type() + ": field [" + off + ", " + (off + size)
                    + ") outside payload of " + (curLen - NLMSG_HDRLEN) + " byte(s)", cur);
        }
        return cur + NLMSG_HDRLEN + off;
    }

    private void checkPositioned() {
        if (cur < 0) {
            throw new IllegalStateException("reader is not on a message: call next() first");
        }
    }

    private void exhaust() {
        next = end;
        cur = -1;
    }
}
