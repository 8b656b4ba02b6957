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
}
