package io.netkit.iptables;

/**
 * Which kernel interface the iptables tools drive. Both backends ship in Debian's {@code iptables} package;
 * {@code update-alternatives --display iptables} shows the system default.
 *
 * <p>{@code Backend.NFT.restoreCommand(Family.IPV4)} is {@code "iptables-nft-restore"}.
 */
public enum Backend {
    /** {@code iptables-nft}: rules live in nf_tables tables (what {@code iptables -V} shows as "(nf_tables)"). */
    NFT("nft"),
    /** {@code iptables-legacy}: rules live in the x_tables kernel tables ("(legacy)"). */
    LEGACY("legacy");

    private final String suffix;

    Backend(String suffix) {
        this.suffix = suffix;
    }

    /** {@code iptables-nft-restore}, {@code ip6tables-legacy-restore}, ... */
    public String restoreCommand(Family family) {
        return family.command() + "-" + suffix + "-restore";
    }

    /** {@code iptables-nft-save}, {@code ip6tables-legacy-save}, ... */
    public String saveCommand(Family family) {
        return family.command() + "-" + suffix + "-save";
    }

    /** {@code iptables-nft}, {@code ip6tables-legacy}, ... */
    public String command(Family family) {
        return family.command() + "-" + suffix;
    }
}
