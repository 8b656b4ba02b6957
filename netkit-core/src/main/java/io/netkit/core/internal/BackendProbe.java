package io.netkit.core.internal;

import io.netkit.iptables.Backend;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The iptables backend of a host namespace without starting a process, where the answer is certain: the same decision
 * as {@link io.netkit.iptables.Iptables#detectBackend} (which runs {@code iptables-nft-save},
 * {@code iptables-legacy-save} and {@code iptables --version}: three processes, the largest part of a fresh JVM's
 * first {@code Network.create()}), from what the kernel and the file system say:
 * <ul>
 *   <li>legacy rules: none when {@code /proc/thread-self/net/ip_tables_names} lists no table in the namespace
 *       (otherwise: not certain, the processes decide);</li>
 *   <li>nft rules: the number of nf_tables rules of family {@code ip}, dumped over nfnetlink
 *       ({@code NFT_MSG_GETRULE}, what {@code iptables-nft-save} reads);</li>
 *   <li>which tools exist: the {@code PATH} lookup the processes would do;</li>
 *   <li>{@code iptables --version}: where {@code iptables} resolves to ({@code /etc/alternatives} to
 *       {@code xtables-nft-multi} or {@code xtables-legacy-multi}).</li>
 * </ul>
 * Empty whenever one of these is unclear (legacy tables exist, no {@code PATH}, a tool name without "nft" or
 * "legacy", an error): then the caller runs the processes.
 */
final class BackendProbe {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(BackendProbe.class);
    }

    /** {@code NETLINK_NETFILTER}, {@code NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETRULE}, {@code NFPROTO_IPV4}. */
    private static final int NETLINK_NETFILTER = 12;
    private static final int NFT_GETRULE = (10 << 8) | 7;
    private static final int NFPROTO_IPV4 = 2;

    private BackendProbe() {}

    static Optional<Backend> probe(NetNamespace host) {
        try {
            String path = System.getenv("PATH");
            if (path == null || path.isEmpty()) return Optional.empty();
            Path nftSave = Privileges.findProgram("iptables-nft-save", path);
            Path legacySave = Privileges.findProgram("iptables-legacy-save", path);
            if (nftSave == null && legacySave == null) return Optional.empty();   // the detector's error says it best
            Optional<Backend> b = host.call(() -> {
                if (legacySave != null && !legacyTables().isEmpty()) return Optional.<Backend>empty();
                if (nftSave == null) return Optional.of(Backend.LEGACY);
                if (legacySave == null || nftRules() > 0) return Optional.of(Backend.NFT);
                return defaultTool(Privileges.findProgram("iptables", path));
            });
            Log.LOG.debug("iptables backend in {} without processes: {}", host, b.map(Backend::name).orElse("unclear"));
            return b;
        } catch (RuntimeException e) {
            Log.LOG.debug("iptables backend in {}: probe failed ({}), running the tools", host, e.toString());
            return Optional.empty();
        }
    }

    /** Legacy (x_tables) tables instantiated in the calling thread's namespace; none when the module is not loaded. */
    private static List<String> legacyTables() throws IOException {
        try {
            return Files.readAllLines(Path.of("/proc/thread-self/net/ip_tables_names")).stream()
                    .filter(l -> !l.isBlank()).toList();
        } catch (NoSuchFileException notLoaded) {
            return List.of();
        }
    }

    /** nf_tables rules of family ip in the calling thread's namespace. */
    private static int nftRules() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_NETFILTER)) {
            return s.dump("list nf_tables rules of family ip", NFT_GETRULE,
                    w -> w.u8(NFPROTO_IPV4).u8(0).u8(0).u8(0), r -> Boolean.TRUE).size();
        }
    }

    /** What {@code iptables --version} would say, from the tool's resolved file name; empty if not clear. */
    static Optional<Backend> defaultTool(Path iptables) throws IOException {
        if (iptables == null) return Optional.of(Backend.NFT);   // as the detector: nft when the command is absent
        String real = iptables.toRealPath().getFileName().toString();
        if (real.contains("legacy")) return Optional.of(Backend.LEGACY);
        if (real.contains("nft")) return Optional.of(Backend.NFT);
        return Optional.empty();
    }
}
