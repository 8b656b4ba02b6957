package io.netkit.nftables;

import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_APPEND;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;
import static io.netkit.nftables.internal.NftConstants.*;

import io.netkit.netlink.NetlinkBatchException;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.nftables.internal.NftEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One nf_tables transaction: changes collected here and sent by {@link #commit()} as ONE batch
 * ({@code NFNL_MSG_BATCH_BEGIN}, the changes, {@code NFNL_MSG_BATCH_END}) in one datagram, which the kernel applies
 * entirely or not at all, as {@code nft -f FILE} does with a file.
 *
 * <pre>{@code
 * Table t = Table.of(Family.INET, "netkit");
 * Chain post = Chain.base(t, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
 * nft.transaction()
 *    .addTable(t)                                              // add table inet netkit
 *    .addChain(post)                                           // add chain inet netkit postrouting { type nat hook postrouting priority 100; }
 *    .addRule(Rule.builder(post).saddr(IpPrefix.parse("172.16.0.0/24")).oifnameNot("br0")
 *             .masquerade().comment("netkit:br0 masquerade").build())
 *    .commit();                                                // one transaction
 * }</pre>
 *
 * <p>The kernel reports an error for every change it refuses (and acknowledges the last change once the batch
 * is committed or aborted), so a refusal names the failing change
 * ({@link NftablesException#failedIndex()}, {@link NftablesException#failedItem()}). A transaction is used once;
 * it is not thread-safe.
 */
public final class Transaction {
    private final Nftables nft;
    private final List<Change> changes = new ArrayList<>();
    private int nextSetId = 1;
    private boolean committed;
    private long requiredGeneration = -1;

    private record Change(int msg, int flags, String operation, String target, Object item, Consumer<NlMsgWriter> body,
                          int[] exprStarts) {}

    /** Message start offsets of the last write, for mapping the kernel's attribute offsets back. */
    private int[] writtenOffsets;

    Transaction(Nftables nft) {
        this.nft = nft;
    }

    /** {@code nft add table FAMILY NAME} (no error if it exists). */
    public Transaction addTable(Table table) {
        Objects.requireNonNull(table, "table == null");
        return add(NFT_MSG_NEWTABLE, NLM_F_CREATE, "add table", table.toString(), table, w -> NftEncoder.table(w, table));
    }

    /** {@code nft delete table FAMILY NAME}: the table and everything in it. */
    public Transaction deleteTable(Table table) {
        Objects.requireNonNull(table, "table == null");
        return add(NFT_MSG_DELTABLE, 0, "delete table", table.toString(), table, w -> NftEncoder.tableRef(w, table));
    }

    /**
     * {@code nft destroy table FAMILY NAME}: deletes the table and everything in it, and is no error when it does
     * not exist (for idempotent teardown). Needs Linux 6.3 or later ({@code NFT_MSG_DESTROYTABLE}); older kernels
     * refuse the transaction with {@code EINVAL}.
     */
    public Transaction destroyTable(Table table) {
        Objects.requireNonNull(table, "table == null");
        return add(NFT_MSG_DESTROYTABLE, 0, "destroy table", table.toString(), table, w -> NftEncoder.tableRef(w, table));
    }

    /** {@code nft add chain TABLE NAME [{ type ... hook ... priority ...; policy ...; }]} (no error if it exists). */
    public Transaction addChain(Chain chain) {
        Objects.requireNonNull(chain, "chain == null");
        return add(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add chain", chain.toString(), chain, w -> NftEncoder.chain(w, chain));
    }

    /** {@code nft delete chain TABLE NAME} (the chain must be empty and unreferenced, or emptied earlier in this transaction). */
    public Transaction deleteChain(Chain chain) {
        Objects.requireNonNull(chain, "chain == null");
        return add(NFT_MSG_DELCHAIN, 0, "delete chain", chain.toString(), chain,
                w -> NftEncoder.chainRef(w, chain.table(), chain.name(), false));
    }

    /**
     * {@code nft destroy chain TABLE NAME}: as {@link #deleteChain} but no error when the chain does not exist.
     * Needs Linux 6.3 or later ({@code NFT_MSG_DESTROYCHAIN}).
     */
    public Transaction destroyChain(Chain chain) {
        Objects.requireNonNull(chain, "chain == null");
        return add(NFT_MSG_DESTROYCHAIN, 0, "destroy chain", chain.toString(), chain,
                w -> NftEncoder.chainRef(w, chain.table(), chain.name(), false));
    }

    /**
     * Makes {@code chain} hold exactly {@code rules}, in order, within this transaction: adds the chain if missing,
     * flushes it and adds the rules ({@code nft add chain ...; flush chain ...; add rule ...}). Readers of the
     * ruleset never see the chain half-written: the whole transaction commits at once.
     */
    public Transaction replaceChain(Chain chain, List<Rule> rules) {
        Objects.requireNonNull(chain, "chain == null");
        List<Rule> copy = List.copyOf(Objects.requireNonNull(rules, "rules == null"));
        for (Rule r : copy) {
            if (!r.table().equals(chain.table()) || !r.chain().equals(chain.name())) {
                throw new IllegalArgumentException("rule for " + r.table() + " " + r.chain() + " given to replace chain " + chain);
            }
        }
        addChain(chain);
        flushChain(chain);
        for (Rule r : copy) {
            addRule(r);
        }
        return this;
    }

    /** {@code nft flush chain TABLE NAME}: removes the chain's rules. */
    public Transaction flushChain(Chain chain) {
        Objects.requireNonNull(chain, "chain == null");
        return add(NFT_MSG_DELRULE, 0, "flush chain", chain.toString(), chain,
                w -> NftEncoder.chainRef(w, chain.table(), chain.name(), true));
    }

    /** {@code nft add rule TABLE CHAIN ...}: appends the rule to its chain. */
    public Transaction addRule(Rule rule) {
        Objects.requireNonNull(rule, "rule == null");
        checkWritable(rule);
        String target = rule.table() + " " + rule.chain() + (rule.comment().isEmpty() ? "" : " comment \"" + rule.comment() + "\"");
        int[] starts = new int[rule.expressions().size() + 1];
        return add(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, "add rule", target, rule,
                w -> NftEncoder.rule(w, rule, starts), starts);
    }

    /**
     * {@code nft insert rule TABLE CHAIN ...}: puts the rule at the top of its chain, before the rules already
     * there (rules inserted in one transaction end up in reverse order of insertion, as with {@code nft insert}).
     */
    public Transaction insertRule(Rule rule) {
        Objects.requireNonNull(rule, "rule == null");
        checkWritable(rule);
        String target = rule.table() + " " + rule.chain() + (rule.comment().isEmpty() ? "" : " comment \"" + rule.comment() + "\"");
        int[] starts = new int[rule.expressions().size() + 1];
        return add(NFT_MSG_NEWRULE, NLM_F_CREATE, "insert rule", target, rule, w -> NftEncoder.rule(w, rule, starts), starts);
    }

    /** {@code nft delete rule TABLE CHAIN handle H}: a rule listed by {@link Nftables#list(Table)}. */
    public Transaction deleteRule(Rule rule) {
        Objects.requireNonNull(rule, "rule == null");
        if (rule.handle() == 0) {
            throw new IllegalArgumentException("rule in " + rule.table() + " " + rule.chain()
                    + " has no handle: delete a rule as listed by Nftables.list, or flush its chain");
        }
        return add(NFT_MSG_DELRULE, 0, "delete rule", rule.table() + " " + rule.chain() + " handle " + rule.handle(), rule,
                w -> NftEncoder.ruleRef(w, rule));
    }

    /** {@code nft add set|map TABLE NAME '{ type KEY [: VALUE]; }'}. */
    public Transaction addSet(NftSet set) {
        Objects.requireNonNull(set, "set == null");
        int id = nextSetId++;
        return add(NFT_MSG_NEWSET, NLM_F_CREATE, "add " + (set.isMap() ? "map" : "set"), set.table() + " " + set.name(), set,
                w -> NftEncoder.set(w, set, id));
    }

    /** {@code nft delete set|map TABLE NAME}. */
    public Transaction deleteSet(NftSet set) {
        Objects.requireNonNull(set, "set == null");
        return add(NFT_MSG_DELSET, 0, "delete " + (set.isMap() ? "map" : "set"), set.table() + " " + set.name(), set,
                w -> NftEncoder.setRef(w, set));
    }

    /** {@code nft add element TABLE SET '{ ... }'}: keys (and values of a map) of the set's types and lengths. */
    public Transaction addElements(NftSet set, List<SetElement> elements) {
        List<SetElement> copy = checkElements(set, elements, true);
        return add(NFT_MSG_NEWSETELEM, NLM_F_CREATE, "add element", set.table() + " " + set.name(), set,
                w -> NftEncoder.elements(w, set, copy, true));
    }

    /** {@code nft delete element TABLE SET '{ ... }'}: by key. */
    public Transaction deleteElements(NftSet set, List<SetElement> elements) {
        List<SetElement> copy = checkElements(set, elements, false);
        return add(NFT_MSG_DELSETELEM, 0, "delete element", set.table() + " " + set.name(), set,
                w -> NftEncoder.elements(w, set, copy, false));
    }

    /**
     * Makes the transaction conditional: the kernel applies it only if the ruleset generation is still
     * {@code generation} (as read with {@link Nftables#generation()}), so a change computed from a listing cannot
     * overwrite what another process committed meanwhile ({@code NFNL_BATCH_GENID}; {@code nft} uses the same
     * check). If the generation moved on, {@link #commit()} fails with {@code ERESTART} and nothing is applied:
     * list again and retry.
     */
    public Transaction onlyIfGeneration(long generation) {
        if (generation < 0 || generation > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("generation " + generation + " out of range 0..2^32-1");
        }
        this.requiredGeneration = generation;
        return this;
    }

    /** How many changes this transaction holds. */
    public int size() {
        return changes.size();
    }

    /**
     * Sends all changes as one batch and waits for the kernel's answers. On success every change is applied;
     * on failure none is.
     *
     * @throws NftablesException naming the failed change(s) and the kernel's reason; nothing was changed
     * @throws IllegalStateException if this transaction was committed before, or holds no change
     */
    public void commit() {
        if (committed) {
            throw new IllegalStateException("transaction already committed: start a new one with Nftables.transaction()");
        }
        if (changes.isEmpty()) {
            throw new IllegalStateException("empty transaction: add a change before commit()");
        }
        committed = true;
        nft.commit(this);
    }

    /** Writes BEGIN, the changes, END into {@code w}; fills offsets/operations/targets (count = size() + 2). */
    void write(NlMsgWriter w, int[] offsets, String[] operations, String[] targets) {
        offsets[0] = w.beginMessage(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, 0);
        if (requiredGeneration >= 0) {
            NftEncoder.batchHeader(w, requiredGeneration);
        } else {
            NftEncoder.batchHeader(w);
        }
        w.endMessage();
        operations[0] = "begin nf_tables transaction";
        for (int i = 0; i < changes.size(); i++) {
            Change c = changes.get(i);
            // Only the last change asks for an ack: the kernel reports every error anyway, before that ack, and
            // thousands of acks would overrun the receive buffer (ENOBUFS) and hide the outcome.
            int ack = i == changes.size() - 1 ? NLM_F_ACK : 0;
            offsets[i + 1] = w.beginMessage(msgType(c.msg), NLM_F_REQUEST | ack | c.flags, 0, 0);
            c.body.accept(w);
            w.endMessage();
            operations[i + 1] = "#" + i + " " + c.operation;
            targets[i + 1] = c.target;
        }
        int end = changes.size() + 1;
        offsets[end] = w.beginMessage(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, 0);
        NftEncoder.batchHeader(w);
        w.endMessage();
        operations[end] = "end nf_tables transaction";
        writtenOffsets = offsets;
    }

    /** The exception for the kernel's refusal, with failed changes mapped back to what the caller wrote. */
    NftablesException failure(NetlinkBatchException e) {
        int n = changes.size();
        List<String> described = new ArrayList<>();
        int firstIndex = -1;
        int firstExpr = -1;
        Object firstItem = null;
        NetlinkException first = null;
        for (int k = 0; k < e.failures().size(); k++) {
            int idx = e.failedIndices().get(k) - 1;
            NetlinkException f = e.failures().get(k);
            boolean change = idx >= 0 && idx < n;
            int expr = change ? expressionAt(idx, e.attributeOffsets().get(k)) : -1;
            if (first == null || (firstIndex < 0 && change)) {
                first = f;
                firstIndex = change ? idx : -1;
                firstItem = change ? changes.get(idx).item : null;
                firstExpr = expr;
            }
            String d = f.getMessage();
            if (expr >= 0) {
                Rule r = (Rule) changes.get(idx).item;
                d += "; the kernel refused expression #" + expr + " of the rule: " + r.expressions().get(expr);
            } else if (!change && f.errno() == io.netkit.netlink.Errno.ERESTART && requiredGeneration >= 0) {
                d += "; the ruleset generation is no longer " + requiredGeneration
                        + " (another change was committed meanwhile): list again and retry";
            } else if (!change) {
                d += "; the kernel refused the transaction as a whole";
            }
            described.add(d);
        }
        StringBuilder sb = new StringBuilder("nf_tables transaction of ").append(n)
                .append(" change(s) refused, nothing was changed:");
        for (String d : described) {
            sb.append("\n  ").append(d);
        }
        return new NftablesException(sb.toString(), first, firstIndex, firstItem, firstExpr, described);
    }

    private Transaction add(int msg, int flags, String operation, String target, Object item, Consumer<NlMsgWriter> body) {
        return add(msg, flags, operation, target, item, body, null);
    }

    private Transaction add(int msg, int flags, String operation, String target, Object item, Consumer<NlMsgWriter> body,
                            int[] exprStarts) {
        if (committed) {
            throw new IllegalStateException("transaction already committed: start a new one with Nftables.transaction()");
        }
        changes.add(new Change(msg, flags, operation, target, item, body, exprStarts));
        return this;
    }

    /**
     * Which expression of the rule of change {@code idx} the kernel's attribute offset (from that message's start)
     * falls in, or -1.
     */
    private int expressionAt(int idx, int offset) {
        Change c = changes.get(idx);
        if (c.exprStarts == null || offset < 0 || writtenOffsets == null) {
            return -1;
        }
        int abs = writtenOffsets[idx + 1] + offset;
        for (int k = 0; k + 1 < c.exprStarts.length; k++) {
            if (abs >= c.exprStarts[k] && abs < c.exprStarts[k + 1]) {
                return k;
            }
        }
        return -1;
    }

    private static void checkWritable(Rule rule) {
        for (Expr e : rule.expressions()) {
            if (e instanceof Expr.Unknown u) {
                throw new IllegalArgumentException("rule in " + rule.table() + " " + rule.chain() + " holds expression \""
                        + u.name() + "\", which netkit lists but cannot write; build the rule from modelled expressions");
            }
        }
    }

    private static List<SetElement> checkElements(NftSet set, List<SetElement> elements, boolean withValues) {
        Objects.requireNonNull(set, "set == null");
        List<SetElement> copy = List.copyOf(Objects.requireNonNull(elements, "elements == null"));
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("no elements given for " + set);
        }
        for (SetElement e : copy) {
            if (e.key().length() != set.keyType().length()) {
                throw new IllegalArgumentException("element key " + e.key() + " of " + e.key().length() + " bytes does not fit "
                        + set + " with keys of type " + set.keyType().nftName() + " (" + set.keyType().length() + " bytes)");
            }
            if (withValues && set.isMap()) {
                SetType dt = set.dataType().get();
                if (e.value().isEmpty() || e.value().get().length() != dt.length()) {
                    throw new IllegalArgumentException("element " + e.key() + " needs a value of type " + dt.nftName()
                            + " (" + dt.length() + " bytes) in " + set);
                }
            } else if (withValues && e.value().isPresent()) {
                throw new IllegalArgumentException("element " + e.key() + " has a value, but " + set + " is not a map");
            }
        }
        return copy;
    }
}
