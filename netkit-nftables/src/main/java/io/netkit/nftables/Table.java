package io.netkit.nftables;

/**
 * An nf_tables table: {@code nft add table FAMILY NAME}.
 *
 * <pre>{@code
 * Table t = Table.of(Family.INET, "netkit");   // table inet netkit
 * }</pre>
 *
 * @param family the address family
 * @param name the table's name (1..255 bytes, no NUL)
 */
public record Table(Family family, String name) {
    /** Validates the arguments. */
    public Table {
        if (family == null) {
            throw new NullPointerException("family == null");
        }
        Names.check("table name", name);
    }

    /** The table {@code FAMILY NAME}. */
    public static Table of(Family family, String name) {
        return new Table(family, name);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Table t && family == t.family && name.equals(t.name);
    }

    @Override
    public int hashCode() {
        return 31 * family.hashCode() + name.hashCode();
    }

    /** {@code FAMILY NAME}, as {@code nft} writes it (e.g. {@code inet netkit}). */
    @Override
    public String toString() {
        return family.nftName() + " " + name;
    }
}
