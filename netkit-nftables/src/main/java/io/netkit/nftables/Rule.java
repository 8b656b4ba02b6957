package io.netkit.nftables;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An nf_tables rule: its expressions in order, and a comment that the kernel keeps as the rule's user data
 * ({@code NFTA_RULE_USERDATA}) in the TLV format {@code nft} reads, so {@code nft list ruleset} shows it.
 *
 * <pre>{@code
 * Rule r = Rule.builder(chain)                  // nft add rule inet netkit fwd
 *         .iifname("br0").oifnameNot("br0")     //   iifname "br0" oifname != "br0"
 *         .counter().accept()                   //   counter accept
 *         .comment("netkit:br0 outbound")       //   comment "netkit:br0 outbound"
 *         .build();
 * }</pre>
 *
 * @param table the table of the rule's chain
 * @param chain the chain's name
 * @param expressions the expressions, in order (at least one)
 * @param comment the comment ({@code ""} for none); at most 253 bytes of UTF-8, no NUL
 * @param handle the kernel's handle of a listed rule; 0 for a rule not yet added
 */
public record Rule(Table table, String chain, List<Expr> expressions, String comment, long handle) {
    /** Longest comment in bytes: the user data TLV (2 bytes + NUL) must fit {@code NFT_USERDATA_MAXLEN} (256). */
    public static final int MAX_COMMENT_BYTES = 253;

    /** Validates the arguments and copies the expression list. */
    public Rule {
        Objects.requireNonNull(table, "table == null");
        Names.check("chain name", chain);
        expressions = List.copyOf(Objects.requireNonNull(expressions, "expressions == null"));
        if (expressions.isEmpty()) {
            throw new IllegalArgumentException("rule in chain " + table + " " + chain + " has no expressions");
        }
        Objects.requireNonNull(comment, "comment == null (use \"\" for none)");
        if (comment.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("comment \"" + comment.replace("\0", "\\0") + "\" contains NUL");
        }
        if (comment.getBytes(StandardCharsets.UTF_8).length > MAX_COMMENT_BYTES) {
            throw new IllegalArgumentException("comment \"" + comment + "\" is longer than " + MAX_COMMENT_BYTES
                    + " bytes; shorten it");
        }
    }

    /** A rule for {@code chain} with these expressions and comment. */
    public static Rule of(Chain chain, String comment, List<Expr> expressions) {
        return new Rule(chain.table(), chain.name(), expressions, comment, 0);
    }

    /** A builder of a rule in {@code chain}; see {@link RuleBuilder}. */
    public static RuleBuilder builder(Chain chain) {
        return new RuleBuilder(chain.table(), chain.name());
    }

    /** This rule without its handle and with its counters zeroed: what was written, for comparing with a listing. */
    public Rule normalized() {
        // loops, not streams: this runs on a fresh JVM's first Network.create(), where each stream costs ~1 ms
        boolean counters = false;
        for (Expr x : expressions) {
            counters |= x instanceof Expr.Counter;
        }
        if (handle == 0 && !counters) {
            return this;   // as written already (a rule built, not listed): no copy
        }
        List<Expr> e = new ArrayList<>(expressions.size());
        for (Expr x : expressions) {
            e.add(x instanceof Expr.Counter ? Expr.Counter.zero() : x);
        }
        return new Rule(table, chain, e, comment, 0);
    }

    /** {@code TABLE CHAIN [handle H] [comment "C"]}, for messages. */
    @Override
    public String toString() {
        return "rule in " + table + " " + chain + (handle != 0 ? " handle " + handle : "")
                + (comment.isEmpty() ? "" : " comment \"" + comment + "\"") + " " + expressions;
    }
}
