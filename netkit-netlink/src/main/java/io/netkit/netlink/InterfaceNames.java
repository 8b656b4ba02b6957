package io.netkit.netlink;

import java.nio.charset.StandardCharsets;

/**
 * Validation of network interface names, in two strengths:
 *
 * <ul>
 *   <li>{@link #validateExisting(String)}: exactly the kernel's own rule ({@code dev_valid_name} in
 *       {@code net/core/dev.c}): 1 to 15 bytes (IFNAMSIZ - 1), no NUL, {@code '/'}, {@code ':'} or byte the
 *       kernel's {@code isspace()} matches (tab, newline, vertical tab, form feed, carriage return, space,
 *       0xa0), and neither {@code "."} nor {@code ".."}. Used wherever netkit reads or addresses a link that
 *       exists already, so that every link {@code ip} could make (say one named with U+2003 or 0x01) can be
 *       looked up, changed and deleted.</li>
 *   <li>{@link #validate(String)}: the stricter rule for names netkit itself creates (new links, peers,
 *       renames): additionally no whitespace or control characters of any script, and no {@code '%'} (the
 *       kernel would expand {@code %d} to a number, or refuse, and the link would not be found by its name).</li>
 * </ul>
 *
 * <pre>{@code
 * InterfaceNames.validate("veth1");            // "veth1"
 * InterfaceNames.validate("eth%d");            // IllegalArgumentException: invalid interface name "eth%d": ...
 * InterfaceNames.validateExisting("a\u2003b"); // "a b" (em space): the kernel accepts it, so lookups do
 * }</pre>
 */
public final class InterfaceNames {
    /** The longest name the kernel accepts, in bytes (IFNAMSIZ - 1). */
    public static final int MAX_LENGTH = 15;

    private InterfaceNames() {}

    /**
     * Returns {@code name} if netkit may create a link of that name: the kernel would accept it, and it has no
     * {@code '%'}, whitespace or control characters.
     *
     * @throws IllegalArgumentException quoting the name and saying what is wrong with it
     */
    public static String validate(String name) {
        String problem = problem(name, true);
        if (problem != null) {
            throw new IllegalArgumentException(
                    name == null ? "interface name == null" : "invalid interface name \"" + name + "\": "
                            + problem + "; use 1 to 15 bytes without '/', ':', '%', whitespace or control characters,"
                            + " like \"veth0\"");
        }
        return name;
    }

    /**
     * Returns {@code name} if the kernel accepts it as an interface name ({@code dev_valid_name}): the check for
     * names of links that exist (or may exist) already.
     *
     * @throws IllegalArgumentException quoting the name and saying what is wrong with it
     */
    public static String validateExisting(String name) {
        String problem = problem(name, false);
        if (problem != null) {
            throw new IllegalArgumentException(
                    name == null ? "interface name == null" : "invalid interface name \"" + name + "\": "
                            + problem + " (the kernel accepts no such name)");
        }
        return name;
    }

    /** True if {@link #validate(String)} would accept {@code name}. */
    public static boolean isValid(String name) {
        return problem(name, true) == null;
    }

    /** True if {@link #validateExisting(String)} would accept {@code name}. */
    public static boolean isValidExisting(String name) {
        return problem(name, false) == null;
    }

    private static String problem(String name, boolean creating) {
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
        if (name.equals(".") || name.equals("..")) {
            return "\".\" and \"..\" are not allowed";
        }
        for (byte b : utf8) {
            if (b == 0) {
                return "must not contain NUL";
            }
            if (b == '/' || b == ':') {
                return "must not contain '" + (char) b + "'";
            }
            if (b == ' ' || (b >= 0x09 && b <= 0x0d)) {
                return "must not contain whitespace";
            }
            if (b == (byte) 0xa0) { // the kernel's isspace() also matches Latin-1 NBSP, so some UTF-8 bytes fail
                return "must not contain the byte 0xa0 (the kernel takes it for whitespace)";
            }
        }
        if (!creating) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%') {
                return "must not contain '%' (the kernel expands \"%d\" to a free number or refuses the name, so the"
                        + " link would not have the name asked for)";
            }
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
                return "must not contain whitespace or control characters";
            }
        }
        return null;
    }
}
