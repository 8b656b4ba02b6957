package io.netkit.netlink;

import java.util.List;

/**
 * One or more requests of a {@link NetlinkBatch} failed. Each failure is reported against its own request
 * ({@link #failures()}, in request order, with {@link #failedIndices()} giving their positions in the batch);
 * requests not listed succeeded. The kernel processes every request of a batch, so later requests were
 * attempted even after an earlier one failed.
 */
public class NetlinkBatchException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    private final List<NetlinkException> failures;
    private final List<Integer> failedIndices;
    private final int batchSize;
    private final List<Integer> appliedIndices;
    private final List<Integer> unconfirmedIndices;
    private final List<Integer> notSentIndices;
    private final NetlinkException receiveFailure;
    private final List<Integer> attributeOffsets;

    /** The failures (non-empty, in request order), their zero-based positions in the batch, and the batch size. */
    public NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize) {
        this(failures, failedIndices, batchSize, null, false);
    }

    /**
     * As {@link #NetlinkBatchException(List, List, int)}, with the kernel's pointer at the offending attribute of
     * each failed request ({@code NLMSGERR_ATTR_OFFS}: its offset from the start of that request's
     * {@code nlmsghdr}, or -1 where the kernel gave none), parallel to the failures.
     */
    public NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize,
                                 List<Integer> attributeOffsets) {
        this(failures, failedIndices, batchSize, java.util.Objects.requireNonNull(attributeOffsets, "attributeOffsets == null"),
                true);
    }

    private NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize,
                                  List<Integer> attributeOffsets, boolean withOffsets) {
        super(summary(failures, failedIndices, batchSize), "batch", null, failures.get(0).errno(),
                failures.get(0).extAck(), failures.get(0), true);
        if (withOffsets && attributeOffsets.size() != failures.size()) {
            throw new IllegalArgumentException(attributeOffsets.size() + " offsets for " + failures.size() + " failures");
        }
        this.failures = List.copyOf(failures);
        this.failedIndices = List.copyOf(failedIndices);
        this.batchSize = batchSize;
        java.util.List<Integer> applied = new java.util.ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            if (!failedIndices.contains(i)) {
                applied.add(i);
            }
        }
        this.appliedIndices = List.copyOf(applied);
        this.unconfirmedIndices = List.of();
        this.notSentIndices = List.of();
        this.receiveFailure = null;
        this.attributeOffsets = withOffsets ? List.copyOf(attributeOffsets) : null;
        for (int i = 1; i < failures.size(); i++) {
            addSuppressed(failures.get(i));
        }
    }

    /**
     * A batch whose sending or receiving failed part-way ({@code cause}: a receive timeout, a receive buffer
     * overrun, ...): what was learned until then is kept. Requests the kernel acknowledged were applied
     * ({@code applied}) or refused ({@code failures}); requests sent but not acknowledged may or may not have been
     * applied ({@code unconfirmed}: read the state back); requests never sent were not applied ({@code notSent}).
     */
    public NetlinkBatchException(NetlinkException cause, List<NetlinkException> failures, List<Integer> failedIndices,
                                 List<Integer> applied, List<Integer> unconfirmed, List<Integer> notSent, int batchSize) {
        super(summary(cause, failures, failedIndices, applied, unconfirmed, notSent, batchSize), "batch", null,
                cause.errno(), cause.extAck(), cause, true);
        this.failures = List.copyOf(failures);
        this.failedIndices = List.copyOf(failedIndices);
        this.batchSize = batchSize;
        this.appliedIndices = List.copyOf(applied);
        this.unconfirmedIndices = List.copyOf(unconfirmed);
        this.notSentIndices = List.copyOf(notSent);
        this.receiveFailure = cause;
        this.attributeOffsets = null;
        for (NetlinkException f : failures) {
            addSuppressed(f);
        }
    }

    /**
     * Where the kernel pointed in each failed request ({@code NLMSGERR_ATTR_OFFS}, from the start of its
     * {@code nlmsghdr}; -1 where it did not), parallel to {@link #failures()}; all -1 when not recorded.
     */
    public List<Integer> attributeOffsets() {
        if (attributeOffsets == null) {
            return java.util.Collections.nCopies(failures.size(), -1);
        }
        return attributeOffsets;
    }

    /** Zero-based positions of the requests the kernel acknowledged as applied. */
    public List<Integer> appliedIndices() {
        return appliedIndices;
    }

    /**
     * Positions of requests that were sent but whose acknowledgement never arrived because sending or receiving
     * failed part-way ({@link #receiveFailure()}): they may or may not have been applied. Empty when every
     * request was answered.
     */
    public List<Integer> unconfirmedIndices() {
        return unconfirmedIndices;
    }

    /** Positions of requests never sent because the batch stopped part-way: not applied. */
    public List<Integer> notSentIndices() {
        return notSentIndices;
    }

    /** The send or receive failure that stopped the batch part-way, or null when every request was answered. */
    public NetlinkException receiveFailure() {
        return receiveFailure;
    }

    private static String summary(NetlinkException cause, List<NetlinkException> failures, List<Integer> indices,
                                  List<Integer> applied, List<Integer> unconfirmed, List<Integer> notSent, int size) {
        StringBuilder sb = new StringBuilder();
        sb.append("batch of ").append(size).append(" request(s) stopped part-way: ").append(cause.getMessage())
                .append("\n  applied (acknowledged): ").append(applied.size())
                .append(", refused: ").append(failures.size())
                .append(", unconfirmed (sent, no answer; read the state back): ").append(ranges(unconfirmed))
                .append(", not sent: ").append(ranges(notSent));
        for (int i = 0; i < Math.min(failures.size(), 10); i++) {
            sb.append("\n  [").append(indices.get(i)).append("] ").append(failures.get(i).getMessage());
        }
        return sb.toString();
    }

    /** "none", or the positions as ranges: "[3..9, 12]". */
    private static String ranges(List<Integer> idx) {
        if (idx.isEmpty()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder("[");
        int i = 0;
        while (i < idx.size()) {
            int j = i;
            while (j + 1 < idx.size() && idx.get(j + 1) == idx.get(j) + 1) {
                j++;
            }
            sb.append(i > 0 ? ", " : "").append(idx.get(i));
            if (j > i) {
                sb.append("..").append(idx.get(j));
            }
            i = j + 1;
        }
        return sb.append(']').toString();
    }

    /** The failed requests' exceptions, in request order. */
    public List<NetlinkException> failures() {
        return failures;
    }

    /** Zero-based positions in the batch of the failed requests, parallel to {@link #failures()}. */
    public List<Integer> failedIndices() {
        return failedIndices;
    }

    /** Number of requests in the batch. */
    public int batchSize() {
        return batchSize;
    }

    private static String summary(List<NetlinkException> failures, List<Integer> indices, int size) {
        StringBuilder sb = new StringBuilder();
        sb.append(failures.size()).append(" of ").append(size).append(" batched request(s) failed");
        int shown = Math.min(failures.size(), 10);
        for (int i = 0; i < shown; i++) {
            sb.append("\n  [").append(indices.get(i)).append("] ").append(failures.get(i).getMessage());
        }
        if (failures.size() > shown) {
            sb.append("\n  ... and ").append(failures.size() - shown).append(" more");
        }
        return sb.toString();
    }
}
