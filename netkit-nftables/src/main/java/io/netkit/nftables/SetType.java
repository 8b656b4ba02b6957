package io.netkit.nftables;

import java.util.Objects;

/**
 * The type of a set's keys or a map's values, as {@code nft} knows it ({@code type ipv4_addr}): the datatype
 * number {@code nft} stores in {@code NFTA_SET_KEY_TYPE}/{@code NFTA_SET_DATA_TYPE} and the length in bytes.
 * A concatenation ({@code ipv4_addr . inet_service}) packs each part into 4-byte-aligned slots.
 *
 * @param id the datatype number ({@code nft}'s {@code enum datatypes}; concatenations shift by 6 bits per part)
 * @param length the key or value length in bytes (0 for a type without bytes of its own, such as a verdict)
 * @param nftName the name {@code nft} shows
 */
public record SetType(int id, int length, String nftName) {
    /** {@code ipv4_addr} */
    public static final SetType IPV4_ADDR = new SetType(7, 4, "ipv4_addr");
    /** {@code ipv6_addr} */
    public static final SetType IPV6_ADDR = new SetType(8, 16, "ipv6_addr");
    /** {@code inet_proto} */
    public static final SetType INET_PROTO = new SetType(12, 1, "inet_proto");
    /** {@code inet_service}: a port, network byte order */
    public static final SetType INET_SERVICE = new SetType(13, 2, "inet_service");
    /** {@code ifname} */
    public static final SetType IFNAME = new SetType(41, 16, "ifname");
    /** {@code ipv4_addr . inet_service}: an address and a port, e.g. the target of a DNAT map */
    public static final SetType IPV4_ADDR_SERVICE = IPV4_ADDR.concat(INET_SERVICE);

    /** Validates the arguments. */
    public SetType {
        Objects.requireNonNull(nftName, "nftName == null");
        if (length < 0 || length > Data.MAX_LENGTH) {
            throw new IllegalArgumentException("set type " + nftName + " length " + length + " out of range 0..64");
        }
    }

    /** The concatenation {@code this . other}. */
    public SetType concat(SetType other) {
        return new SetType(id << 6 | other.id, align4(length) + align4(other.length), nftName + " . " + other.nftName);
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
