package io.netkit.testing;

import io.netkit.netlink.Netlink;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The condition behind {@link Privileged}. */
public final class PrivilegedCondition implements ExecutionCondition {

    /** Whether the environment says this is a CI run ({@code CI=true}). */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Netlink.isAvailable()) {
            return ConditionEvaluationResult.enabled("root: netlink and namespaces available");
        }
        Throwable cause = Netlink.unavailabilityCause();
        String reason = "needs root (CAP_NET_ADMIN): " + (cause == null ? "" : cause.getMessage());
        if (isCi()) {
            // Thrown from a condition, this fails the test (or the whole class) instead of skipping it.
            throw new IllegalStateException("CI=true but privileged test cannot run: " + reason, cause);
        }
        return ConditionEvaluationResult.disabled(reason);
    }
}
