package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.NetlinkConstants.NLA_F_NESTED;
import static io.netkit.netlink.codec.NetlinkConstants.NLA_HDRLEN;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_HDRLEN;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Appends netlink messages ({@code struct nlmsghdr} + family header + attributes) to a direct buffer in
 * native byte order. One writer is reused for request after request: {@link #reset()} rewinds it, and it
 * allocates nothing in steady state (it only grows, by doubling, when a message does not fit).
 *
 * <p>Lengths are reserved and patched: {@link #beginMessage} and {@link #beginNested} write a placeholder
 * that {@link #endMessage} and {@link #endNested} fill in. Every attribute starts 4-byte aligned and its
 * padding is zeroed, as {@code NLA_ALIGN} requires. Several messages may be written back to back (a batch).
 *
 * <pre>{@code
 * NlMsgWriter w = new NlMsgWriter();
 * w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, 0);
 * w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
 * w.attrString(IFLA_IFNAME, "br0");
 * w.beginNested(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, "bridge").endNested();
 * w.endMessage();               // w.buffer() now holds 48 bytes: what `ip link add br0 type bridge` sends
 * }</pre>
 *
 * <p>Not thread-safe: one writer per thread or per lock holder.
 */
public final class NlMsgWriter {
    private static final int MAX_DEPTH = 32;

    private ByteBuffer buf;
    private int messageStart = -1;
    private final int[] nestStack = new int[MAX_DEPTH];
    private int depth;

    /** A writer with a 4 KiB buffer. */
    public NlMsgWriter() {
        this(4096);
    }

    /** A writer whose buffer starts at {@code initialCapacity} bytes and doubles when needed. */
    public NlMsgWriter(int initialCapacity) {
        if (initialCapacity < NLMSG_HDRLEN) {
            throw new IllegalArgumentException("initialCapacity < " + NLMSG_HDRLEN + ": " + initialCapacity);
        }
        buf = ByteBuffer.allocateDirect(initialCapacity).order(ByteOrder.nativeOrder());
    }

    /** Discards everything written so far; keeps the buffer. */
    public NlMsgWriter reset() {
        buf.clear();
        messageStart = -1;
        depth = 0;
        return this;
    }

    /**
     * Drops everything from {@code length} on, including an unfinished message or nest (used to discard a
     * message whose body failed half-way).
     */
    public NlMsgWriter truncate(int length) {
        if (length < 0 || length > buf.position()) {
            throw new IllegalArgumentException("length outside [0, " + buf.position() + "]: " + length);
        }
        buf.position(length);
        messageStart = -1;
        depth = 0;
        return this;
    }

    /**
     * The writer's own buffer, with position 0 and limit at the end of what was written. It is replaced
     * when the writer grows, so callers must not keep it across writes.
     */
    public ByteBuffer buffer() {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        b.position(0).limit(buf.position());
        return b;
    }

    /**
     * The writer's own buffer without a copy of its state: bytes {@code [0, length())} are the messages.
     * Identity changes when the writer grows. Do not change its position or limit.
     */
    public ByteBuffer rawBuffer() {
        return buf;
    }

    /** Bytes written so far. */
    public int length() {
        return buf.position();
    }

    /** A copy of the bytes written so far (for tests and logging). */
    public byte[] toByteArray() {
        byte[] out = new byte[buf.position()];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.get(i);
        }
        return out;
    }

    /** Offset of the message being written, or -1 outside a message. */
    public int messageStart() {
        return messageStart;
    }

    /**
     * Starts a message: writes a {@code struct nlmsghdr} whose length is patched by {@link #endMessage()}.
     *
     * @return the message's offset in the buffer (for patching its sequence number later)
     */
    public int beginMessage(int type, int flags, int seq, int portId) {
        if (messageStart >= 0) {
            throw new IllegalStateException("message at offset " + messageStart + " not ended");
        }
        alignPosition();
        ensure(NLMSG_HDRLEN);
        int start = buf.position();
        buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq).putInt(portId);
        messageStart = start;
        return start;
    }

    /** Ends the current message: pads to 4 bytes and patches {@code nlmsg_len}. */
    public NlMsgWriter endMessage() {
        if (messageStart < 0) {
            throw new IllegalStateException("no message begun");
        }
        if (depth != 0) {
            throw new IllegalStateException(depth + " nested attribute(s) not ended");
        }
        alignPosition();
        buf.putInt(messageStart, buf.position() - messageStart);
        messageStart = -1;
        return this;
    }

    /** Overwrites the sequence number of the message that starts at {@code messageOffset}. */
    public void patchSeq(int messageOffset, int seq) {
        buf.putInt(messageOffset + 8, seq);
    }

    /** Overwrites the flags of the message that starts at {@code messageOffset}. */
    public void patchFlags(int messageOffset, int flags) {
        buf.putShort(messageOffset + 6, (short) flags);
    }

    // ---- raw payload (family headers) ----

    /** Appends one byte (raw payload, e.g. a family header field; no alignment). */
    public NlMsgWriter u8(int v) {
        ensure(1);
        buf.put((byte) v);
        return this;
    }

    /** Appends a 16-bit value in native byte order (raw payload; no alignment). */
    public NlMsgWriter u16(int v) {
        ensure(2);
        buf.putShort((short) v);
        return this;
    }

    /** Appends a 32-bit value in native byte order (raw payload; no alignment). */
    public NlMsgWriter u32(int v) {
        ensure(4);
        buf.putInt(v);
        return this;
    }

    /** Appends a 64-bit value in native byte order (raw payload; no alignment). */
    public NlMsgWriter u64(long v) {
        ensure(8);
        buf.putLong(v);
        return this;
    }

    /** Appends raw bytes (raw payload; no alignment). */
    public NlMsgWriter bytes(byte[] v) {
        return bytes(v, 0, v.length);
    }

    /** Appends {@code len} raw bytes of {@code v} from {@code off} (raw payload; no alignment). */
    public NlMsgWriter bytes(byte[] v, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, v.length);
        ensure(len);
        buf.put(v, off, len);
        return this;
    }

    /** Writes {@code n} zero bytes. */
    public NlMsgWriter zeros(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("zeros: negative count " + n);
        }
        ensure(n);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
        return this;
    }

    /** Pads with zero bytes to the next multiple of 4. */
    public NlMsgWriter align() {
        alignPosition();
        return this;
    }

    /** {@code struct ifinfomsg} (16 bytes) for link requests. */
    public NlMsgWriter ifInfoMsg(int family, int type, int index, int flags, int change) {
        ensure(16);
        buf.put((byte) family).put((byte) 0).putShort((short) type).putInt(index).putInt(flags).putInt(change);
        return this;
    }

    /** {@code struct ifaddrmsg} (8 bytes) for address requests. */
    public NlMsgWriter ifAddrMsg(int family, int prefixLen, int flags, int scope, int index) {
        ensure(8);
        buf.put((byte) family).put((byte) prefixLen).put((byte) flags).put((byte) scope).putInt(index);
        return this;
    }

    /** {@code struct rtmsg} (12 bytes) for route requests. */
    public NlMsgWriter rtMsg(int family, int dstLen, int srcLen, int tos, int table, int protocol, int scope,
                             int type, int flags) {
        ensure(12);
        buf.put((byte) family).put((byte) dstLen).put((byte) srcLen).put((byte) tos)
                .put((byte) table).put((byte) protocol).put((byte) scope).put((byte) type).putInt(flags);
        return this;
    }

    /** {@code struct ndmsg} (12 bytes) for neighbour requests. */
    public NlMsgWriter ndMsg(int family, int index, int state, int flags, int type) {
        ensure(12);
        buf.put((byte) family).put((byte) 0).putShort((short) 0).putInt(index)
                .putShort((short) state).put((byte) flags).put((byte) type);
        return this;
    }

    // ---- attributes ----

    /** An attribute without payload (a flag attribute). */
    public NlMsgWriter attrFlag(int type) {
        attrHeader(type, 0);
        return this;
    }

    /** An attribute holding one byte ({@code NLA_U8}), padded to 4. */
    public NlMsgWriter attrU8(int type, int v) {
        attrHeader(type, 1);
        buf.put((byte) v);
        return padAttr();
    }

    /** An attribute holding a native-order 16-bit value ({@code NLA_U16}), padded to 4. */
    public NlMsgWriter attrU16(int type, int v) {
        attrHeader(type, 2);
        buf.putShort((short) v);
        return padAttr();
    }

    /** A 16-bit value in network byte order ({@code __be16}, e.g. a UDP port). */
    public NlMsgWriter attrBe16(int type, int v) {
        attrHeader(type, 2);
        buf.put((byte) (v >>> 8)).put((byte) v);
        return padAttr();
    }

    /** An attribute holding a native-order 32-bit value ({@code NLA_U32}). */
    public NlMsgWriter attrU32(int type, int v) {
        attrHeader(type, 4);
        buf.putInt(v);
        return this;
    }

    /** A 32-bit value in network byte order ({@code __be32}). */
    public NlMsgWriter attrBe32(int type, int v) {
        attrHeader(type, 4);
        buf.put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
        return this;
    }

    /** An attribute holding a native-order 64-bit value ({@code NLA_U64}). */
    public NlMsgWriter attrU64(int type, long v) {
        attrHeader(type, 8);
        buf.putLong(v);
        return this;
    }

    /**
     * A NUL-terminated string ({@code NLA_NUL_STRING}/{@code NLA_STRING} as iproute2 sends them).
     * ASCII is written without allocating; other text is encoded as UTF-8.
     */
    public NlMsgWriter attrString(int type, String s) {
        int n = s.length();
        boolean ascii = true;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException("string attribute contains NUL: \"" + s.replace("\0", "\\0") + "\"");
            }
            if (c >= 0x80) {
                ascii = false;
            }
        }
        if (ascii) {
            attrHeader(type, n + 1);
            for (int i = 0; i < n; i++) {
                buf.put((byte) s.charAt(i));
            }
            buf.put((byte) 0);
            return padAttr();
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        attrHeader(type, utf8.length + 1);
        buf.put(utf8).put((byte) 0);
        return padAttr();
    }

    /** An attribute holding {@code v} as is ({@code NLA_BINARY}, e.g. an address), padded to 4. */
    public NlMsgWriter attrBytes(int type, byte[] v) {
        return attrBytes(type, v, 0, v.length);
    }

    /** An attribute holding {@code len} bytes of {@code v} from {@code off}, padded to 4. */
    public NlMsgWriter attrBytes(int type, byte[] v, int off, int len) {
        java.util.Objects.checkFromIndexSize(off, len, v.length);
        attrHeader(type, len);
        buf.put(v, off, len);
        return padAttr();
    }

    /**
     * Starts a nested attribute ({@code NLA_F_NESTED} is not set: rtnetlink's legacy nests, such as
     * {@code IFLA_LINKINFO}, are sent without it by iproute2; use {@link #beginNested(int, boolean)} to set it).
     */
    public NlMsgWriter beginNested(int type) {
        return beginNested(type, false);
    }

    /** Starts a nested attribute, optionally flagged with {@code NLA_F_NESTED}. */
    public NlMsgWriter beginNested(int type, boolean nestedFlag) {
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("attributes nested deeper than " + MAX_DEPTH);
        }
        checkInMessage();
        alignPosition();
        ensure(NLA_HDRLEN);
        nestStack[depth++] = buf.position();
        buf.putShort((short) 0).putShort((short) (nestedFlag ? (type | NLA_F_NESTED) : type));
        return this;
    }

    /**
     * Starts one {@code struct rtnexthop} (8 bytes: length, flags, hops, ifindex) inside an {@code RTA_MULTIPATH}
     * nest; its attributes (e.g. {@code RTA_GATEWAY}) follow, and {@link #endNested()} patches its length.
     * {@code hops} is the weight minus one, as {@code ip route ... nexthop ... weight W} sends it.
     */
    public NlMsgWriter beginNextHop(int flags, int hops, int ifindex) {
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("attributes nested deeper than " + MAX_DEPTH);
        }
        checkInMessage();
        alignPosition();
        ensure(8);
        nestStack[depth++] = buf.position();
        buf.putShort((short) 0).put((byte) flags).put((byte) hops).putInt(ifindex);
        return this;
    }

    /** Ends the innermost nested attribute, patching its length (which includes its padded content). */
    public NlMsgWriter endNested() {
        if (depth == 0) {
            throw new IllegalStateException("no nested attribute begun");
        }
        alignPosition();
        int start = nestStack[--depth];
        int len = buf.position() - start;
        if (len > 0xFFFF) {
            throw new IllegalStateException("nested attribute longer than 65535 bytes: " + len);
        }
        buf.putShort(start, (short) len);
        return this;
    }

    // ---- internals ----

    private void attrHeader(int type, int payloadLen) {
        checkInMessage();
        // compare the payload itself: NLA_HDRLEN + payloadLen would overflow to a negative length for huge values
        if (payloadLen < 0 || payloadLen > 0xFFFF - NLA_HDRLEN) {
            throw new IllegalArgumentException("attribute " + type + " payload of " + payloadLen
                    + " byte(s): expected 0.." + (0xFFFF - NLA_HDRLEN) + " (an attribute is at most 65535 bytes)");
        }
        int len = NLA_HDRLEN + payloadLen;
        alignPosition();
        ensure(NetlinkConstants.align(len));
        buf.putShort((short) len).putShort((short) type);
    }

    private NlMsgWriter padAttr() {
        alignPosition();
        return this;
    }

    private void checkInMessage() {
        if (messageStart < 0) {
            throw new IllegalStateException("attribute outside a message: call beginMessage first");
        }
    }

    private void alignPosition() {
        int pos = buf.position();
        int pad = NetlinkConstants.align(pos) - pos;
        if (pad != 0) {
            ensure(pad);
            for (int i = 0; i < pad; i++) {
                buf.put((byte) 0);
            }
        }
    }

    private void ensure(int n) {
        if (buf.remaining() >= n) {
            return;
        }
        int needed = buf.position() + n;
        int cap = buf.capacity();
        if (n < 0 || needed < 0) {
            throw new IllegalArgumentException("cannot grow the buffer by " + n + " byte(s) past " + buf.position());
        }
        while (cap < needed) {
            cap = Math.multiplyExact(cap, 2);
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(cap).order(ByteOrder.nativeOrder());
        int pos = buf.position();
        buf.flip();
        bigger.put(buf);
        bigger.position(pos);
        buf = bigger;
    }
}
