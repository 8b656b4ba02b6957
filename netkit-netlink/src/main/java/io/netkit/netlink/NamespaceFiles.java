package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The namespace files a {@link NetNamespace} works with: opening them, their inode, removing a half-made one. */
final class NamespaceFiles {
    private NamespaceFiles() {
    }

    static void removeFile(Path file, Throwable primary) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException suppressed) {
            primary.addSuppressed(suppressed);
        }
    }

    static int openFd(String operation, Path file) {
        int nsFd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (nsFd < 0) {
            int e = LibC.errno();
            if (e == Errno.ENOENT || e == Errno.ESRCH) {
                throw new NamespaceNotFoundException(operation, file.toString(), e);
            }
            throw new NetlinkException(operation, file.toString(), e, null);
        }
        return nsFd;
    }

    /**
     * The inode of the namespace behind {@code fd}, which is that of {@code file}: {@code stat} of
     * {@code /proc/self/fd/N} follows the magic link to the nsfs inode (no {@code fstat} binding, which glibc
     * exports only since 2.33).
     */
    static long inodeOf(int fd, Path file) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino")).longValue();
        } catch (IOException | RuntimeException e) {
            return inodeOf(file);
        }
    }

    static long inodeOf(Path file) {
        try {
            return ((Number) Files.getAttribute(file, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("stat " + file, e);
        }
    }

    /** {@link NetNamespace#ofPid(long)}: the pidfd-checked open of {@code /proc/PID/ns/net}. */
    static NetNamespace ofPid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid out of range: " + pid + " (expected 1.." + Integer.MAX_VALUE + ")");
        }
        Path file = Path.of("/proc/" + pid + "/ns/net");
        int pidfd = LibC.pidfdOpen((int) pid);
        if (pidfd < 0) {
            int e = LibC.errno();
            if (e == Errno.ESRCH) {
                throw new NamespaceNotFoundException("open namespace of process", String.valueOf(pid), e);
            }
            if (e != Errno.ENOSYS) {
                throw new NetlinkException("open namespace of process (pidfd_open)", String.valueOf(pid), e, null);
            }
            return NetNamespace.openPath(file);   // kernel before 5.3: no pidfd
        }
        try {
            NetNamespace ns = NetNamespace.openPath(file);
            if (LibC.pidfdSendSignal(pidfd, 0) != 0) {
                int e = LibC.errno();
                ns.close();
                throw new NamespaceNotFoundException("open namespace of process", pid + " (exited while being opened)", e);
            }
            return ns;
        } finally {
            LibC.close(pidfd);
        }
    }
}
