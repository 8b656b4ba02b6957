package io.netkit.nftables;

import io.netkit.netlink.NetlinkException;
import java.util.List;

/**
 * A transaction the kernel refused. Nothing of it was applied (nf_tables aborts the whole batch). Names the
 * change that failed by its position in the transaction and by the value the caller passed (the {@link Rule},
 * {@link Chain}, {@link Table}, {@link NftSet}), with the kernel's errno and extended-ack text.
 *
 * <pre>{@code
 * try { tx.commit(); }
 * catch (NftablesException e) {
 *     e.failedIndex();     // 3: the fourth change of the transaction
 *     e.failedItem();      // the Rule value written by the caller
 *     e.getMessage();      // "nf_tables transaction of 5 change(s) refused, nothing was changed: change #3 add rule
 *                          //  inet netkit forward ...: ENOENT (No such file or directory)..."
 * }
 * }</pre>
 */
public class NftablesException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    private final int failedIndex;
    private final transient Object failedItem;
    private final List<String> failedChanges;
    private final int failedExpression;

    /**
     * @param message the full message
     * @param first the kernel's answer to the first failed change (errno, ext-ack)
     * @param failedIndex position of the first failed change in the transaction, or -1 if the kernel refused the batch as a whole
     * @param failedItem the value of that change (a Rule, Chain, Table, NftSet), or null
     * @param failedExpression the index of the expression of that rule the kernel pointed at, or -1
     * @param failedChanges a description of every failed change
     */
    public NftablesException(String message, NetlinkException first, int failedIndex, Object failedItem,
                             int failedExpression, List<String> failedChanges) {
        super(message, first.operation(), first.target(), first.errno(), first.extAck(), first, true);
        this.failedIndex = failedIndex;
        this.failedItem = failedItem;
        this.failedExpression = failedExpression;
        this.failedChanges = List.copyOf(failedChanges);
    }

    /**
     * When the failed change is a rule and the kernel pointed at one of its expressions
     * ({@code NLMSGERR_ATTR_OFFS}), that expression's index in {@link Rule#expressions()}; else -1.
     */
    public int failedExpression() {
        return failedExpression;
    }

    /** Zero-based position of the first failed change in the transaction, or -1 if the whole batch was refused. */
    public int failedIndex() {
        return failedIndex;
    }

    /** The value the caller passed for the first failed change (a {@link Rule}, {@link Chain}, ...), or null. */
    public Object failedItem() {
        return failedItem;
    }

    /** Each failed change: {@code "#INDEX OPERATION TARGET: errno and kernel text"}. */
    public List<String> failedChanges() {
        return failedChanges;
    }
}
