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
    private final List<Integer> attributeOffsets;

    /** The failures (non-empty, in request order), their zero-based positions in the batch, and the batch size. */
    public NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize) {
        super(summary(failures, failedIndices, batchSize), "batch", null, failures.get(0).errno(),
                failures.get(0).extAck(), failures.get(0), true);
        this.failures = List.copyOf(failures);
        this.failedIndices = List.copyOf(failedIndices);
        this.batchSize = batchSize;
        this.attributeOffsets = null;
        for (int i = 1; i < failures.size(); i++) {
            addSuppressed(failures.get(i));
        }
    }

    /**
     * As {@link #NetlinkBatchException(List, List, int)}, with the kernel's pointer at the offending attribute of
     * each failed request ({@code NLMSGERR_ATTR_OFFS}: its offset from the start of that request's
     * {@code nlmsghdr}, or -1 where the kernel gave none), parallel to the failures.
     */
    public NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize,
                                 List<Integer> attributeOffsets) {
        super(summary(failures, failedIndices, batchSize), "batch", null, failures.get(0).errno(),
                failures.get(0).extAck(), failures.get(0), true);
        if (attributeOffsets.size() != failures.size()) {
            throw new IllegalArgumentException(attributeOffsets.size() + " offsets for " + failures.size() + " failures");
        }
        this.failures = List.copyOf(failures);
        this.failedIndices = List.copyOf(failedIndices);
        this.batchSize = batchSize;
        this.attributeOffsets = List.copyOf(attributeOffsets);
        for (int i = 1; i < failures.size(); i++) {
            addSuppressed(failures.get(i));
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
