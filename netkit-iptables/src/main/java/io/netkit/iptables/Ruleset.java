package io.netkit.iptables;

import io.netkit.iptables.internal.Tokenizer;
import io.netkit.iptables.internal.Validation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed {@code iptables-save} dump (or a slice of one): tables, their chains with policy and counters, and
 * their rules, in file order. Immutable.
 *
 * <pre>{@code
 * Ruleset rs = Ruleset.parse(iptablesSaveOutput);
 * rs.table(Table.NAT).get().rules("POSTROUTING")   // the -A POSTROUTING lines as Rules
 * rs.render()                                      // the same rules again, without the '#' lines
 * }</pre>
 * Words the parser does not interpret are kept as written, so {@code Ruleset.parse(x).render()} reproduces
 * every {@code *table}, {@code :chain}, {@code -A} and {@code COMMIT} line of {@code x}; lines it cannot read
 * at all are kept as {@link Unreadable} text (see {@link #parse}).
 */
public final class Ruleset {
    private final List<TableRules> tables;

    private Ruleset(List<TableRules> tables) {
        this.tables = List.copyOf(tables);
    }

    /** An empty ruleset. */
    public static Ruleset empty() {
        return new Ruleset(List.of());
    }

    /** A ruleset made of the given table blocks. */
    public static Ruleset of(List<TableRules> tables) {
        return new Ruleset(tables);
    }

    /**
     * Parses {@code iptables-save} (or {@code ip6tables-save}) output. Blank and {@code #} lines are skipped.
     *
     * <p>Lines netkit cannot read are kept as {@link Unreadable} text instead of failing the whole dump, so
     * that one foreign rule cannot stop apply, remove and diff on a host: a rule whose comment holds a raw
     * newline (iptables-save prints it unescaped, so the rule spans several lines; those lines are joined
     * until the quote closes), a rule with control characters, a line the rule parser refuses, a malformed
     * chain declaration, and a block of a table this version does not know. Only netkit's own chains and
     * commented rules need to be understood, and netkit's rules never contain such text. Unreadable text is
     * never copied into a restore payload.
     *
     * <p>IllegalArgumentException naming the line only for a dump that is cut short or out of shape (a line
     * outside any table, a table without COMMIT): such output cannot be trusted to show netkit's own rules.
     */
    public static Ruleset parse(String saveOutput) {
        Objects.requireNonNull(saveOutput, "saveOutput == null");
        List<TableRules> out = new ArrayList<>();
        String tableName = null;
        boolean knownTable = false;
        List<Chain> chains = null;
        List<Rule> rules = null;
        List<Unreadable> unreadable = null;
        String[] lines = saveOutput.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("*")) {
                if (tableName != null) {
                    throw new IllegalArgumentException("iptables-save line " + (n + 1) + ": table *" + tableName
                            + " lacks COMMIT [" + Validation.printable(lines[n]) + "]");
                }
                tableName = line.substring(1);
                knownTable = isKnownTable(tableName);
                chains = new ArrayList<>();
                rules = new ArrayList<>();
                unreadable = new ArrayList<>();
            } else if (tableName == null) {
                throw new IllegalArgumentException("iptables-save line " + (n + 1)
                        + ": expected a table header (*filter, *nat, ...) [" + Validation.printable(lines[n]) + "]");
            } else if (line.equals("COMMIT")) {
                if (knownTable) {
                    out.add(new TableRules(Table.of(tableName), chains, rules, unreadable));
                }
                tableName = null;
            } else if (!knownTable) {
                // The block of a table this version does not know: nothing of netkit's can be in it.
                continue;
            } else if (line.startsWith(":")) {
                String[] w = line.substring(1).split("\\s+");
                if (w.length < 2 || w[0].isEmpty()) {
                    unreadable.add(new Unreadable(n + 1, line, null, "chain declaration needs a name and a policy"));
                } else {
                    chains.add(new Chain(w[0], w[1], w.length > 2 ? w[2] : null));
                }
            } else {
                int first = n;
                String text = line;
                if (Tokenizer.hasOpenQuote(text)) {
                    // iptables-save prints a newline inside a quoted comment raw: the rule goes on below.
                    int k = n + 1;
                    StringBuilder joined = new StringBuilder(lines[n]);
                    while (k < lines.length && Tokenizer.hasOpenQuote(joined.toString())) {
                        joined.append('\n').append(lines[k]);
                        k++;
                    }
                    if (!Tokenizer.hasOpenQuote(joined.toString())) {
                        text = joined.toString().strip();
                        n = k - 1;
                    }
                }
                String reason = unreadableReason(text);
                if (reason == null) {
                    try {
                        rules.add(Rule.parse(text));
                        continue;
                    } catch (IllegalArgumentException e) {
                        reason = e.getMessage();
                    }
                }
                unreadable.add(new Unreadable(first + 1, text, chainOf(text), reason));
            }
        }
        if (tableName != null) throw new IllegalArgumentException("iptables-save output ends inside table *" + tableName + " (no COMMIT)");
        return new Ruleset(out);
    }

    private static boolean isKnownTable(String name) {
        for (Table t : Table.values()) if (t.tableName().equals(name)) return true;
        return false;
    }

    /** Why a rule line is kept as text before even trying to parse it, or null. */
    private static String unreadableReason(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') return "the rule spans several lines (a newline inside a quoted value)";
            if (c < 0x20 && c != '\t' || c == 0x7f) return "the rule contains a control character";
        }
        return null;
    }

    /** The chain named after {@code -A} in a rule line, or null when the line does not read that way. */
    private static String chainOf(String text) {
        String[] w = text.split("[ \t]+", 4);
        int i = w.length > 0 && w[0].startsWith("[") ? 1 : 0;
        if (w.length > i + 1 && (w[i].equals("-A") || w[i].equals("--append"))) {
            String c = w[i + 1];
            for (int k = 0; k < c.length(); k++) if (c.charAt(k) == '"' || c.charAt(k) < 0x20) return null;
            return c;
        }
        return null;
    }

    /** The table blocks in file order. */
    public List<TableRules> tables() {
        return tables;
    }

    /** The block of {@code table}, if the dump has one. */
    public Optional<TableRules> table(Table table) {
        for (TableRules t : tables) {
            if (t.table() == table) return Optional.of(t);
        }
        return Optional.empty();
    }

    /** Every netkit owner named by a rule comment, in order of first appearance. */
    public Set<Owner> owners() {
        Set<Owner> s = new LinkedHashSet<>();
        for (TableRules t : tables) {
            for (Rule r : t.rules()) r.owner().ifPresent(s::add);
        }
        return Collections.unmodifiableSet(s);
    }

    /**
     * What {@code owner} has here: per table, its chains (by name, see {@link Owner#ownsChain}) with all their
     * rules, plus its rules in other chains (hooks). Tables without any are left out.
     */
    public Ruleset ownedBy(Owner owner) {
        List<TableRules> out = new ArrayList<>();
        for (TableRules t : tables) {
            List<Chain> c = new ArrayList<>();
            for (Chain ch : t.chains()) if (owner.ownsChain(ch.name())) c.add(ch);
            List<Rule> r = new ArrayList<>();
            for (Rule rule : t.rules()) {
                if (owner.ownsChain(rule.chain()) || owner.equals(rule.owner().orElse(null))) r.add(rule);
            }
            if (!c.isEmpty() || !r.isEmpty()) out.add(new TableRules(t.table(), c, r));
        }
        return new Ruleset(out);
    }

    /** The number of rules in all tables. */
    public int ruleCount() {
        int n = 0;
        for (TableRules t : tables) n += t.rules().size();
        return n;
    }

    /** The dump again, as {@code iptables-restore} input (without {@code #} lines). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (TableRules t : tables) sb.append(t.render());
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ruleset && ((Ruleset) o).render().equals(render());
    }

    @Override
    public int hashCode() {
        return render().hashCode();
    }

    @Override
    public String toString() {
        return render();
    }

    /**
     * A chain declaration {@code :NAME POLICY [PACKETS:BYTES]}; the policy of a user chain is {@code "-"}.
     *
     * @param counters {@code "[0:0]"} as printed, or null when the line had none
     */
    public record Chain(String name, String policy, String counters) {
        public Chain {
            Objects.requireNonNull(name, "name == null");
            Objects.requireNonNull(policy, "policy == null");
        }

        /** Whether this is a built-in chain (it has a policy such as ACCEPT or DROP). */
        public boolean isBuiltin() {
            return !policy.equals("-");
        }

        /** {@code :NAME POLICY [P:B]}. */
        public String render() {
            return ":" + name + " " + policy + (counters == null ? "" : " " + counters);
        }
    }

    /**
     * A line (or, for a rule whose quoted comment holds a newline, several joined lines) of an
     * {@code iptables-save} dump that netkit does not read, kept as text. It is never put into a payload.
     *
     * @param line   the 1-based line number where it starts
     * @param text   the text as printed (joined lines keep their newlines)
     * @param chain  the chain after {@code -A}, when the text begins that way; null otherwise
     * @param reason why it was not read
     */
    public record Unreadable(int line, String text, String chain, String reason) {
        public Unreadable {
            Objects.requireNonNull(text, "text == null");
            Objects.requireNonNull(reason, "reason == null");
        }
    }

    /** One {@code *TABLE ... COMMIT} block. */
    public static final class TableRules {
        private final Table table;
        private final List<Chain> chains;
        private final List<Rule> rules;
        private final List<Unreadable> unreadable;

        /** A table block with these chain declarations and rules (in order). */
        public TableRules(Table table, List<Chain> chains, List<Rule> rules) {
            this(table, chains, rules, List.of());
        }

        /** A table block with these chain declarations, rules and lines netkit does not read (in order). */
        public TableRules(Table table, List<Chain> chains, List<Rule> rules, List<Unreadable> unreadable) {
            this.table = Objects.requireNonNull(table, "table == null");
            this.chains = List.copyOf(chains);
            this.rules = List.copyOf(rules);
            this.unreadable = List.copyOf(unreadable);
        }

        /** The lines of this block that netkit keeps as text only (see {@link Ruleset#parse}). */
        public List<Unreadable> unreadable() {
            return unreadable;
        }

        /** The table. */
        public Table table() {
            return table;
        }

        /** The declared chains, built-in first as iptables-save prints them. */
        public List<Chain> chains() {
            return chains;
        }

        /** The chain declared as {@code name}. */
        public Optional<Chain> chain(String name) {
            for (Chain c : chains) if (c.name().equals(name)) return Optional.of(c);
            return Optional.empty();
        }

        /** All rules in file order. */
        public List<Rule> rules() {
            return rules;
        }

        /** The rules of {@code chain}, in order (as {@code iptables -t TABLE -S CHAIN} lists them). */
        public List<Rule> rules(String chain) {
            List<Rule> out = new ArrayList<>();
            for (Rule r : rules) if (r.chain().equals(chain)) out.add(r);
            return out;
        }

        /**
         * {@code *table}, the declarations, the rules, the unreadable lines as printed (after the rules),
         * {@code COMMIT}, one per line.
         */
        public String render() {
            StringBuilder sb = new StringBuilder("*").append(table.tableName()).append('\n');
            for (Chain c : chains) sb.append(c.render()).append('\n');
            for (Rule r : rules) sb.append(r.render()).append('\n');
            for (Unreadable u : unreadable) sb.append(u.text()).append('\n');
            return sb.append("COMMIT\n").toString();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TableRules && ((TableRules) o).render().equals(render());
        }

        @Override
        public int hashCode() {
            return render().hashCode();
        }

        @Override
        public String toString() {
            return render();
        }
    }
}
