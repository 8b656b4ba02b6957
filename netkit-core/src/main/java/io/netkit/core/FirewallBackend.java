package io.netkit.core;

/**
 * Which firewall a network's rules (FORWARD accepts, masquerade, published ports' DNAT) live in.
 *
 * <ul>
 *   <li>{@link #IPTABLES}: chains {@code NETKIT-*} applied with {@code iptables-restore}/{@code ip6tables-restore}
 *       run inside the host namespace (a process per change); the administrator's chain is {@code NETKIT-USER}.</li>
 *   <li>{@link #NFTABLES}: native nf_tables over nfnetlink, in-process, no binary needed: one table
 *       {@code table inet netkit} per host namespace holding base chains {@code forward} (filter, priority 0),
 *       {@code prerouting}/{@code output} (nat, -100), {@code postrouting} (nat, 100), the administrator's chain
 *       {@code user} (created when absent, never flushed or deleted by netkit, jumped to first) and per network the
 *       regular chains {@code fwd-ID}, {@code post-ID}, {@code dnat-ID}; every change of a network is one atomic
 *       transaction ({@code nft -f}). Both families live in the one {@code inet} table.</li>
 *   <li>{@link #AUTO} (the default): decided per host namespace when a network is created: {@link #NFTABLES} when the kernel
 *       answers nf_tables ({@code NFT_MSG_GETGEN}) and the host namespace has no iptables-legacy tables loaded
 *       ({@code /proc/net/ip_tables_names} and {@code ip6_tables_names} empty there: rules of a legacy iptables would
 *       run beside netkit's and could not be seen or ordered with them), or when there is no {@code iptables-restore}
 *       binary at all; otherwise {@link #IPTABLES}.</li>
 * </ul>
 *
 * <p>Choose per network with {@link Network.Builder#firewall(FirewallBackend)}, per host with
 * {@link Host#firewall(FirewallBackend)}, process-wide with the system property
 * {@code netkit.firewall=auto|iptables|nftables} (default {@code auto}). The choice is recorded in the bridge's
 * record ({@code fw=nft}; a network without it is {@link #IPTABLES}), so {@link Network#open}, reconcile, teardown
 * and later processes use the backend the network was created with; {@link Network#firewall()} says which.
 *
 * <p>Other firewalls on the host: an accept in {@code table inet netkit} does not override a drop in another table's
 * forward chain. With {@link #NFTABLES}, netkit appends its networks' accepts to iptables-nft's {@code FORWARD} chain
 * when its policy is DROP (Docker), as iptables-readable rules ({@code iptables-save} shows them, commented
 * {@code netkit:BRIDGE@ID ...}) removed with the network; for a dropping forward chain of a table made with {@code nft}
 * it logs a warning naming the chain and the {@code nft add rule} lines to add (system property
 * {@code netkit.firewall.foreign=all} lets netkit add them, {@code none} keeps netkit out of every other table); on a host
 * with iptables-legacy tables it warns that a legacy FORWARD DROP drops the network's traffic ({@link #AUTO} picks
 * {@link #IPTABLES}, legacy, there). See the README section "Firewall backends and other firewalls on the host".
 */
public enum FirewallBackend {
    /** Decide per host namespace (see the class comment). */
    AUTO,
    /** {@code iptables-restore} / {@code ip6tables-restore} processes. */
    IPTABLES,
    /** Native nf_tables in-process, {@code table inet netkit}. */
    NFTABLES;

    /** The system property naming the process-wide default: {@code auto}, {@code iptables} or {@code nftables}. */
    public static final String PROPERTY = "netkit.firewall";

    /**
     * The process-wide default: the system property {@value #PROPERTY} ({@code auto} when unset).
     *
     * @throws IllegalArgumentException naming the property if its value is none of the three
     */
    public static FirewallBackend processDefault() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return AUTO;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> AUTO;
            case "iptables" -> IPTABLES;
            case "nftables", "nft" -> NFTABLES;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + "=\"" + v
                    + "\" is not a firewall backend: use auto, iptables or nftables");
        };
    }
}
