package io.netkit.core;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's guard of the machine: snapshots the root namespace's network before the class's tests and, after
 * them, asserts that it is unchanged and that nothing named with the class's prefix is left
 * ({@link Probe#assertNothingLeft}). Register with
 * {@code @RegisterExtension static final SandboxGuard GUARD = new SandboxGuard(PREFIX);}.
 */
final class SandboxGuard implements BeforeAllCallback, AfterAllCallback {
    private final String prefix;
    private String rootBefore;

    SandboxGuard(String prefix) {
        this.prefix = prefix;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        rootBefore = Probe.rootState();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Probe.assertNothingLeft(prefix, rootBefore);
    }
}
