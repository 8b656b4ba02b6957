package io.netkit.netlink;

/**
 * A dump kept changing while it was read: the kernel flagged it {@code NLM_F_DUMP_INTR} on every one of
 * a bounded number of attempts. Retrying later usually succeeds; the partial result is never returned.
 */
public class DumpInterruptedException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    /** The dump {@code operation} was interrupted on all {@code attempts} attempts. */
    public DumpInterruptedException(String operation, int attempts) {
        super(operation, null, Errno.EINTR, null,
                "dump interrupted by concurrent changes (NLM_F_DUMP_INTR) on all " + attempts + " attempts", null);
    }
}
