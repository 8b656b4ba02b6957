package io.netkit.netlink;

import java.nio.charset.StandardCharsets;

/**
 * Validation of network interface names by the kernel's own rules ({@code dev_valid_name} in
 * {@code net/core/dev.c}): 1 to 15 bytes (IFNAMSIZ - 1), no {@code '/'}, {@code ':'}, whitespace or NUL,
 * and neither {@code "."} nor {@code ".."}. netkit checks every name before anything is sent to the kernel.
 *
 * <pre>{@code
 * InterfaceNames.validate("veth1");          // "veth1"
 * InterfaceNames.validate("eth0:1");         // IllegalArgumentException: invalid interface name "eth0:1": ...
 * }</pre>
 */
public final class InterfaceNames {
    /** The longest name the kernel accepts, in bytes (IFNAMSIZ - 1). */
    public static final int MAX_LENGTH = 15;

    private InterfaceNames() {}

    /**
     * Returns {@code name} if the kernel would accept it as an interface name.
     *
     * @throws IllegalArgumentException quoting the name and saying what is wrong with it
     */
    public static String validate(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new IllegalArgumentException(
                    name == null ? "interface name == null" : "invalid interface name \"" + name + "\": " + problem);
        }
        return name;
    }

    /** True if {@link #validate(String)} would accept {@code name}. */
    public static boolean isValid(String name) {
        return problem(name) == null;
    }

    private static String problem(String name) {
        if (name == null) {
            return "null";
        }
        if (name.isEmpty()) {
            return "must not be empty";
        }
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_LENGTH) {
            return "longer than " + MAX_LENGTH + " bytes (" + utf8.length + ")";
        }
        for (byte b : utf8) {
            if (b == (byte) 0xa0) { // the kernel's isspace() also matches Latin-1 NBSP, so some UTF-8 bytes fail
                return "must not contain the byte 0xa0 (the kernel takes it for whitespace)";
            }
        }
        if (name.equals(".") || name.equals("..")) {
            return "\".\" and \"..\" are not allowed";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':') {
                return "must not contain '" + c + "'";
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0 || Character.isISOControl(c)) {
                return "must not contain whitespace or control characters";
            }
        }
        return null;
    }
}
