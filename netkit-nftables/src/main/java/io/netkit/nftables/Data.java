package io.netkit.nftables;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Bytes in an expression or set element ({@code NFTA_DATA_VALUE}), as an immutable value with equality by
 * content. At most 64 bytes ({@code NFT_DATA_VALUE_MAXLEN}).
 */
public final class Data {
    /** {@code NFT_DATA_VALUE_MAXLEN}. */
    public static final int MAX_LENGTH = 64;

    private final byte[] bytes;

    private Data(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes} (1..64 of them). */
    public static Data of(byte... bytes) {
        Objects.requireNonNull(bytes, "bytes == null");
        if (bytes.length == 0 || bytes.length > MAX_LENGTH) {
            throw new IllegalArgumentException("data of " + bytes.length + " bytes: need 1.." + MAX_LENGTH);
        }
        return new Data(bytes.clone());
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** The number of bytes. */
    public int length() {
        return bytes.length;
    }

    /** The byte at {@code i}, unsigned. */
    public int get(int i) {
        return bytes[i] & 0xFF;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Data d && Arrays.equals(bytes, d.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The bytes in hex, e.g. {@code 0x0a000001}. */
    @Override
    public String toString() {
        return "0x" + HexFormat.of().formatHex(bytes);
    }
}
