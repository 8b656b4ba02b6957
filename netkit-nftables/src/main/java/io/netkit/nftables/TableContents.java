package io.netkit.nftables;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a table holds, as listed from the kernel: {@code nft list table FAMILY NAME}.
 *
 * @param table the table
 * @param chains its chains, in the kernel's order
 * @param rules its rules, chain by chain in the kernel's order, each with its handle
 * @param sets its named sets and maps
 */
public record TableContents(Table table, List<Chain> chains, List<Rule> rules, List<NftSet> sets) {
    /** Copies the lists. */
    public TableContents {
        Objects.requireNonNull(table, "table == null");
        chains = List.copyOf(chains);
        rules = List.copyOf(rules);
        sets = List.copyOf(sets);
    }

    /** The rules of chain {@code name}, in order. */
    public List<Rule> rules(String chain) {
        List<Rule> of = new ArrayList<>();
        for (Rule r : rules) {   // a loop: this runs on a fresh JVM's first Network.create()
            if (r.chain().equals(chain)) of.add(r);
        }
        return List.copyOf(of);
    }
}
