package io.netkit.iptables;

import java.util.List;
import java.util.Objects;

/**
 * The difference between an owner's desired state ({@link OwnedRules}) and what the kernel holds, as found by
 * {@link Iptables#diff}. Each entry is a payload line with its table ({@code -t nat -A NETKIT-...}).
 * {@link Iptables#apply} repairs any difference.
 *
 * @param missing    chains, rules and hooks that should exist and do not (or not in this order)
 * @param unexpected the owner's chains and rules that exist but should not (stale, duplicated, or foreign
 *                   rules inside an owned chain)
 */
public record Diff(List<Entry> missing, List<Entry> unexpected) {
    /** Copies both lists. */
    public Diff {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
    }

    /** Whether the kernel holds exactly the desired state. */
    public boolean inSync() {
        return missing.isEmpty() && unexpected.isEmpty();
    }

    /**
     * One differing line.
     *
     * @param table the table
     * @param line  {@code :CHAIN - [0:0]} for a chain, {@code -A CHAIN SPEC} for a rule
     */
    public record Entry(Table table, String line) {
        /** Rejects nulls. */
        public Entry {
            Objects.requireNonNull(table, "table == null");
            Objects.requireNonNull(line, "line == null");
        }

        @Override
        public String toString() {
            return "-t " + table.tableName() + " " + line;
        }
    }
}
