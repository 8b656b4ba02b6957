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

    /** The failures (non-empty, in request order), their zero-based positions in the batch, and the batch size. */
    public NetlinkBatchException(List<NetlinkException> failures, List<Integer> failedIndices, int batchSize) {
        super(summary(failures, failedIndices, batchSize), "batch", null, failures.get(0).errno(),
                failures.get(0).extAck(), failures.get(0), true);
        this.failures = List.copyOf(failures);
        this.failedIndices = List.copyOf(failedIndices);
        this.batchSize = batchSize;
        for (int i = 1; i < failures.size(); i++) {
            addSuppressed(failures.get(i));
        }
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
