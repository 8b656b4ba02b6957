package io.netkit.netlink;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The rule for names of named network namespaces ({@code /run/netns/NAME}), shared by {@link NetNamespace}'s operations. */
final class NamespaceNames {
    private static final int NAME_MAX = 255;

    private NamespaceNames() {
    }

    /** Names follow iproute2: a single path component, at most NAME_MAX bytes; netkit also refuses whitespace and control characters. */
    static void validate(String name) {
        Objects.requireNonNull(name, "name == null");
        String quoted = "\"" + name.replace("\0", "\\0") + "\"";
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid namespace name " + quoted + ": must be a file name");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw new IllegalArgumentException("invalid namespace name " + quoted + ": longer than " + NAME_MAX + " bytes");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == 0 || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException("invalid namespace name " + quoted
                        + ": must not contain '/', whitespace or control characters");
            }
        }
    }
}
