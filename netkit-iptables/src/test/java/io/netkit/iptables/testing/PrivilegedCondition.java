package io.netkit.iptables.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** See {@link Privileged}. */
public final class PrivilegedCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return decide(missingPrerequisite(), System.getenv("CI"));
    }

    /** Enabled when nothing is missing; else skipped with the reason, or thrown (a failure) when CI is "true". */
    static ConditionEvaluationResult decide(String missing, String ci) {
        if (missing == null) return ConditionEvaluationResult.enabled("running as root with the iptables tools");
        if ("true".equals(ci)) {
            // Thrown from a condition, this fails the test rather than skipping it.
            throw new IllegalStateException("privileged test cannot run but CI=true forbids skipping: " + missing);
        }
        return ConditionEvaluationResult.disabled(missing);
    }

    /** Null when the tests can run, else why not. */
    static String missingPrerequisite() {
        if (effectiveUid() != 0) return "needs root (CAP_NET_ADMIN) to create network namespaces and run iptables";
        for (String tool : List.of("ip", "iptables-nft-restore", "iptables-legacy-restore")) {
            if (!onPath(tool)) return "needs " + tool + " (Debian packages iproute2, iptables)";
        }
        return null;
    }

    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Long.parseLong(line.split("\\s+")[2]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }
}
