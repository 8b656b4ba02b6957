package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.NetlinkConstants.NLA_F_NESTED;
import static io.netkit.netlink.codec.NetlinkConstants.NLA_F_NET_BYTEORDER;
import static io.netkit.netlink.codec.NetlinkConstants.NLA_HDRLEN;
import static io.netkit.netlink.codec.NetlinkConstants.NLA_TYPE_MASK;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A cursor over the attributes ({@code struct nlattr}) in a bounded region of a received buffer.
 *
 * <pre>{@code
 * NlAttrReader a = msg.attributes(IFINFOMSG_LEN);
 * while (a.next()) {
 *     switch (a.type()) {
 *         case IFLA_IFNAME -> name = a.string();
 *         case IFLA_MTU -> mtu = a.u32();
 *         case IFLA_LINKINFO -> { NlAttrReader info = a.nested(); ... }
 *         default -> { }   // unknown attributes are simply passed over; nothing is dropped or merged
 *     }
 * }
 * }</pre>
 *
 * <p>It never trusts a length: every header must satisfy {@code 4 <= nla_len <= remaining}, every accessor
 * checks the payload is long enough, the cursor always advances by at least 4 bytes, and any violation
 * throws {@link MalformedMessageException} with the offset (after which the cursor is exhausted). Repeated
 * attributes are visited as often as they occur. {@link #type()} has {@code NLA_F_NESTED} and
 * {@code NLA_F_NET_BYTEORDER} masked off. Reading allocates nothing except for {@link #string()},
 * {@link #bytes()} and {@link #nested()}.
 *
 * <p>Not thread-safe; views the buffer without copying, so it is valid only while the buffer's
 * content is.
 */
public final class NlAttrReader {
    private ByteBuffer buf;
    private int start;
    private int end;
    private int next;
    private int cur = -1;
    private int curLen;
    private int curRawType;

    /** An empty cursor; use {@link #reset(ByteBuffer, int, int)} to point it somewhere. */
    public NlAttrReader() {
        this.buf = ByteBuffer.allocate(0).order(ByteOrder.nativeOrder());
    }

    /** A cursor over {@code [start, end)} of {@code buf} (absolute offsets; the buffer's position is ignored). */
    public NlAttrReader(ByteBuffer buf, int start, int end) {
        reset(buf, start, end);
    }

    /**
     * Points this cursor at {@code [start, end)} of {@code buf}. The buffer's own byte order is not changed:
     * a buffer not in native order is viewed through a native-order duplicate.
     */
    public NlAttrReader reset(ByteBuffer buf, int start, int end) {
        if (start < 0 || end < start || end > buf.limit()) {
            throw new IndexOutOfBoundsException("region [" + start + ", " + end + ") outside buffer limit " + buf.limit());
        }
        this.buf = buf.order() == ByteOrder.nativeOrder() ? buf : buf.duplicate().order(ByteOrder.nativeOrder());
        this.start = start;
        this.end = end;
        this.next = start;
        this.cur = -1;
        return this;
    }

    /** Moves back to before the first attribute of the region. */
    public NlAttrReader rewind() {
        next = start;
        cur = -1;
        return this;
    }

    /**
     * Advances to the next attribute.
     *
     * @return false at the end of the region
     * @throws MalformedMessageException if the next header is truncated or its length is impossible
     */
    public boolean next() {
        if (next >= end) {
            cur = -1;
            return false;
        }
        int at = next;
        int remaining = end - at;
        if (remaining < NLA_HDRLEN) {
            exhaust();
            throw new MalformedMessageException("truncated attribute header (" + remaining + " byte(s) left)", at);
        }
        int len = buf.getShort(at) & 0xFFFF;
        if (len < NLA_HDRLEN || len > remaining) {
            exhaust();
            throw new MalformedMessageException("attribute length " + len + " outside [4, " + remaining + "]", at);
        }
        cur = at;
        curLen = len;
        curRawType = buf.getShort(at + 2) & 0xFFFF;
        // len >= 4, so the cursor always moves forward; padding after the last attribute may be missing.
        next = Math.min(end, at + NetlinkConstants.align(len));
        return true;
    }

    /**
     * Positions the cursor on the first attribute of {@code type} in the region, starting from the beginning.
     *
     * @return false if there is none (the cursor is then exhausted)
     */
    public boolean seek(int type) {
        rewind();
        while (next()) {
            if (type() == type) {
                return true;
            }
        }
        return false;
    }

    /** The attribute type with {@code NLA_F_NESTED} and {@code NLA_F_NET_BYTEORDER} masked off. */
    public int type() {
        checkPositioned();
        return curRawType & NLA_TYPE_MASK;
    }

    /** The attribute type exactly as received, flag bits included. */
    public int rawType() {
        checkPositioned();
        return curRawType;
    }

    /** Whether the sender flagged the attribute {@code NLA_F_NESTED}. */
    public boolean nestedFlag() {
        checkPositioned();
        return (curRawType & NLA_F_NESTED) != 0;
    }

    /** Whether the sender flagged the attribute {@code NLA_F_NET_BYTEORDER}. */
    public boolean netByteOrderFlag() {
        checkPositioned();
        return (curRawType & NLA_F_NET_BYTEORDER) != 0;
    }

    /** Absolute offset of the current attribute's header. */
    public int offset() {
        checkPositioned();
        return cur;
    }

    /** Absolute offset of the current attribute's payload. */
    public int payloadOffset() {
        checkPositioned();
        return cur + NLA_HDRLEN;
    }

    /** Payload length of the current attribute ({@code nla_len - 4}, without padding). */
    public int payloadLength() {
        checkPositioned();
        return curLen - NLA_HDRLEN;
    }

    /** The buffer this cursor reads (native byte order). */
    public ByteBuffer buffer() {
        return buf;
    }

    /** The payload as one byte ({@code NLA_U8}). */
    public int u8() {
        need(1);
        return buf.get(cur + NLA_HDRLEN) & 0xFF;
    }

    /** The payload as a native-order 16-bit value ({@code NLA_U16}). */
    public int u16() {
        need(2);
        return buf.getShort(cur + NLA_HDRLEN) & 0xFFFF;
    }

    /** A 32-bit value (use {@link Integer#toUnsignedLong} where it is unsigned and may exceed 2^31). */
    public int u32() {
        need(4);
        return buf.getInt(cur + NLA_HDRLEN);
    }

    /** The payload as a native-order 64-bit value ({@code NLA_U64}). */
    public long u64() {
        need(8);
        return buf.getLong(cur + NLA_HDRLEN);
    }

    /** A 16-bit value in network byte order ({@code __be16}). */
    public int be16() {
        need(2);
        int p = cur + NLA_HDRLEN;
        return ((buf.get(p) & 0xFF) << 8) | (buf.get(p + 1) & 0xFF);
    }

    /** A 32-bit value in network byte order ({@code __be32}). */
    public int be32() {
        need(4);
        int p = cur + NLA_HDRLEN;
        return ((buf.get(p) & 0xFF) << 24) | ((buf.get(p + 1) & 0xFF) << 16)
                | ((buf.get(p + 2) & 0xFF) << 8) | (buf.get(p + 3) & 0xFF);
    }

    /** The payload as text: up to the first NUL, or the whole payload if it has none; UTF-8. */
    public String string() {
        checkPositioned();
        int p = cur + NLA_HDRLEN;
        int n = curLen - NLA_HDRLEN;
        int len = 0;
        while (len < n && buf.get(p + len) != 0) {
            len++;
        }
        byte[] b = new byte[len];
        buf.get(p, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A copy of the payload. */
    public byte[] bytes() {
        checkPositioned();
        byte[] b = new byte[curLen - NLA_HDRLEN];
        buf.get(cur + NLA_HDRLEN, b);
        return b;
    }

    /** A new cursor over the payload of the current attribute, read as nested attributes. */
    public NlAttrReader nested() {
        return nested(0, new NlAttrReader());
    }

    /** Points {@code reuse} at the payload of the current attribute (allocation-free variant). */
    public NlAttrReader nested(NlAttrReader reuse) {
        return nested(0, reuse);
    }

    /**
     * A cursor over the payload after a fixed header of {@code headerLength} bytes (aligned), as in
     * {@code VETH_INFO_PEER}, whose payload starts with a {@code struct ifinfomsg}.
     */
    public NlAttrReader nested(int headerLength, NlAttrReader reuse) {
        checkPositioned();
        int p = cur + NLA_HDRLEN;
        int skip = NetlinkConstants.align(headerLength);
        if (headerLength < 0 || skip > curLen - NLA_HDRLEN) {
            throw new MalformedMessageException("attribute type " + type() + ": payload of " + payloadLength()
                    + " byte(s) too short for a " + headerLength + "-byte header", cur);
        }
        return reuse.reset(buf, p + skip, cur + curLen);
    }

    private void need(int n) {
        checkPositioned();
        if (curLen - NLA_HDRLEN < n) {
            throw new MalformedMessageException("attribute type " + (curRawType & NLA_TYPE_MASK) + ": payload of "
                    + (curLen - NLA_HDRLEN) + " byte(s), need " + n, cur);
        }
    }

    private void checkPositioned() {
        if (cur < 0) {
            throw new IllegalStateException("cursor is not on an attribute: call next() first");
        }
    }

    private void exhaust() {
        next = end;
        cur = -1;
    }
}
