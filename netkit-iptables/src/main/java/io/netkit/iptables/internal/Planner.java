package io.netkit.iptables.internal;

import io.netkit.iptables.Diff;
import io.netkit.iptables.OwnedRules;
import io.netkit.iptables.Owner;
import io.netkit.iptables.Rule;
import io.netkit.iptables.Ruleset;
import io.netkit.iptables.Table;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns "desired state of one owner" plus "what iptables-save shows now" into one restore payload. Each table
 * block is applied atomically by iptables-restore, so the owner's state in a table changes all at once.
 */
public final class Planner {
    private Planner() {}

    /**
     * The payload that makes {@code current} hold exactly {@code desired} for its owner. Per table: declare
     * (create or flush) and refill each owned chain, insert missing hooks, delete duplicate and stale hooks and
     * other rules carrying the owner's comment outside its chains, then flush and delete stale owned chains.
     * Empty when nothing is to be done.
     */
    public static String apply(OwnedRules desired, Ruleset current) {
        Owner owner = desired.owner();
        StringBuilder payload = new StringBuilder();
        Set<Table> tables = EnumSet.noneOf(Table.class);
        tables.addAll(desired.tables());
        for (Ruleset.TableRules t : current.tables()) tables.add(t.table());
        for (Table table : tables) {
            Ruleset.TableRules now = current.table(table).orElse(new Ruleset.TableRules(table, List.of(), List.of()));
            Map<String, List<Rule>> chains = desired.chains(table);
            List<OwnedRules.Hook> hooks = desired.hooks(table);
            List<String> lines = new ArrayList<>();

            // Shared chains are created when absent and otherwise left exactly as they are (never declared with
            // ':', which would flush them).
            for (String chain : desired.sharedChains(table)) {
                if (now.chain(chain).isEmpty()) lines.add("-N " + chain);
            }
            for (String chain : chains.keySet()) lines.add(":" + chain + " - [0:0]");
            for (List<Rule> rules : chains.values()) for (Rule r : rules) lines.add(r.render());

            // Existing rules of this owner outside its own chains (hooks and leftovers), keyed by the words
            // iptables reads (Rule.equals), so quoting differences do not matter.
            Map<Rule, List<Rule>> existing = new HashMap<>();
            for (Rule r : now.rules()) {
                if (owner.ownsChain(r.chain()) || !owner.equals(r.owner().orElse(null))) continue;
                existing.computeIfAbsent(r, k -> new ArrayList<>()).add(r);
            }
            // Hooks inserted at the top go in reverse so that they end up in the listed order.
            List<String> inserts = new ArrayList<>();
            for (OwnedRules.Hook h : hooks) {
                List<Rule> present = existing.remove(h.rule());
                if (present == null || present.isEmpty()) {
                    Rule r = h.rule();
                    if (h.first()) inserts.add(0, "-I " + r.chain() + " 1 " + r.specification());
                    else inserts.add(r.render());
                } else {
                    for (int i = 1; i < present.size(); i++) lines.add(delete(present.get(i)));
                }
            }
            lines.addAll(inserts);
            for (List<Rule> stale : existing.values()) for (Rule r : stale) lines.add(delete(r));

            List<String> staleChains = new ArrayList<>();
            for (Ruleset.Chain c : now.chains()) {
                if (owner.ownsChain(c.name()) && !chains.containsKey(c.name())) staleChains.add(c.name());
            }
            // Flush every stale chain before deleting any: they may jump into each other.
            for (String c : staleChains) lines.add("-F " + c);
            for (String c : staleChains) lines.add("-X " + c);

            if (lines.isEmpty()) continue;
            payload.append('*').append(table.tableName()).append('\n');
            for (String l : lines) payload.append(l).append('\n');
            payload.append("COMMIT\n");
        }
        return payload.toString();
    }

    /** Compares desired and current; see {@link Diff}. */
    public static Diff diff(OwnedRules desired, Ruleset current) {
        Owner owner = desired.owner();
        List<Diff.Entry> missing = new ArrayList<>();
        List<Diff.Entry> unexpected = new ArrayList<>();
        Set<Table> tables = EnumSet.noneOf(Table.class);
        tables.addAll(desired.tables());
        for (Ruleset.TableRules t : current.tables()) tables.add(t.table());
        for (Table table : tables) {
            Ruleset.TableRules now = current.table(table).orElse(new Ruleset.TableRules(table, List.of(), List.of()));
            Map<String, List<Rule>> chains = desired.chains(table);
            for (String chain : desired.sharedChains(table)) {
                if (now.chain(chain).isEmpty()) missing.add(new Diff.Entry(table, ":" + chain + " - [0:0]"));
            }
            for (Map.Entry<String, List<Rule>> e : chains.entrySet()) {
                String chain = e.getKey();
                if (now.chain(chain).isEmpty()) {
                    missing.add(new Diff.Entry(table, ":" + chain + " - [0:0]"));
                    for (Rule r : e.getValue()) missing.add(new Diff.Entry(table, r.render()));
                    continue;
                }
                // Text netkit cannot read inside its own chain was put there by someone else: report it.
                for (Ruleset.Unreadable u : now.unreadable()) {
                    if (chain.equals(u.chain())) unexpected.add(new Diff.Entry(table, Validation.printable(u.text())));
                }
                List<Rule> want = e.getValue();
                List<Rule> have = now.rules(chain);
                if (want.equals(have)) continue;
                List<Rule> extra = new ArrayList<>(have);
                List<Rule> lacking = new ArrayList<>();
                for (Rule r : want) if (!extra.remove(r)) lacking.add(r);
                if (lacking.isEmpty() && extra.isEmpty()) {
                    // Same rules in another order: the chain as a whole is wrong.
                    lacking = want;
                    extra = have;
                }
                for (Rule r : lacking) missing.add(new Diff.Entry(table, r.render()));
                for (Rule r : extra) unexpected.add(new Diff.Entry(table, r.render()));
            }
            Map<Rule, Integer> hookCounts = new HashMap<>();
            for (OwnedRules.Hook h : desired.hooks(table)) hookCounts.merge(h.rule(), 1, Integer::sum);
            for (OwnedRules.Hook h : desired.hooks(table)) {
                boolean present = false;
                for (Rule r : now.rules()) if (r.equals(h.rule())) present = true;
                if (!present) missing.add(new Diff.Entry(table, h.rule().render()));
            }
            Map<Rule, Integer> seen = new HashMap<>();
            for (Rule r : now.rules()) {
                if (owner.ownsChain(r.chain()) || !owner.equals(r.owner().orElse(null))) continue;
                int n = seen.merge(r, 1, Integer::sum);
                if (n > hookCounts.getOrDefault(r, 0)) unexpected.add(new Diff.Entry(table, r.render()));
            }
            for (Ruleset.Chain c : now.chains()) {
                if (owner.ownsChain(c.name()) && !chains.containsKey(c.name())) {
                    unexpected.add(new Diff.Entry(table, ":" + c.name() + " - [0:0]"));
                    for (Rule r : now.rules(c.name())) unexpected.add(new Diff.Entry(table, r.render()));
                    for (Ruleset.Unreadable u : now.unreadable()) {
                        if (c.name().equals(u.chain())) unexpected.add(new Diff.Entry(table, Validation.printable(u.text())));
                    }
                }
            }
        }
        return new Diff(missing, unexpected);
    }

    /**
     * The payload that turns {@code known} (what this process applied last for the owner, assumed still in
     * place) into {@code desired}, without reading the kernel. Every hook that is assumed present is deleted
     * and inserted again, and every stale chain is deleted by name, so if the assumption is wrong (another
     * tool removed something) the restore fails atomically instead of leaving a duplicate or a gap; the
     * caller then falls back to {@link #apply} with a fresh iptables-save.
     */
    public static String applyKnown(OwnedRules desired, OwnedRules known) {
        StringBuilder payload = new StringBuilder();
        Set<Table> tables = EnumSet.noneOf(Table.class);
        tables.addAll(desired.tables());
        tables.addAll(known.tables());
        for (Table table : tables) {
            Map<String, List<Rule>> chains = desired.chains(table);
            List<String> lines = new ArrayList<>();
            for (String chain : chains.keySet()) lines.add(":" + chain + " - [0:0]");
            for (List<Rule> rules : chains.values()) for (Rule r : rules) lines.add(r.render());
            for (OwnedRules.Hook h : known.hooks(table)) lines.add(delete(h.rule()));
            List<String> inserts = new ArrayList<>();
            for (OwnedRules.Hook h : desired.hooks(table)) {
                Rule r = h.rule();
                if (h.first()) inserts.add(0, "-I " + r.chain() + " 1 " + r.specification());
                else inserts.add(r.render());
            }
            lines.addAll(inserts);
            List<String> stale = new ArrayList<>();
            for (String c : known.chains(table).keySet()) if (!chains.containsKey(c)) stale.add(c);
            for (String c : stale) lines.add("-F " + c);
            for (String c : stale) lines.add("-X " + c);
            if (lines.isEmpty()) continue;
            payload.append('*').append(table.tableName()).append('\n');
            for (String l : lines) payload.append(l).append('\n');
            payload.append("COMMIT\n");
        }
        return payload.toString();
    }

    /**
     * The payload that creates {@code desired} on the assumption that its owner has nothing in this family yet:
     * per table, {@code -N CHAIN} for each owned chain (which fails if the chain exists), the chains' rules, then
     * the hooks. If the restore succeeds, none of the chains existed, so no jump into them (no hook) can have
     * existed either: nothing is duplicated. If any chain existed, that table block fails atomically.
     */
    public static String applyNew(OwnedRules desired) {
        StringBuilder payload = new StringBuilder();
        for (Table table : desired.tables()) {
            Map<String, List<Rule>> chains = desired.chains(table);
            List<String> lines = new ArrayList<>();
            for (String chain : chains.keySet()) lines.add("-N " + chain);
            for (List<Rule> rules : chains.values()) for (Rule r : rules) lines.add(r.render());
            List<String> inserts = new ArrayList<>();
            for (OwnedRules.Hook h : desired.hooks(table)) {
                Rule r = h.rule();
                if (h.first()) inserts.add(0, "-I " + r.chain() + " 1 " + r.specification());
                else inserts.add(r.render());
            }
            lines.addAll(inserts);
            if (lines.isEmpty()) continue;
            payload.append('*').append(table.tableName()).append('\n');
            for (String l : lines) payload.append(l).append('\n');
            payload.append("COMMIT\n");
        }
        return payload.toString();
    }

    /**
     * Undoes a successful {@link #applyNew} block in each of {@code tables}: deletes the hooks, then flushes and
     * deletes the chains (all of which that block created).
     */
    public static String undoNew(OwnedRules desired, Set<Table> tables) {
        StringBuilder payload = new StringBuilder();
        for (Table table : tables) {
            Map<String, List<Rule>> chains = desired.chains(table);
            List<String> lines = new ArrayList<>();
            for (OwnedRules.Hook h : desired.hooks(table)) lines.add(delete(h.rule()));
            for (String c : chains.keySet()) lines.add("-F " + c);
            for (String c : chains.keySet()) lines.add("-X " + c);
            if (lines.isEmpty()) continue;
            payload.append('*').append(table.tableName()).append('\n');
            for (String l : lines) payload.append(l).append('\n');
            payload.append("COMMIT\n");
        }
        return payload.toString();
    }

    /** The tables whose blocks in {@code payload} end (COMMIT) before the 1-based line {@code failedLine}. */
    public static Set<Table> committedBefore(String payload, int failedLine) {
        Set<Table> done = EnumSet.noneOf(Table.class);
        String[] lines = payload.split("\n", -1);
        Table current = null;
        for (int i = 0; i < Math.min(failedLine - 1, lines.length); i++) {
            String l = lines[i];
            if (l.startsWith("*")) current = Table.of(l.substring(1));
            else if (l.equals("COMMIT") && current != null) done.add(current);
        }
        return done;
    }

    private static String delete(Rule r) {
        return "-D " + r.chain() + " " + r.specification();
    }
}
