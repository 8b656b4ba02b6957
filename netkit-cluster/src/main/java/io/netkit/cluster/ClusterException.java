package io.netkit.cluster;

/**
 * A cluster operation failed: the store is unreachable, the cluster's settings in the store differ from the
 * caller's, or no subnet of the cluster CIDR is free. The message names the cluster and says what to do.
 */
public class ClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public ClusterException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
