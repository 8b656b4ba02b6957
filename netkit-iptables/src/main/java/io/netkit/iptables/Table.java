package io.netkit.iptables;

import java.util.List;

/**
 * An iptables table, as selected by {@code iptables -t NAME}, with its built-in chains.
 *
 * <p>{@code Table.NAT.tableName()} is {@code "nat"}; {@code Table.NAT.builtinChains()} is
 * {@code [PREROUTING, INPUT, OUTPUT, POSTROUTING]}.
 */
public enum Table {
    /** {@code -t filter}: INPUT, FORWARD, OUTPUT. */
    FILTER("filter", List.of("INPUT", "FORWARD", "OUTPUT")),
    /** {@code -t nat}: PREROUTING, INPUT, OUTPUT, POSTROUTING. */
    NAT("nat", List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")),
    /** {@code -t mangle}: all five hooks. */
    MANGLE("mangle", List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")),
    /** {@code -t raw}: PREROUTING, OUTPUT. */
    RAW("raw", List.of("PREROUTING", "OUTPUT")),
    /** {@code -t security}: INPUT, FORWARD, OUTPUT. */
    SECURITY("security", List.of("INPUT", "FORWARD", "OUTPUT"));

    private final String tableName;
    private final List<String> builtinChains;

    Table(String tableName, List<String> builtinChains) {
        this.tableName = tableName;
        this.builtinChains = builtinChains;
    }

    /** The name iptables uses ({@code -t NAME}, {@code *NAME} in a restore payload). */
    public String tableName() {
        return tableName;
    }

    /** The chains the kernel provides in this table, in iptables-save order. */
    public List<String> builtinChains() {
        return builtinChains;
    }

    /** Whether {@code chain} is one of this table's built-in chains. */
    public boolean isBuiltin(String chain) {
        return builtinChains.contains(chain);
    }

    /** The table called {@code name} ("nat"); IllegalArgumentException quoting the name otherwise. */
    public static Table of(String name) {
        for (Table t : values()) {
            if (t.tableName.equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown iptables table \"" + name
                + "\": expected one of filter, nat, mangle, raw, security");
    }

    @Override
    public String toString() {
        return tableName;
    }
}
