package io.netkit.iptables;

import io.netkit.iptables.internal.Planner;
import io.netkit.iptables.internal.Validation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The complete desired iptables state of one {@link Owner} for one address family: the owner's chains with
 * their rules, and the jump rules ("hooks") that lead into them from built-in chains. Immutable.
 *
 * <p>{@link Iptables#apply} makes the kernel hold exactly this: the owned chains are declared in the payload
 * (which creates or flushes them) and refilled, hooks are inserted only when absent, and the owner's chains
 * and rules that are no longer wanted are deleted — all in one atomic {@code iptables-restore --noflush}.
 *
 * <pre>{@code
 * Owner owner = Owner.of("mynet");
 * String post = owner.chain("POST");
 * OwnedRules rules = OwnedRules.builder(owner)
 *     .rule(Table.NAT, Rule.builder(post).source("172.16.0.0/24").notOutInterface("br0")
 *             .target(Target.masquerade()).build())
 *     .hook(Table.NAT, "POSTROUTING", post)
 *     .build();
 * rules.render();
 * // *nat
 * // :NETKIT-POST-11c844f9 - [0:0]
 * // -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet" -j MASQUERADE
 * // -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
 * // COMMIT
 * }</pre>
 */
public final class OwnedRules {
    private final Owner owner;
    private final Family family;
    private final Map<Table, Map<String, List<Rule>>> chains;
    private final Map<Table, List<Hook>> hooks;
    private final Map<Table, Set<String>> shared;

    private OwnedRules(Builder b) {
        this.owner = b.owner;
        this.family = b.family;
        Map<Table, Map<String, List<Rule>>> c = new EnumMap<>(Table.class);
        b.chains.forEach((t, m) -> {
            Map<String, List<Rule>> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            c.put(t, Collections.unmodifiableMap(copy));
        });
        this.chains = Collections.unmodifiableMap(c);
        Map<Table, List<Hook>> h = new EnumMap<>(Table.class);
        b.hooks.forEach((t, l) -> h.put(t, List.copyOf(l)));
        this.hooks = Collections.unmodifiableMap(h);
        Map<Table, Set<String>> sh = new EnumMap<>(Table.class);
        b.shared.forEach((t, l) -> sh.put(t, Collections.unmodifiableSet(new LinkedHashSet<>(l))));
        this.shared = Collections.unmodifiableMap(sh);
    }

    /** A builder for {@code owner}'s rules (IPv4 unless {@link Builder#family} says otherwise). */
    public static Builder builder(Owner owner) {
        return new Builder(owner);
    }

    /** Nothing: applying it removes everything {@code owner} has in {@code family}. */
    public static OwnedRules empty(Owner owner, Family family) {
        return builder(owner).family(family).build();
    }

    /** The owner. */
    public Owner owner() {
        return owner;
    }

    /** IPv4 ({@code iptables-restore}) or IPv6 ({@code ip6tables-restore}). */
    public Family family() {
        return family;
    }

    /** The tables this state uses (chains or hooks), in enum order. */
    public Set<Table> tables() {
        Set<Table> s = java.util.EnumSet.noneOf(Table.class);
        s.addAll(chains.keySet());
        s.addAll(hooks.keySet());
        return Collections.unmodifiableSet(s);
    }

    /** The owned chains of {@code table}, in declaration order, each with its rules in order. */
    public Map<String, List<Rule>> chains(Table table) {
        return chains.getOrDefault(table, Map.of());
    }

    /**
     * The shared chains of {@code table} that these rules jump to (see {@link Builder#sharedChain}): created when
     * absent, never flushed, never deleted.
     */
    public Set<String> sharedChains(Table table) {
        return shared.getOrDefault(table, Set.of());
    }

    /** Whether any table has {@link #sharedChains shared chains}. */
    public boolean hasSharedChains() {
        return !shared.isEmpty();
    }

    /** The hooks (jump rules in built-in chains) of {@code table}, in the order they should appear. */
    public List<Hook> hooks(Table table) {
        return hooks.getOrDefault(table, List.of());
    }

    /**
     * The restore payload that creates this state on a system that has none of it (the form
     * {@link Iptables#apply} sends for a first apply), table by table in enum order. For golden tests and logs.
     */
    public String render() {
        return Planner.apply(this, Ruleset.parse(""));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OwnedRules && ((OwnedRules) o).owner.equals(owner) && ((OwnedRules) o).family == family
                && ((OwnedRules) o).chains.equals(chains) && ((OwnedRules) o).hooks.equals(hooks)
                && ((OwnedRules) o).shared.equals(shared);
    }

    @Override
    public int hashCode() {
        return Objects.hash(owner, family, chains, hooks);
    }

    @Override
    public String toString() {
        return "OwnedRules[" + owner + ", " + family + "]\n" + render();
    }

    /**
     * A jump rule in a built-in (or otherwise foreign) chain leading into an owned chain. Equivalent to
     * {@code iptables -t TABLE -I CHAIN 1 SPEC} ({@link #first()}) or {@code -A CHAIN SPEC}, run only when
     * the rule is absent.
     *
     * @param rule  the jump rule, already carrying the owner's comment
     * @param first true: inserted at the top of the chain (so it runs before DROP rules of other tools)
     */
    public record Hook(Rule rule, boolean first) {
        public Hook {
            Objects.requireNonNull(rule, "rule == null");
        }
    }

    /** Builds {@link OwnedRules}; stamps the owner's comment on every rule. */
    public static final class Builder {
        private final Owner owner;
        private Family family = Family.IPV4;
        private final Map<Table, Map<String, List<Rule>>> chains = new EnumMap<>(Table.class);
        private final Map<Table, List<Hook>> hooks = new EnumMap<>(Table.class);
        private final Map<Table, Set<String>> shared = new EnumMap<>(Table.class);

        private Builder(Owner owner) {
            this.owner = Objects.requireNonNull(owner, "owner == null");
        }

        /** IPv4 (default) or IPv6: which restore tool applies these rules. */
        public Builder family(Family f) {
            this.family = Objects.requireNonNull(f, "family == null");
            return this;
        }

        /**
         * Declares the owned chain {@code chain} in {@code table} (created empty if no rule is added).
         * Equivalent to {@code iptables -t TABLE -N CHAIN}. The name must be one of this owner's
         * ({@link Owner#chain}).
         */
        public Builder chain(Table table, String chain) {
            Objects.requireNonNull(table, "table == null");
            requireOwned(chain);
            chains.computeIfAbsent(table, t -> new LinkedHashMap<>()).computeIfAbsent(chain, c -> new ArrayList<>());
            return this;
        }

        /**
         * Declares a chain that belongs to no owner but that this owner's rules may jump to, such as the
         * administrator's {@code NETKIT-USER} chain: an apply creates it ({@code iptables -t TABLE -N CHAIN}) when
         * it is absent, and netkit never flushes, refills or deletes it, so rules others put there stay.
         */
        public Builder sharedChain(Table table, String chain) {
            Objects.requireNonNull(table, "table == null");
            Validation.chainName("shared chain", chain);
            if (table.isBuiltin(chain)) {
                throw new IllegalArgumentException("shared chain \"" + chain + "\" is a built-in chain of " + table);
            }
            if (chain.matches(Owner.CHAIN_PREFIX + ".+-[0-9a-f]{8}")) {
                throw new IllegalArgumentException("shared chain \"" + chain + "\" is named like an owned chain"
                        + " (NETKIT-TAG-HASH): choose a name that no owner's chain can have");
            }
            shared.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(chain);
            return this;
        }

        /**
         * Appends {@code rule} to its owned chain (declared on first use). Equivalent to
         * {@code iptables -t TABLE -A CHAIN SPEC}. The rule's comment becomes {@code "netkit:OWNER COMMENT"}.
         */
        public Builder rule(Table table, Rule rule) {
            Objects.requireNonNull(rule, "rule == null");
            chain(table, rule.chain());
            chains.get(table).get(rule.chain()).add(stamp(rule));
            return this;
        }

        /**
         * Hooks an owned chain into a built-in chain with an unconditional jump inserted at the top:
         * {@code iptables -t TABLE -I FROM 1 -m comment --comment netkit:OWNER -j CHAIN}.
         */
        public Builder hook(Table table, String fromChain, String ownedChain) {
            return hook(table, Rule.builder(fromChain).target(Target.jump(ownedChain)).build(), true);
        }

        /**
         * Adds a jump rule with matches (for example {@code -m addrtype --dst-type LOCAL}) from a built-in
         * chain into an owned chain; {@code first}: inserted at the top ({@code -I FROM 1}), else appended.
         */
        public Builder hook(Table table, Rule jumpRule, boolean first) {
            Objects.requireNonNull(table, "table == null");
            Objects.requireNonNull(jumpRule, "jumpRule == null");
            if (owner.ownsChain(jumpRule.chain())) {
                throw new IllegalArgumentException("hook in " + jumpRule.chain()
                        + ": hooks lead from a foreign (built-in) chain into an owned chain; use rule() inside owned chains");
            }
            Target t = jumpRule.target().orElseThrow(() -> new IllegalArgumentException(
                    "hook " + jumpRule + " has no target: a hook must jump to an owned chain"));
            requireOwned(t.name());
            chain(table, t.name());
            Hook h = new Hook(stamp(jumpRule), first);
            List<Hook> list = hooks.computeIfAbsent(table, x -> new ArrayList<>());
            // The same jump twice would be one rule in the kernel's eyes (-D deletes one copy): keep one.
            for (Hook existing : list) if (existing.rule().equals(h.rule())) return this;
            list.add(h);
            return this;
        }

        /** The immutable state. */
        public OwnedRules build() {
            for (Map<String, List<Rule>> m : chains.values()) {
                for (List<Rule> rules : m.values()) {
                    for (Rule r : rules) {
                        Target t = r.target().orElse(null);
                        if (t != null && t.name().startsWith(Owner.CHAIN_PREFIX) && !owner.ownsChain(t.name())
                                && !shared.getOrDefault(tableOf(r), Set.of()).contains(t.name())) {
                            throw new IllegalArgumentException("rule " + r + " jumps to " + t.name()
                                    + ", a netkit chain of another owner");
                        }
                    }
                }
            }
            return new OwnedRules(this);
        }

        private Table tableOf(Rule r) {
            for (Map.Entry<Table, Map<String, List<Rule>>> e : chains.entrySet()) {
                List<Rule> l = e.getValue().get(r.chain());
                if (l != null && l.contains(r)) return e.getKey();
            }
            return null;
        }

        private void requireOwned(String chain) {
            Validation.chainName("chain", chain);
            if (!owner.ownsChain(chain)) {
                throw new IllegalArgumentException("chain \"" + chain + "\" is not owned by " + owner
                        + ": owned chains are named by owner.chain(tag), e.g. " + owner.chain("POST"));
            }
        }

        private Rule stamp(Rule rule) {
            if (rule.addressFamily() != null && rule.addressFamily() != family) {
                throw new IllegalArgumentException("rule " + rule + " has " + rule.addressFamily()
                        + " addresses but these rules are " + family);
            }
            String note = rule.comment().orElse(null);
            if (note != null && Owner.fromComment(note).isPresent()) {
                Owner other = Owner.fromComment(note).get();
                if (!other.equals(owner)) {
                    throw new IllegalArgumentException("rule " + rule + " already names owner " + other);
                }
                return rule;
            }
            String c = owner.comment() + (note == null ? "" : " " + note);
            return rule.withComment(Validation.comment("owner comment", c));
        }
    }
}
