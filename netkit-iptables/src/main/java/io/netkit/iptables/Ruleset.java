package io.netkit.iptables;

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
 * every {@code *table}, {@code :chain}, {@code -A} and {@code COMMIT} line of {@code x}.
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
     * IllegalArgumentException naming the line number and quoting the line for anything else that is not a
     * table header, chain declaration, rule or COMMIT.
     */
    public static Ruleset parse(String saveOutput) {
        Objects.requireNonNull(saveOutput, "saveOutput == null");
        List<TableRules> out = new ArrayList<>();
        String tableName = null;
        List<Chain> chains = null;
        List<Rule> rules = null;
        String[] lines = saveOutput.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            try {
                if (line.startsWith("*")) {
                    if (tableName != null) throw new IllegalArgumentException("table *" + tableName + " lacks COMMIT");
                    tableName = line.substring(1);
                    Table.of(tableName);
                    chains = new ArrayList<>();
                    rules = new ArrayList<>();
                } else if (tableName == null) {
                    throw new IllegalArgumentException("expected a table header (*filter, *nat, ...)");
                } else if (line.startsWith(":")) {
                    String[] w = line.substring(1).split("\\s+");
                    if (w.length < 2) throw new IllegalArgumentException("chain declaration needs a name and a policy");
                    chains.add(new Chain(w[0], w[1], w.length > 2 ? w[2] : null));
                } else if (line.equals("COMMIT")) {
                    out.add(new TableRules(Table.of(tableName), chains, rules));
                    tableName = null;
                } else {
                    rules.add(Rule.parse(line));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("iptables-save line " + (n + 1) + ": " + e.getMessage()
                        + " [" + Validation.printable(lines[n]) + "]", e);
            }
        }
        if (tableName != null) throw new IllegalArgumentException("iptables-save output ends inside table *" + tableName + " (no COMMIT)");
        return new Ruleset(out);
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

    /** One {@code *TABLE ... COMMIT} block. */
    public static final class TableRules {
        private final Table table;
        private final List<Chain> chains;
        private final List<Rule> rules;

        /** A table block with these chain declarations and rules (in order). */
        public TableRules(Table table, List<Chain> chains, List<Rule> rules) {
            this.table = Objects.requireNonNull(table, "table == null");
            this.chains = List.copyOf(chains);
            this.rules = List.copyOf(rules);
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

        /** {@code *table}, the declarations, the rules, {@code COMMIT}, one per line. */
        public String render() {
            StringBuilder sb = new StringBuilder("*").append(table.tableName()).append('\n');
            for (Chain c : chains) sb.append(c.render()).append('\n');
            for (Rule r : rules) sb.append(r.render()).append('\n');
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
