package io.netkit.netlink;

import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Can this process use netkit's kernel features here, and if not, why. Asking never throws.
 *
 * <pre>{@code
 * if (!Netlink.isAvailable()) {
 *     System.err.println("netkit disabled: " + Netlink.unavailabilityCause().getMessage());
 * }
 * }</pre>
 *
 * <p>Available means: Linux, JNA loads, a {@code NETLINK_ROUTE} socket opens, and the process has
 * CAP_NET_ADMIN (to change links, addresses, routes) and CAP_SYS_ADMIN (to create and enter namespaces) —
 * in practice, it runs as root. Reading (dumps in the current namespace) works with less.
 */
public final class Netlink {
    private Netlink() {}

    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;
    private static final Throwable CAUSE = probe();

    /** Whether netlink and namespace operations can work in this process. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why {@link #isAvailable()} is false (its message says what is missing), or null if available. */
    public static Throwable unavailabilityCause() {
        return CAUSE;
    }

    /** Throws {@link UnsupportedOperationException} (with the cause) unless available. */
    public static void ensureAvailability() {
        if (CAUSE != null) {
            throw (UnsupportedOperationException) new UnsupportedOperationException(
                    "netkit cannot use netlink here: " + CAUSE.getMessage()).initCause(CAUSE);
        }
    }

    private static Throwable probe() {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
            return new UnsupportedOperationException("netkit needs Linux; this is " + os);
        }
        try {
            Class.forName("com.sun.jna.Native", false, Netlink.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return new UnsupportedOperationException("JNA (net.java.dev.jna:jna) is not on the class path", e);
        }
        try {
            LibC.geteuid();
        } catch (LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof UnsupportedOperationException) {
                return new UnsupportedOperationException(root.getMessage(), e);   // an architecture netkit does not know
            }
            return new UnsupportedOperationException("JNA cannot load its native library or libc (check jna.tmpdir"
                    + " and that the temp directory is writable and not noexec): " + root, e);
        }
        long caps;
        try {
            caps = effectiveCapabilities();
        } catch (IOException | RuntimeException e) {
            return new UnsupportedOperationException("cannot read capabilities from /proc/self/status", e);
        }
        boolean netAdmin = (caps & (1L << CAP_NET_ADMIN)) != 0;
        boolean sysAdmin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        if (!netAdmin || !sysAdmin) {
            return new UnsupportedOperationException("missing " + (!netAdmin ? "CAP_NET_ADMIN" : "")
                    + (!netAdmin && !sysAdmin ? " and " : "") + (!sysAdmin ? "CAP_SYS_ADMIN" : "")
                    + " (euid " + LibC.geteuid() + "): run as root");
        }
        try {
            NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE).close();
        } catch (RuntimeException e) {
            return new UnsupportedOperationException("cannot open a NETLINK_ROUTE socket: " + e.getMessage(), e);
        }
        return null;
    }

    private static long effectiveCapabilities() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        }
        throw new IOException("no CapEff line");
    }
}
