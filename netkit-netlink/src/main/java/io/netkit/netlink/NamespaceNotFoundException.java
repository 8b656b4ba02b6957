package io.netkit.netlink;

/** The named namespace ({@code /run/netns/NAME}), path or process does not exist ({@code ENOENT}/{@code ESRCH}). */
public class NamespaceNotFoundException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    /** A missing namespace; {@code target} is its name or path. */
    public NamespaceNotFoundException(String operation, String target, int errno) {
        super(operation, target, errno, null);
    }

    /** A missing namespace, with the failure that revealed it. */
    public NamespaceNotFoundException(String operation, String target, int errno, Throwable cause) {
        super(operation, target, errno, null, cause);
    }
}
