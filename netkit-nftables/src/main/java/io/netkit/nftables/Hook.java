package io.netkit.nftables;

/** The netfilter hook of a base chain ({@code hook prerouting} etc. in {@code nft add chain}). */
public enum Hook {
    /** {@code prerouting} ({@code NF_INET_PRE_ROUTING}). */
    PREROUTING(0, "prerouting"),
    /** {@code input} ({@code NF_INET_LOCAL_IN}). */
    INPUT(1, "input"),
    /** {@code forward} ({@code NF_INET_FORWARD}). */
    FORWARD(2, "forward"),
    /** {@code output} ({@code NF_INET_LOCAL_OUT}). */
    OUTPUT(3, "output"),
    /** {@code postrouting} ({@code NF_INET_POST_ROUTING}). */
    POSTROUTING(4, "postrouting");

    private final int code;
    private final String nftName;

    Hook(int code, String nftName) {
        this.code = code;
        this.nftName = nftName;
    }

    /** The kernel's hook number. */
    public int code() {
        return code;
    }

    /** The name {@code nft} uses. */
    public String nftName() {
        return nftName;
    }

    /** The hook with number {@code code}, or null. */
    public static Hook ofCode(int code) {
        for (Hook h : values()) {
            if (h.code == code) {
                return h;
            }
        }
        return null;
    }
}
