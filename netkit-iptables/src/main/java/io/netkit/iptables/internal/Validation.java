package io.netkit.iptables.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Every caller-supplied value passes through here before it can reach a restore payload. The rules are
 * deliberately stricter than iptables itself: a value that would need quoting (other than a comment) is
 * rejected, so no value can ever split into a second option or a second payload line.
 */
public final class Validation {
    private Validation() {}

    /** Longest chain name iptables accepts (XT_EXTENSION_MAXNAMELEN 29 minus the NUL). */
    public static final int MAX_CHAIN_NAME = 28;
    /** Longest comment xt_comment stores (XT_MAX_COMMENT_LEN 256 minus the NUL). */
    public static final int MAX_COMMENT = 255;
    /** IFNAMSIZ 16 minus the NUL. */
    public static final int MAX_INTERFACE_NAME = 15;

    /** Options that would change the command, the table or the target if smuggled into a match. */
    private static final Set<String> FORBIDDEN_IN_ESCAPE = Set.of(
            "-A", "--append", "-I", "--insert", "-D", "--delete", "-R", "--replace", "-N", "--new-chain",
            "-X", "--delete-chain", "-F", "--flush", "-Z", "--zero", "-P", "--policy", "-E", "--rename-chain",
            "-L", "--list", "-S", "--list-rules", "-t", "--table", "-j", "--jump", "-g", "--goto", "-m", "--match",
            "-s", "--source", "--src", "-d", "--destination", "--dst", "-i", "--in-interface", "-o", "--out-interface",
            "-p", "--protocol", "-c", "--set-counters", "-w", "--wait", "-4", "-6", "--ipv4", "--ipv6");

    /**
     * Every long option of iptables' own command line ({@code iptables.c}/{@code xshared.c}). getopt_long accepts
     * any unambiguous abbreviation ({@code --jum} is {@code --jump}) and {@code --opt=value}, so an escape-hatch
     * token that abbreviates one of these would inject a target, an address, a command or even a modprobe program.
     */
    private static final List<String> BASE_LONG_OPTIONS = List.of(
            "append", "delete", "check", "insert", "replace", "list", "list-rules", "flush", "zero", "new-chain",
            "delete-chain", "rename-chain", "policy", "source", "src", "destination", "dst", "protocol",
            "in-interface", "jump", "table", "match", "numeric", "out-interface", "verbose", "wait", "wait-interval",
            "exact", "fragment", "version", "help", "line-numbers", "modprobe", "set-counters", "goto", "ipv4", "ipv6");
    /** Extension options that abbreviate a base option but are matched exactly when their module is loaded. */
    private static final Set<String> EXACT_EXTENSION_OPTIONS = Set.of("--set", "--pol", "--proto");

    /**
     * An exact interface name as a rule matches it ({@code -i br0}). A trailing '+' is refused: iptables
     * reads {@code br+} as a wildcard for every interface whose name starts with "br" (Docker's
     * {@code br-<id>} networks included), so a bridge called "br+" would widen a rule to foreign interfaces.
     * Wildcards are spelled separately, through {@link #interfacePrefix}.
     */
    public static String interfaceName(String what, String name) {
        String n = anyInterfaceName(what, name);
        if (n.endsWith("+")) {
            throw new IllegalArgumentException(what + " \"" + printable(n) + "\" ends in '+', which iptables reads"
                    + " as a wildcard for every interface whose name starts with \"" + n.substring(0, n.length() - 1)
                    + "\": give an exact interface name, or use the builder's *InterfacePrefix(\""
                    + n.substring(0, n.length() - 1) + "\") method when a wildcard is meant");
        }
        return n;
    }

    /**
     * The wildcard {@code PREFIX+} for an interface name prefix ("br" gives {@code br+}, matching every
     * interface whose name starts with "br"); the prefix is 1..14 bytes of the characters an exact name allows.
     */
    public static String interfacePrefix(String what, String prefix) {
        requireNonNull(what, prefix);
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty: \"+\" would match every interface;"
                    + " leave the interface match out instead");
        }
        if (prefix.getBytes(StandardCharsets.UTF_8).length > MAX_INTERFACE_NAME - 1) {
            throw new IllegalArgumentException(what + " \"" + printable(prefix) + "\" is longer than "
                    + (MAX_INTERFACE_NAME - 1) + " bytes: with the '+' it must fit IFNAMSIZ");
        }
        return interfaceName(what, prefix) + "+";
    }

    private static String anyInterfaceName(String what, String name) {
        requireNonNull(what, name);
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (name.isEmpty() || bytes > MAX_INTERFACE_NAME) {
            throw new IllegalArgumentException(what + " \"" + printable(name) + "\" is " + bytes
                    + " bytes: an interface name must be 1.." + MAX_INTERFACE_NAME + " bytes (IFNAMSIZ)");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(what + " \"" + name + "\" is not a valid interface name");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // The kernel forbids '/', ':' and whitespace; quotes, backslash, '!' and '#' are refused too
            // so the name can never need quoting in a payload. '+' is iptables' prefix wildcard (last only).
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '@' || (c == '+' && i == name.length() - 1);
            if (!ok) {
                throw new IllegalArgumentException(what + " \"" + printable(name) + "\" contains " + describe(c)
                        + ": interface names may contain letters, digits, '-', '_', '.', '@' and a trailing '+'");
            }
        }
        return name;
    }

    public static String chainName(String what, String name) {
        requireNonNull(what, name);
        if (name.isEmpty() || name.length() > MAX_CHAIN_NAME) {
            throw new IllegalArgumentException(what + " \"" + printable(name) + "\" has " + name.length()
                    + " characters: a chain name must be 1.." + MAX_CHAIN_NAME + " characters");
        }
        if (name.charAt(0) == '-' || name.charAt(0) == '!') {
            throw new IllegalArgumentException(what + " \"" + printable(name) + "\" must not start with '"
                    + name.charAt(0) + "' (it would read as an option)");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException(what + " \"" + printable(name) + "\" contains " + describe(c)
                        + ": chain names may contain letters, digits, '-', '_' and '.'");
            }
        }
        return name;
    }

    /**
     * A comment may hold printable ASCII only; quotes and backslashes are refused (they are the quoting
     * syntax) and so is anything that reads as an option after a blank ({@code " -j"}, {@code " --to"}),
     * so that even a consumer that splits on blanks cannot see a second option in it.
     */
    public static String comment(String what, String text) {
        requireNonNull(what, text);
        if (text.length() > MAX_COMMENT) {
            throw new IllegalArgumentException(what + " is " + text.length() + " characters: at most "
                    + MAX_COMMENT + " fit in an iptables comment");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(what + " \"" + printable(text) + "\" contains " + describe(c)
                        + " at index " + i + ": comments must be printable ASCII on one line");
            }
            if (c == '"' || c == '\'' || c == '\\' || c == '`') {
                throw new IllegalArgumentException(what + " \"" + printable(text) + "\" contains " + describe(c)
                        + " at index " + i + ": quotes and backslashes are not allowed in comments");
            }
            if (c == '-' && (i == 0 || text.charAt(i - 1) == ' ')) {
                throw new IllegalArgumentException(what + " \"" + printable(text) + "\" contains an option-like word at index "
                        + i + " ('-' after a blank, as in \"-j\"): comments must not look like iptables options");
            }
        }
        return text;
    }

    /** A single argument token of the escape hatch: no blanks, quotes, backslash or control characters. */
    public static String token(String what, String token) {
        requireNonNull(what, token);
        if (token.isEmpty()) throw new IllegalArgumentException(what + " must not be empty");
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c > 0x7e || c == '"' || c == '\'' || c == '\\' || c == '`' || c == '#') {
                throw new IllegalArgumentException(what + " \"" + printable(token) + "\" contains " + describe(c)
                        + " at index " + i + ": tokens must be printable ASCII without blanks, quotes, '\\' or '#'");
            }
        }
        if (FORBIDDEN_IN_ESCAPE.contains(token)) {
            throw new IllegalArgumentException(what + " \"" + token
                    + "\" is a command, table, target or base-match option; use the typed builder method instead");
        }
        if (token.startsWith("--")) {
            int eq = token.indexOf('=');
            String name = token.substring(2, eq < 0 ? token.length() : eq);
            if (name.isEmpty()) {
                throw new IllegalArgumentException(what + " \"" + token + "\" would end option parsing; write"
                        + " options and values as separate words");
            }
            if (!EXACT_EXTENSION_OPTIONS.contains(token)) {
                for (String base : BASE_LONG_OPTIONS) {
                    if (base.startsWith(name)) {
                        throw new IllegalArgumentException(what + " \"" + token + "\" reads as iptables' own option --"
                                + base + " (getopt accepts abbreviations and --opt=value); use the typed builder"
                                + " method instead");
                    }
                }
            }
        } else if (token.length() > 1 && token.charAt(0) == '-') {
            // Digits too: getopt reads "-64" as the options -6 -4, and iptables-restore then drops the rule
            // without a word (it is "for the other family").
            throw new IllegalArgumentException(what + " \"" + token + "\" is a single-dash option (such as -j,"
                    + " -jACCEPT, which getopt reads as -j ACCEPT, or -64, read as -6 -4 so that iptables-restore"
                    + " silently drops the rule); extensions take --long options, and their values must not start"
                    + " with '-'");
        }
        return token;
    }

    /** Match module or target extension name. */
    public static String extensionName(String what, String name) {
        requireNonNull(what, name);
        if (name.isEmpty() || name.length() > MAX_CHAIN_NAME) {
            throw new IllegalArgumentException(what + " \"" + printable(name) + "\" must be 1.." + MAX_CHAIN_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || (c == '-' && i > 0);
            if (!ok) {
                throw new IllegalArgumentException(what + " \"" + printable(name) + "\" contains " + describe(c)
                        + ": extension names may contain letters, digits, '_' and '-'");
            }
        }
        return name;
    }

    public static int port(String what, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " is out of range 0..65535");
        }
        return port;
    }

    public static void portRange(String what, int from, int to) {
        port(what + " start", from);
        port(what + " end", to);
        if (from > to) throw new IllegalArgumentException(what + " " + from + ":" + to + " is empty (start > end)");
    }

    public static void requireNonNull(String what, Object value) {
        if (value == null) throw new NullPointerException(what + " == null");
    }

    /** The text with control characters made visible, for error messages that must stay on one line. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }

    private static String describe(char c) {
        switch (c) {
            case '\n': return "a newline";
            case '\r': return "a carriage return";
            case '\t': return "a tab";
            case ' ': return "a blank";
            case '"': return "a double quote";
            case '\'': return "a single quote";
            case '\\': return "a backslash";
            default:
                if (c < 0x20 || c == 0x7f) return String.format("control character \\x%02x", (int) c);
                if (c > 0x7e) return String.format("non-ASCII character U+%04X", (int) c);
                return "'" + c + "'";
        }
    }
}
