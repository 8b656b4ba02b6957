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
        return evaluate(Netlink.unavailabilityCause(), isCi());
    }

    /**
     * The decision, apart from the environment: {@code cause} null means privileged.
     *
     * @throws IllegalStateException when unprivileged under CI, which fails the test instead of skipping it
     */
    static ConditionEvaluationResult evaluate(Throwable cause, boolean ci) {
        if (cause == null) {
            return ConditionEvaluationResult.enabled("root: netlink and namespaces available");
        }
        String reason = "needs root (CAP_NET_ADMIN): " + cause.getMessage();
        if (ci) {
            // Thrown from a condition, this fails the test (or the whole class) instead of skipping it.
            throw new IllegalStateException("CI=true but privileged test cannot run: " + reason, cause);
        }
        return ConditionEvaluationResult.disabled(reason);
    }
}
