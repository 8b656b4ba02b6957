package io.netkit.iptables.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Asserts before and after a test class that the machine's own (root) network namespace holds no iptables
 * rules in either backend or family. It only reads ({@code *-save}); it never changes the root namespace.
 */
public final class RootNamespaceGuard implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        check("before " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check("after " + context.getDisplayName());
    }

    /** The {@code -A} lines found in the root namespace (empty when clean). */
    public static List<String> rootRules() {
        List<String> found = new ArrayList<>();
        for (String tool : List.of("iptables-nft-save", "iptables-legacy-save", "ip6tables-nft-save", "ip6tables-legacy-save")) {
            if (!PrivilegedCondition.onPath(tool)) continue;
            for (String line : TestNamespace.run(List.of(tool)).split("\n")) {
                if (line.startsWith("-A ")) found.add(tool + ": " + line);
            }
        }
        return found;
    }

    private static void check(String when) {
        if (PrivilegedCondition.missingPrerequisite() != null) return;
        List<String> rules = rootRules();
        if (!rules.isEmpty()) {
            throw new AssertionError("root network namespace holds iptables rules " + when + ": " + rules);
        }
    }
}
