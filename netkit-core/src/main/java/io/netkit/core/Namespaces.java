package io.netkit.core;

import io.netkit.core.internal.Reaper;
import io.netkit.netlink.NamespaceNotFoundException;
import io.netkit.netlink.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Named namespaces netkit created for endpoints: deleting them only when they are provably the ones it made. */
final class Namespaces {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Namespaces.class);
    }
    private static volatile long initInode = -1;

    private Namespaces() {}

    /** The inode of the machine's own network namespace ({@code /proc/1/ns/net}), 0 if it cannot be read. */
    static long initInode() {
        long v = initInode;
        if (v < 0) {
            v = inodeOf(Path.of("/proc/1/ns/net"));
            initInode = v;
        }
        return v;
    }

    /** The inode of {@code path} (following links), 0 if it does not exist or cannot be read. */
    static long inodeOf(Path path) {
        try {
            Object ino = Files.getAttribute(path, "unix:ino");
            return ino instanceof Long l ? l : 0;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return 0;
        }
    }

    private static volatile long nsfsDevice = -1;

    /** Whether {@code path} is a namespace (a file of the kernel's nsfs, as a mounted {@code /run/netns/NAME} is). */
    static boolean isNamespace(Path path) {
        long dev = nsfsDevice;
        if (dev < 0) {
            dev = deviceOf(Path.of("/proc/self/ns/net"));
            nsfsDevice = dev;
        }
        long d = deviceOf(path);
        return d != 0 && d == dev;
    }

    private static long deviceOf(Path path) {
        try {
            Object dev = Files.getAttribute(path, "unix:dev");
            return dev instanceof Long l ? l : 0;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return 0;
        }
    }

    /** The inode of {@code /run/netns/NAME}, 0 if there is none. */
    static long inodeOf(String nsName) {
        return inodeOf(NetNamespace.RUN_NETNS.resolve(nsName));
    }

    /**
     * Deletes the named namespace netkit created ({@code ip netns del NAME}) if it is still the one it created: its
     * inode must be {@code inode} (required: without it, nothing is deleted). Returns whether it was deleted.
     */
    static boolean deleteOwned(String nsName, long inode, String op) {
        return deleteOwned(nsName, inode, op, null);
    }

    /**
     * As {@link #deleteOwned(String, long, String)}; with {@code keeper}, the namespace itself is kept open there after its
     * name is gone, so that the kernel destroys it (and the devices in it, under rtnl) only when the reaper closes it,
     * while no caller waits.
     */
    static boolean deleteOwned(String nsName, long inode, String op, Reaper keeper) {
        if (nsName == null) {
            return false;
        }
        try {
            Records.namespaceName(nsName);
        } catch (IllegalArgumentException e) {
            Log.LOG.warn("{}: refusing to delete namespace \"{}\": {}", op, nsName, e.getMessage());
            return false;
        }
        long ino = inodeOf(nsName);
        if (ino == 0) {
            return false; // already gone
        }
        if (!isNamespace(NetNamespace.RUN_NETNS.resolve(nsName))) {
            // A plain file: what a deletion killed between its unmount and its unlink leaves (as ip netns del can).
            // A record or intent of netkit's names it, and it is no namespace: remove the file.
            try {
                Files.deleteIfExists(NetNamespace.RUN_NETNS.resolve(nsName));
                Log.LOG.info("{}: removed {}, left by an interrupted namespace deletion", op,
                        NetNamespace.RUN_NETNS.resolve(nsName));
            } catch (IOException e) {
                Log.LOG.warn("{}: cannot remove {}: {}", op, NetNamespace.RUN_NETNS.resolve(nsName), e.toString());
            }
            return false;
        }
        if (inode == 0 || ino != inode) {
            Log.LOG.warn("{}: namespace {} is not the one netkit created (inode {} != {}); left alone", op, nsName,
                    ino, inode);
            return false;
        }
        if (ino == initInode()) {
            Log.LOG.warn("{}: namespace {} is the machine's own network namespace; left alone", op, nsName);
            return false;
        }
        NetNamespace held = keeper == null ? null : hold(nsName, inode, op);
        try {
            NetNamespace.delete(nsName);
        } catch (NamespaceNotFoundException gone) {
            if (held != null) {
                held.close();
            }
            return false; // deleted meanwhile
        } catch (RuntimeException | Error e) {
            if (held != null) {
                held.close();
            }
            throw e;
        }
        if (held != null) {
            keeper.hold(held);
        }
        return true;
    }

    /** A handle on the namespace (no thread: only its file stays open), if it is still the one with {@code inode}. */
    private static NetNamespace hold(String nsName, long inode, String op) {
        try {
            NetNamespace ns = NetNamespace.open(nsName);
            if (ns.inode() == inode) {
                return ns;
            }
            ns.close();
        } catch (RuntimeException e) {
            Log.LOG.debug("{}: namespace {} not held for deferred release: {}", op, nsName, e.toString());
        }
        return null;
    }
}
