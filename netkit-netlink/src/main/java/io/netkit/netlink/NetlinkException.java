package io.netkit.netlink;

/**
 * A kernel operation failed: says what was attempted, on what, what the kernel answered (errno name and
 * text), the kernel's own extended-ack explanation when it gave one, and what to do about permissions.
 *
 * <p>Example message: {@code create link veth1: EEXIST (File exists): kernel says: ...}.
 * For {@code EPERM}/{@code EACCES} the message adds that CAP_NET_ADMIN (root) is needed.
 *
 * <p>Subclasses exist only where callers act on them: {@link LinkNotFoundException},
 * {@link NamespaceNotFoundException}, {@link NetlinkBatchException}, {@link DumpInterruptedException}.
 */
public class NetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String target;
    private final int errno;
    private final String extAck;

    /**
     * @param operation what was attempted, e.g. {@code "create link"}
     * @param target the object, e.g. {@code "veth1"}, or null
     * @param errno the positive errno value (a negative one is normalised), or 0 when there is none
     * @param extAck the kernel's extended-ack text, or null
     */
    public NetlinkException(String operation, String target, int errno, String extAck) {
        this(operation, target, errno, extAck, null);
    }

    /** As {@link #NetlinkException(String, String, int, String)}, with a cause. */
    public NetlinkException(String operation, String target, int errno, String extAck, Throwable cause) {
        super(describe(operation, target, Math.abs(errno), extAck, null), cause);
        this.operation = operation;
        this.target = target;
        this.errno = Math.abs(errno);
        this.extAck = extAck;
    }

    /** For failures that are not an errno (a protocol violation, a timeout): {@code detail} replaces the errno part. */
    protected NetlinkException(String operation, String target, int errno, String extAck, String detail, Throwable cause) {
        super(describe(operation, target, Math.abs(errno), extAck, detail), cause);
        this.operation = operation;
        this.target = target;
        this.errno = Math.abs(errno);
        this.extAck = extAck;
    }

    /** A failure described by text, e.g. a protocol violation; errno may be 0. */
    public static NetlinkException withDetail(String operation, String target, int errno, String detail, Throwable cause) {
        return new NetlinkException(operation, target, errno, null, detail, cause);
    }

    /** For subclasses that compose their whole message themselves. */
    protected NetlinkException(String message, String operation, String target, int errno, String extAck,
                               Throwable cause, boolean fullMessage) {
        super(message, cause);
        this.operation = operation;
        this.target = target;
        this.errno = Math.abs(errno);
        this.extAck = extAck;
    }

    /** Copy constructor for converting a general failure into a subclass. */
    protected NetlinkException(NetlinkException e) {
        super(e.getMessage(), e);
        this.operation = e.operation;
        this.target = e.target;
        this.errno = e.errno;
        this.extAck = e.extAck;
    }

    /** What was attempted, e.g. {@code "create link"}. */
    public String operation() {
        return operation;
    }

    /** What it was attempted on, e.g. {@code "veth1"}, or null. */
    public String target() {
        return target;
    }

    /** The errno value (positive), or 0 when the failure is not an errno. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code "EEXIST"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The C library's text for the errno, e.g. {@code "File exists"}. */
    public String strerror() {
        return Errno.text(errno);
    }

    /** The kernel's extended-ack message ({@code NLMSGERR_ATTR_MSG}), or null if it sent none. */
    public String extAck() {
        return extAck;
    }

    static String describe(String operation, String target, int errno, String extAck, String detail) {
        StringBuilder sb = new StringBuilder(operation == null ? "netlink" : operation);
        if (target != null && !target.isEmpty()) {
            sb.append(' ').append(target);
        }
        sb.append(": ");
        if (detail != null) {
            sb.append(detail);
            if (errno != 0) {
                sb.append(" (").append(Errno.name(errno)).append(')');
            }
        } else {
            sb.append(Errno.name(errno)).append(" (").append(Errno.text(errno)).append(')');
        }
        if (extAck != null && !extAck.isEmpty()) {
            sb.append(": kernel says: ").append(extAck);
        }
        if (errno == Errno.EPERM || errno == Errno.EACCES) {
            sb.append(" (needs CAP_NET_ADMIN, i.e. root, in the namespace's owning user namespace;"
                    + " namespace operations also need CAP_SYS_ADMIN)");
        }
        return sb.toString();
    }
}
