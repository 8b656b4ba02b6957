package io.netkit.netlink;

/** The named or indexed link does not exist (the kernel answered {@code ENODEV}). */
public class LinkNotFoundException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    /** A missing link; see {@link NetlinkException#NetlinkException(String, String, int, String)}. */
    public LinkNotFoundException(String operation, String target, int errno, String extAck) {
        super(operation, target, errno, extAck);
    }

    /** Converts a general failure (typically {@code ENODEV}) into this type, keeping it as the cause. */
    public LinkNotFoundException(NetlinkException e) {
        super(e);
    }
}
