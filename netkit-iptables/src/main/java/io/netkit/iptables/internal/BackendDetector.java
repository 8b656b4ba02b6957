package io.netkit.iptables.internal;

import io.netkit.iptables.Backend;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.Family;
import io.netkit.iptables.MissingToolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** See {@code Iptables.detectBackend}. */
public final class BackendDetector {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(BackendDetector.class);
    }

    private BackendDetector() {}

    public static Backend detect(CommandRunner runner) {
        int nft = ruleCount(runner, Backend.NFT);
        int legacy = ruleCount(runner, Backend.LEGACY);
        return decide(nft, legacy, () -> versionText(runner));
    }

    /** The decision itself, apart from the processes (rule counts: -1 = tool missing). */
    public static Backend decide(int nft, int legacy, java.util.function.Supplier<String> versionText) {
        if (nft < 0 && legacy < 0) {
            throw new MissingToolException(Backend.NFT.saveCommand(Family.IPV4) + " and "
                    + Backend.LEGACY.saveCommand(Family.IPV4), List.of(), null);
        }
        if (nft < 0) return Backend.LEGACY;
        if (legacy < 0) return Backend.NFT;
        if (nft > 0 && legacy > 0) {
            Backend chosen = legacy > nft ? Backend.LEGACY : Backend.NFT;
            Log.LOG.warn("both iptables backends hold rules (nft: {}, legacy: {}); using {}. Rules in the other "
                    + "backend "
                    + "still filter packets; choose explicitly with Iptables.builder().backend(...)", nft, legacy, chosen);
            return chosen;
        }
        if (nft > 0) return Backend.NFT;
        if (legacy > 0) return Backend.LEGACY;
        String v = versionText.get();
        if (v != null && v.contains("(legacy)")) return Backend.LEGACY;
        return Backend.NFT;
    }

    private static int ruleCount(CommandRunner runner, Backend b) {
        try {
            CommandRunner.Result r = ToolCalls.run(runner, List.of(b.saveCommand(Family.IPV4)), new byte[0]);
            if (r.exitCode() != 0) {
                Log.LOG.debug("{} exited with {}: {}", b.saveCommand(Family.IPV4), r.exitCode(),
                        r.stderrText().strip());
                return 0;
            }
            int n = 0;
            for (String l : r.stdoutText().split("\n")) {
                // A rule, or a built-in chain's DROP policy (iptables-legacy -P FORWARD DROP, as Docker sets it): both
                // filter packets, so the backend holding them is the one in use.
                if (l.startsWith("-A ") || (l.startsWith(":") && l.contains(" DROP "))) n++;
            }
            return n;
        } catch (MissingToolException e) {
            return -1;
        }
    }

    private static String versionText(CommandRunner runner) {
        try {
            CommandRunner.Result r = ToolCalls.run(runner, List.of("iptables", "--version"), new byte[0]);
            return r.stdoutText() + r.stderrText();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
