/**
 * netkit-nftables: nf_tables over nfnetlink, in-process. Tables, chains, rules, sets and maps as values;
 * a transaction per change ({@code NFNL_MSG_BATCH_BEGIN ... END}); listing back into values. What
 * {@code nft -f} and {@code nft list} do, without a process.
 */
module io.netkit.nftables {
    requires transitive io.netkit.netlink;

    exports io.netkit.nftables;
}
