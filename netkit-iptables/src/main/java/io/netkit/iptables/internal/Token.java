package io.netkit.iptables.internal;

/**
 * One word of a rule: {@code value} is what iptables sees, {@code text} is how it is written in the
 * payload (quoted and escaped where needed). Parsed tokens keep their original text so that a rule read from
 * {@code iptables-save} renders back byte for byte.
 */
public record Token(String value, String text) {
    /** A token written as {@code iptables-save} would write it (see {@link #quote}). */
    public static Token of(String value) {
        return new Token(value, quote(value));
    }

    /**
     * Quotes like iptables' {@code xtables_save_string}: bare when the value consists only of letters, digits,
     * '_' and '-', otherwise in double quotes with {@code "}, {@code \} and {@code '} escaped by a backslash.
     */
    public static String quote(String value) {
        boolean bare = !value.isEmpty();
        for (int i = 0; i < value.length() && bare; i++) {
            char c = value.charAt(i);
            bare = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }
        if (bare) return value;
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == '\'') sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    /** A token whose value never needs quoting (validated before), written as is. */
    public static Token plain(String value) {
        return new Token(value, value);
    }
}
