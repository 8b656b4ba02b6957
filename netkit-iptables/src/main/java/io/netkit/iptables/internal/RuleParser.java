package io.netkit.iptables.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Splits the words after {@code -A CHAIN} of an iptables-save rule into {@link Part}s. */
public final class RuleParser {
    private RuleParser() {}

    private static final Set<String> BASE = Set.of("-s", "--source", "--src", "-d", "--destination", "--dst",
            "-i", "--in-interface", "-o", "--out-interface", "-p", "--protocol");
    private static final Set<String> MATCH = Set.of("-m", "--match");
    private static final Set<String> JUMP = Set.of("-j", "--jump", "-g", "--goto");

    public static List<Part> parse(List<Token> tokens) {
        List<Part> parts = new ArrayList<>();
        int i = 0, n = tokens.size();
        while (i < n) {
            String w = tokens.get(i).text();
            boolean negated = false;
            if (w.equals("!") && i + 1 < n && BASE.contains(tokens.get(i + 1).text())) {
                negated = true;
                w = tokens.get(++i).text();
            }
            if (BASE.contains(w) && i + 1 < n) {
                parts.add(new Part.Base(w, negated, tokens.get(i + 1)));
                i += 2;
            } else if ((MATCH.contains(w) || JUMP.contains(w)) && i + 1 < n) {
                String name = tokens.get(i + 1).text();
                int j = i + 2;
                List<Token> args = new ArrayList<>();
                while (j < n && !startsItem(tokens, j)) args.add(tokens.get(j++));
                parts.add(MATCH.contains(w) ? new Part.Match(w, name, args) : new Part.Jump(w, name, args));
                i = j;
            } else {
                parts.add(new Part.Other(tokens.get(i)));
                i++;
            }
        }
        return parts;
    }

    /** True where a new top-level element begins: a match, a jump, or a (possibly negated) base option. */
    private static boolean startsItem(List<Token> tokens, int j) {
        String w = tokens.get(j).text();
        if (MATCH.contains(w) || JUMP.contains(w) || BASE.contains(w)) return true;
        return w.equals("!") && j + 1 < tokens.size() && BASE.contains(tokens.get(j + 1).text());
    }
}
