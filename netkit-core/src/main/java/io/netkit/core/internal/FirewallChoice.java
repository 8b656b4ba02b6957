package io.netkit.core.internal;

import io.netkit.core.FirewallBackend;
import io.netkit.netlink.NetNamespace;
import io.netkit.nftables.Nftables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves {@link FirewallBackend#AUTO} for a host namespace (the rule is in the enum's javadoc). */
public final class FirewallChoice {
    private FirewallChoice() {}

    /** {@code wanted}, or for AUTO the backend the rule picks in {@code host}. */
    public static FirewallBackend resolve(NetNamespace host, FirewallBackend wanted) {
        if (wanted != FirewallBackend.AUTO) {
            return wanted;
        }
        if (Privileges.findProgram("iptables-restore") == null) {
            return FirewallBackend.NFTABLES; // nothing else could carry the rules
        }
        if (!answersNfTables(host) || legacyTablesLoaded(host)) {
            return FirewallBackend.IPTABLES;
        }
        return FirewallBackend.NFTABLES;
    }

    /**
     * Whether the kernel answers {@code NFT_MSG_GETGEN} in {@code host}. Asked over the namespace's shared nfnetlink
     * socket, which the native backend's install then uses too (a socket of its own cost a fresh JVM's first create
     * another hop to the namespace's thread); discarded if the question failed.
     */
    static boolean answersNfTables(NetNamespace host) {
        Nftables nft;
        try {
            nft = Nftables.shared(host);
        } catch (RuntimeException e) {
            return false;
        }
        try {
            nft.generation();
            return true;
        } catch (RuntimeException e) {
            nft.discard();
            return false;
        }
    }

    /**
     * Whether {@code host} has iptables-legacy (x_tables) tables: {@code /proc/net/ip_tables_names} or
     * {@code ip6_tables_names} non-empty there (read on a thread in that namespace).
     */
    public static boolean legacyTablesLoaded(NetNamespace host) {
        return host.call(() -> nonEmpty("ip_tables_names") || nonEmpty("ip6_tables_names"));
    }

    private static boolean nonEmpty(String file) {
        try {
            return !Files.readString(Path.of("/proc/thread-self/net", file)).isBlank();
        } catch (IOException | RuntimeException e) {
            return false; // no x_tables module: no legacy tables
        }
    }
}
