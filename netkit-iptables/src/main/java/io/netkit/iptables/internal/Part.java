package io.netkit.iptables.internal;

import java.util.List;

/**
 * One element of a rule, in payload order. Parsed rules keep the words as written, so a rule renders back
 * exactly; built rules are created in iptables-save's canonical form.
 */
public sealed interface Part {
    /** The element as written in a payload line. */
    String text();

    /** {@code [!] -s|-d|-i|-o|-p VALUE} (or their long forms, kept as written). */
    record Base(String option, boolean negated, Token value) implements Part {
        public String text() {
            return (negated ? "! " : "") + option + " " + value.text();
        }

        /** Short form of the option: "-s", "-d", "-i", "-o", "-p" (long forms mapped). */
        public String shortOption() {
            switch (option) {
                case "--source": case "--src": return "-s";
                case "--destination": case "--dst": return "-d";
                case "--in-interface": return "-i";
                case "--out-interface": return "-o";
                case "--protocol": return "-p";
                default: return option;
            }
        }
    }

    /** {@code -m MODULE ARGS...}; arguments are kept as tokens ({@code !} included). */
    record Match(String flag, String module, List<Token> args) implements Part {
        public Match {
            args = List.copyOf(args);
        }

        public String text() {
            StringBuilder sb = new StringBuilder(flag).append(' ').append(module);
            for (Token t : args) sb.append(' ').append(t.text());
            return sb.toString();
        }
    }

    /** {@code -j TARGET ARGS...} or {@code -g CHAIN}. */
    record Jump(String flag, String target, List<Token> args) implements Part {
        public Jump {
            args = List.copyOf(args);
        }

        public boolean isGoto() {
            return flag.equals("-g") || flag.equals("--goto");
        }

        public String text() {
            StringBuilder sb = new StringBuilder(flag).append(' ').append(target);
            for (Token t : args) sb.append(' ').append(t.text());
            return sb.toString();
        }
    }

    /** A word the parser does not interpret (for example {@code -f}), kept verbatim. */
    record Other(Token token) implements Part {
        public String text() {
            return token.text();
        }
    }
}
