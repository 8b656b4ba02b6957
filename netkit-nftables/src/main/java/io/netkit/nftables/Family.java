package io.netkit.nftables;

/**
 * The address family of an nf_tables table ({@code nfgen_family}): {@code nft add table inet NAME} is
 * {@link #INET}, {@code ... ip NAME} is {@link #IP}, {@code ... ip6 NAME} is {@link #IP6}.
 */
public enum Family {
    /** {@code inet}: IPv4 and IPv6 ({@code NFPROTO_INET}). */
    INET(1, "inet"),
    /** {@code ip}: IPv4 ({@code NFPROTO_IPV4}). */
    IP(2, "ip"),
    /** {@code ip6}: IPv6 ({@code NFPROTO_IPV6}). */
    IP6(10, "ip6");

    private final int code;
    private final String nftName;

    Family(int code, String nftName) {
        this.code = code;
        this.nftName = nftName;
    }

    /** The kernel's {@code NFPROTO_*} value. */
    public int code() {
        return code;
    }

    /** The name {@code nft} uses ({@code inet}, {@code ip}, {@code ip6}). */
    public String nftName() {
        return nftName;
    }

    /** The family with kernel value {@code code}, or null if netkit does not model it. */
    public static Family ofCode(int code) {
        for (Family f : values()) {
            if (f.code == code) {
                return f;
            }
        }
        return null;
    }
}
