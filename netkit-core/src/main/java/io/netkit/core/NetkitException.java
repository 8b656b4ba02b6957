package io.netkit.core;

/**
 * A netkit operation failed. The message says what was attempted ({@link #operation()}, e.g.
 * {@code "attach container1 to network br0"}), which step failed ({@link #step()}, e.g.
 * {@code "add default route via 172.16.0.1"}) and why; the {@link #getCause() cause} is the underlying error
 * (usually an {@code io.netkit.netlink.NetlinkException} carrying the errno and the kernel's own message).
 * By the time it is thrown, everything the failed operation had already changed has been undone; problems while
 * undoing are attached as {@linkplain #getSuppressed() suppressed} exceptions.
 */
public class NetkitException extends RuntimeException {
    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String step;

    /** An operation failed at {@code step} because of {@code cause}. */
    public NetkitException(String operation, String step, Throwable cause) {
        super(operation + ": " + (step == null ? "" : "step '" + step + "' failed: ")
                + (cause == null ? "" : cause.getMessage()), cause);
        this.operation = operation;
        this.step = step;
    }

    /** An operation failed at {@code step}, explained by {@code detail}, because of {@code cause}. */
    NetkitException(String operation, String step, String detail, Throwable cause) {
        super(operation + ": step '" + step + "' failed: " + detail, cause);
        this.operation = operation;
        this.step = step;
    }

    /** An operation failed for a reason described by {@code message}. */
    public NetkitException(String operation, String message) {
        super(operation + ": " + message);
        this.operation = operation;
        this.step = null;
    }

    /** What was attempted, e.g. {@code "attach container1 to network br0"}. */
    public String operation() {
        return operation;
    }

    /** The step that failed, e.g. {@code "create veth"}, or {@code null} if the operation failed as a whole. */
    public String step() {
        return step;
    }
}
