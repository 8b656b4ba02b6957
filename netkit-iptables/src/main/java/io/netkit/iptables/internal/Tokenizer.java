package io.netkit.iptables.internal;

import java.util.ArrayList;
import java.util.List;

/** Splits one line of {@code iptables-save} output into tokens, as iptables-restore does. */
public final class Tokenizer {
    private Tokenizer() {}

    public static List<Token> split(String line) {
        List<Token> out = new ArrayList<>();
        int i = 0, n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') { i++; continue; }
            int start = i;
            StringBuilder value = new StringBuilder();
            boolean quoted = false;
            // A word ends at an unquoted blank; inside double quotes a backslash escapes the next character.
            while (i < n) {
                c = line.charAt(i);
                if (!quoted && (c == ' ' || c == '\t')) break;
                if (c == '"') { quoted = !quoted; i++; continue; }
                if (quoted && c == '\\' && i + 1 < n) { value.append(line.charAt(i + 1)); i += 2; continue; }
                value.append(c);
                i++;
            }
            if (quoted) {
                throw new IllegalArgumentException("unterminated quote at column " + (start + 1) + " in: "
                        + Validation.printable(line));
            }
            out.add(new Token(value.toString(), line.substring(start, i)));
        }
        return out;
    }

    /** Whether {@code text} ends inside a double-quoted word (as iptables-restore reads quotes). */
    public static boolean hasOpenQuote(String text) {
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (quoted && c == '\\') i++;
        }
        return quoted;
    }
}
