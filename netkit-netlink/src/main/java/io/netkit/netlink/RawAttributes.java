package io.netkit.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Netlink attributes that netkit does not decode into typed fields, kept as the raw attribute bytes
 * (headers included, 4-byte aligned, host byte order) exactly as the kernel sent them, in order, repeats kept.
 *
 * <p>Decoding keeps them cheaply: one byte array per message, and none at all when there are none
 * ({@link #EMPTY}). Compared by content.
 */
public final class RawAttributes {
    /** No attributes. */
    public static final RawAttributes EMPTY = new RawAttributes(new byte[0]);

    private final byte[] bytes;

    private RawAttributes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Wraps a copy of already-encoded attributes (each a {@code struct nlattr} plus payload, aligned). */
    public static RawAttributes of(byte[] encoded) {
        byte[] copy = encoded.clone();
        validate(copy);
        return copy.length == 0 ? EMPTY : new RawAttributes(copy);
    }

    /** Takes ownership of {@code encoded} (no copy); for decoders that built it themselves. */
    static RawAttributes wrap(byte[] encoded) {
        return encoded.length == 0 ? EMPTY : new RawAttributes(encoded);
    }

    private static void validate(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        int pos = 0;
        while (pos < b.length) {
            if (b.length - pos < 4) {
                throw new IllegalArgumentException("truncated attribute header at offset " + pos);
            }
            int len = buf.getShort(pos) & 0xffff;
            if (len < 4 || len > b.length - pos) {
                throw new IllegalArgumentException("bad attribute length " + len + " at offset " + pos);
            }
            pos += (len + 3) & ~3;
        }
    }

    /** True when there are none. */
    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /** The attribute types in order (flag bits {@code NLA_F_NESTED}/{@code NLA_F_NET_BYTEORDER} masked off). */
    public List<Integer> types() {
        List<Integer> types = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        for (int pos = 0; pos + 4 <= bytes.length; ) {
            int len = buf.getShort(pos) & 0xffff;
            types.add(buf.getShort(pos + 2) & 0x3fff);
            pos += (Math.max(len, 4) + 3) & ~3;
        }
        return types;
    }

    /** The payload of the first attribute of {@code type}, if any (a fresh array). */
    public Optional<byte[]> payload(int type) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
        for (int pos = 0; pos + 4 <= bytes.length; ) {
            int len = buf.getShort(pos) & 0xffff;
            if ((buf.getShort(pos + 2) & 0x3fff) == type) {
                return Optional.of(Arrays.copyOfRange(bytes, pos + 4, pos + len));
            }
            pos += (Math.max(len, 4) + 3) & ~3;
        }
        return Optional.empty();
    }

    /** All attribute bytes (a fresh array). */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawAttributes && Arrays.equals(bytes, ((RawAttributes) o).bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "RawAttributes" + types();
    }
}
