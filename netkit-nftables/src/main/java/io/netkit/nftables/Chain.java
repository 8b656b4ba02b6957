package io.netkit.nftables;

import java.util.Objects;
import java.util.Optional;

/**
 * An nf_tables chain: a regular chain ({@code nft add chain inet netkit fwd-br0}), reached only by jump/goto,
 * or a base chain attached to a hook
 * ({@code nft add chain inet netkit forward '{ type filter hook forward priority 0; policy accept; }'}).
 *
 * <pre>{@code
 * Table t = Table.of(Family.INET, "netkit");
 * Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
 * Chain mine = Chain.regular(t, "fwd-br0");
 * }</pre>
 *
 * @param table the table the chain belongs to
 * @param name the chain's name (1..255 bytes, no NUL)
 * @param base the hook, priority, type and policy of a base chain; empty for a regular chain
 */
public record Chain(Table table, String name, Optional<Base> base) {
    /** Validates the arguments. */
    public Chain {
        Objects.requireNonNull(table, "table == null");
        Names.check("chain name", name);
        Objects.requireNonNull(base, "base == null (use Optional.empty() for a regular chain)");
    }

    // equals and hashCode written out (here, in Base and in Table): a record's generated ones bootstrap ObjectMethods
    // (invokedynamic) at first use, ~15 ms of method-handle spinning in a fresh JVM's first create.
    @Override
    public boolean equals(Object o) {
        return o instanceof Chain c && table.equals(c.table) && name.equals(c.name) && base.equals(c.base);
    }

    @Override
    public int hashCode() {
        return (31 * table.hashCode() + name.hashCode()) * 31 + base.hashCode();
    }

    /** A regular chain: {@code nft add chain TABLE NAME}. */
    public static Chain regular(Table table, String name) {
        return new Chain(table, name, Optional.empty());
    }

    /**
     * A base chain: {@code nft add chain TABLE NAME '{ type TYPE hook HOOK priority PRIORITY; policy POLICY; }'}.
     */
    public static Chain base(Table table, String name, Type type, Hook hook, int priority, Policy policy) {
        return new Chain(table, name, Optional.of(new Base(type, hook, priority, policy)));
    }

    /** Whether this chain is attached to a hook. */
    public boolean isBase() {
        return base.isPresent();
    }

    /** {@code TABLE NAME}, as {@code nft} writes it (e.g. {@code inet netkit forward}). */
    @Override
    public String toString() {
        return table + " " + name;
    }

    /**
     * What makes a chain a base chain.
     *
     * @param type {@code filter}, {@code nat} or {@code route}
     * @param hook where packets enter the chain
     * @param priority the order among chains on the same hook (lower first; {@code filter} is 0, {@code srcnat} 100,
     *                 {@code dstnat} -100)
     * @param policy the verdict for packets no rule decided
     */
    public record Base(Type type, Hook hook, int priority, Policy policy) {
        /** Validates the arguments. */
        public Base {
            Objects.requireNonNull(type, "type == null");
            Objects.requireNonNull(hook, "hook == null");
            Objects.requireNonNull(policy, "policy == null");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Base b && type == b.type && hook == b.hook && priority == b.priority
                    && policy == b.policy;
        }

        @Override
        public int hashCode() {
            return ((type.hashCode() * 31 + hook.hashCode()) * 31 + priority) * 31 + policy.hashCode();
        }
    }

    /** A base chain's type ({@code type filter|nat|route}). */
    public enum Type {
        /** {@code filter} */
        FILTER("filter"),
        /** {@code nat}: sees the first packet of each connection only. */
        NAT("nat"),
        /** {@code route} (output hook only). */
        ROUTE("route");

        private final String nftName;

        Type(String nftName) {
            this.nftName = nftName;
        }

        /** The name {@code nft} (and the kernel) uses. */
        public String nftName() {
            return nftName;
        }

        /** The type named {@code name}, or null. */
        public static Type ofName(String name) {
            for (Type t : values()) {
                if (t.nftName.equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** A base chain's policy ({@code policy accept|drop}). */
    public enum Policy {
        /** {@code accept} ({@code NF_ACCEPT}) */
        ACCEPT,
        /** {@code drop} ({@code NF_DROP}) */
        DROP
    }
}
