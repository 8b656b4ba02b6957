package io.netkit.nftables;

import java.util.Objects;
import java.util.Optional;

/**
 * A named set ({@code nft add set inet netkit ports '{ type inet_service; }'}) or map
 * ({@code nft add map inet netkit published '{ type inet_service : ipv4_addr . inet_service; }'}) in a table.
 * Rules refer to it by name ({@link RuleBuilder#dportIn}, {@link RuleBuilder#dnatIpv4PortMap}); its elements
 * change without touching those rules.
 *
 * @param table the table
 * @param name the set's name
 * @param keyType the type of the keys
 * @param dataType the type of a map's values; empty for a set
 */
public record NftSet(Table table, String name, SetType keyType, Optional<SetType> dataType) {
    /** Validates the arguments. */
    public NftSet {
        Objects.requireNonNull(table, "table == null");
        Names.check("set name", name);
        Objects.requireNonNull(keyType, "keyType == null");
        Objects.requireNonNull(dataType, "dataType == null (use Optional.empty() for a set)");
    }

    /** A set: {@code nft add set TABLE NAME '{ type KEY; }'}. */
    public static NftSet set(Table table, String name, SetType keyType) {
        return new NftSet(table, name, keyType, Optional.empty());
    }

    /** A map: {@code nft add map TABLE NAME '{ type KEY : VALUE; }'}. */
    public static NftSet map(Table table, String name, SetType keyType, SetType dataType) {
        return new NftSet(table, name, keyType, Optional.of(dataType));
    }

    /** Whether this is a map. */
    public boolean isMap() {
        return dataType.isPresent();
    }

    /** {@code set|map TABLE NAME}. */
    @Override
    public String toString() {
        return (isMap() ? "map " : "set ") + table + " " + name;
    }
}
