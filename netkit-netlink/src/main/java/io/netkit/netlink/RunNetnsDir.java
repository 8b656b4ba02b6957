package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The directory of named namespaces ({@code /run/netns}) as a shared mount point, prepared as iproute2's
 * {@code netns_add} does, so that a namespace mounted there is seen in other mount namespaces too.
 */
final class RunNetnsDir {
    private static final Object RUN_DIR_LOCK = new Object();

    /** Whether this process has made /run/netns a shared mount point (see {@link #prepare(String)}). */
    static final java.util.concurrent.atomic.AtomicBoolean RUN_DIR_PREPARED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private RunNetnsDir() {
    }

    /**
     * mkdir /run/netns and make it a shared mount point, as iproute2's netns_add does. iproute2 does it with
     * {@code MS_SHARED|MS_REC} on every {@code ip netns add}, whose cost grows with the namespaces mounted there
     * (the kernel walks every mount below); netkit does that once per process, and after that only checks with a
     * non-recursive {@code MS_SHARED} (constant cost, and a no-op on a shared mount point) that it still is a mount
     * point: if someone unmounted or removed it meanwhile ({@code EINVAL}, {@code ENOENT}), the full preparation runs
     * again. {@code name} is the namespace this is for (for error messages).
     */
    static void prepare(String name) {
        prepare(NetNamespace.RUN_NETNS, RUN_DIR_PREPARED, name);
    }

    /** Makes {@code dir} a shared mount point once; {@code prepared} says it was done (see {@link NetNamespace}). */
    static void prepare(Path dir, java.util.concurrent.atomic.AtomicBoolean prepared, String name) {
        if (prepared.get() && stillSharedMount(dir)) {
            return;
        }
        synchronized (RUN_DIR_LOCK) {
            prepared.set(false);
            prepareSharedMount(dir, name);
            prepared.set(true);
        }
    }

    /**
     * The cheap recheck: a non-recursive {@code MS_SHARED} on {@code dir} succeeds (and changes nothing) when it is
     * still a shared mount point, and fails with {@code EINVAL} when someone unmounted it or {@code ENOENT} when
     * it was removed.
     */
    static boolean stillSharedMount(Path dir) {
        return LibC.mount("", dir.toString(), "none", LibC.MS_SHARED, null) == 0;
    }

    /** mkdir {@code dir} and make it a shared mount point (bind-mounting it onto itself first if it is none). */
    static void prepareSharedMount(Path dir, String name) {
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new NetlinkException("create namespace (mkdir " + dir + ")", name, Errno.EACCES, null, e);
        } catch (IOException e) {
            throw NetlinkException.withDetail("create namespace", name, Errno.EIO, "cannot create " + dir + ": " + e, e);
        }
        boolean madeMountPoint = false;
        // Shared propagation lets a namespace mounted here later be seen in other mount namespaces.
        while (LibC.mount("", dir.toString(), "none", LibC.MS_SHARED | LibC.MS_REC, null) != 0) {
            int e = LibC.errno();
            if (e != Errno.EINVAL || madeMountPoint) {
                throw new NetlinkException("create namespace (make " + dir + " a shared mount)", name, e, null);
            }
            // EINVAL: not a mount point yet. Upgrade it by bind-mounting it onto itself, then retry.
            if (LibC.mount(dir.toString(), dir.toString(), "none", LibC.MS_BIND | LibC.MS_REC, null) != 0) {
                throw new NetlinkException("create namespace (bind mount " + dir + ")", name, LibC.errno(), null);
            }
            madeMountPoint = true;
        }
    }
}
