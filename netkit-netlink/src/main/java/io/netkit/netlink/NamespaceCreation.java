package io.netkit.netlink;

import static io.netkit.netlink.NamespaceFiles.inodeOf;
import static io.netkit.netlink.NamespaceFiles.openFd;
import static io.netkit.netlink.NamespaceFiles.removeFile;

import io.netkit.netlink.internal.LibC;
import io.netkit.netlink.internal.NamespaceThread;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Making a named namespace ({@code ip netns add NAME}): on a new namespace thread ({@link #createAsync}), or from a
 * namespace unshared ahead of time that is only named here ({@link #nameSpare}, for {@link NamespaceTemplate}).
 */
final class NamespaceCreation {
    private NamespaceCreation() {
    }

    /** See {@link NetNamespace#createAsync}. */
    static CompletableFuture<NetNamespace> createAsync(String name, java.util.function.Consumer<NetNamespace> setup) {
        NamespaceNames.validate(name);
        Path file = NetNamespace.RUN_NETNS.resolve(name);
        RunNetnsDir.prepare(name);
        // The new thread unshares while this one claims the name (O_CREAT|O_EXCL on /run/netns/NAME): both take a
        // while and neither needs the other until the bind mount, which waits for the claim. If the name is taken,
        // the thread ends and its namespace, never mounted, goes with it.
        CompletableFuture<Boolean> claimed = new CompletableFuture<>();
        NetNamespace[] made = new NetNamespace[1];
        CompletableFuture<NamespaceThread> started =
                NamespaceThread.startAsync("netkit-netns-" + name, () -> {
                    if (LibC.unshare(LibC.CLONE_NEWNET) != 0) {
                        int e = LibC.errno();
                        claimed.join();
                        throw new NetlinkException("create namespace (unshare)", name, e, null);
                    }
                    if (!claimed.join()) {
                        throw new IllegalStateException("name not claimed");   // the caller reports why
                    }
                    String self = "/proc/self/task/" + LibC.gettid() + "/ns/net";
                    if (LibC.mount(self, file.toString(), "none", LibC.MS_BIND, null) != 0) {
                        throw new NetlinkException("create namespace (bind mount " + self + ")", name, LibC.errno(), null);
                    }
                    int nsFd = openFd("create namespace", file);
                    long ino;
                    try {
                        ino = inodeOf(nsFd, file);
                    } catch (RuntimeException | Error e) {
                        LibC.close(nsFd);
                        throw e;
                    }
                    made[0] = NetNamespace.made(name, file, nsFd, ino, NamespaceThread.current());
                    if (setup != null) {
                        setup.accept(made[0]);
                    }
                });
        int created;
        try {
            created = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0);
        } catch (RuntimeException | Error e) {
            claimed.complete(false);
            throw e;
        }
        if (created < 0) {
            NetlinkException e = new NetlinkException("create namespace", name, LibC.errno(), null);
            claimed.complete(false);   // the thread ends; the file is someone else's, so nothing is cleaned up here
            throw e;
        }
        LibC.close(created);
        claimed.complete(true);
        // Runs on the namespace thread as it finishes (or on the caller if that was quicker).
        return started.handle((thread, failure) -> {
            NetNamespace m = made[0];
            made[0] = null;   // the thread's first task holds the array: it must not keep the handle reachable
            if (failure == null) {
                return m;
            }
            if (m != null) {
                m.close();   // its socket, thread (already ending) and fd
            }
            LibC.umount2(file.toString(), LibC.MNT_DETACH);
            removeFile(file, failure);
            if (failure instanceof Error err) {
                throw err;
            }
            throw failure instanceof RuntimeException re ? re : new CompletionException(failure);
        });
    }


    /**
     * An unnamed handle for the namespace the calling namespace thread has just unshared: its path is
     * {@code /proc/PID/task/TID/ns/net} (usable from every thread of this process), its fd opened here.
     */
    static NetNamespace unnamedOfCurrentThread() {
        Path p = Path.of("/proc/" + io.netkit.netlink.internal.ProcessId.pid() + "/task/" + LibC.gettid() + "/ns/net");
        int nsFd = openFd("prepare namespace", p);
        try {
            return NetNamespace.made(null, p, nsFd, inodeOf(nsFd, p), NamespaceThread.current());
        } catch (RuntimeException | Error e) {
            LibC.close(nsFd);
            throw e;
        }
    }

    /**
     * Names the unnamed {@code spare} {@code name} exactly as {@link NetNamespace#create(String)} names a new one
     * ({@code /run/netns/NAME} claimed with {@code O_CREAT|O_EXCL}, then bind-mounted from the spare's namespace
     * descriptor), on the calling thread; the returned handle takes the spare's thread, netlink socket and
     * descriptor, and the spare handle is closed. If the name is taken or the mount fails, nothing was made and the spare
     * stays open and unchanged.
     */
    static NetNamespace nameSpare(NetNamespace spare, String name) {
        NamespaceNames.validate(name);
        Path file = NetNamespace.RUN_NETNS.resolve(name);
        claim(spare, file, name);   // checks /run/netns itself (RunNetnsDir.prepare) unless the file links in
        boolean mounted = false;
        try {
            // The spare's own descriptor as the source: the mount shows exactly the namespace that fd holds (no
            // re-open and inode check of the mounted file), and the named handle keeps that descriptor (issue 14).
            String source = "/proc/self/fd/" + spare.fd();
            if (LibC.mount(source, file.toString(), "none", LibC.MS_BIND, null) != 0) {
                throw new NetlinkException("create namespace (bind mount " + spare.path() + ")", name, LibC.errno(), null);
            }
            mounted = true;
            return spare.handOver(name, file);
        } catch (RuntimeException | Error e) {
            if (mounted) {
                LibC.umount2(file.toString(), LibC.MNT_DETACH);
            }
            removeFile(file, e);
            throw e;
        }
    }

    /**
     * Claims {@code /run/netns/NAME} for {@code spare} as {@code ip netns add} does ({@code O_CREAT|O_EXCL}: the
     * name is this process's, or {@code EEXIST}), but when the spare holds an unnamed file made ahead of time in
     * {@code /run/netns} ({@code O_TMPFILE}, see {@link #makeSpare}), by linking that file in under the name
     * ({@code linkat}, which fails with {@code EEXIST} just the same): then no inode is allocated on the caller's path
     * (on ext4, allocating one right after others were deleted scans the inode bitmap, ≈ 0.1 ms). A kill before the
     * link leaves nothing behind: an unnamed file vanishes with its last descriptor. A successful link also proves
     * that {@code /run/netns} is still the shared mount point that file was made in ({@code linkat} across mounts
     * fails with {@code EXDEV}), so the per-call check of {@link RunNetnsDir#prepare} (a {@code mount} call) is left
     * to the fallback (issue 14).
     */
    private static void claim(NetNamespace spare, Path file, String name) {
        int tmp = spare.takeClaim();
        if (tmp >= 0) {
            int r = LibC.linkat(tmp, "", LibC.AT_FDCWD, file.toString(), LibC.AT_EMPTY_PATH);
            if (r != 0 && LibC.errno() == Errno.ENOENT) {
                // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc form does not
                r = LibC.linkat(LibC.AT_FDCWD, "/proc/self/fd/" + tmp, LibC.AT_FDCWD, file.toString(), LibC.AT_SYMLINK_FOLLOW);
            }
            int e = r == 0 ? 0 : LibC.errno();
            if (r == 0) {
                LibC.close(tmp);   // linked: the name holds the file now
                return;
            }
            if (e == Errno.EEXIST) {
                spare.holdClaim(tmp);   // the spare stays as it was
                throw new NetlinkException("create namespace", name, e, null);
            }
            LibC.close(tmp);   // e.g. EXDEV: /run/netns was mounted anew since the file was made
        }
        RunNetnsDir.prepare(name);
        int created = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0);
        if (created < 0) {
            throw new NetlinkException("create namespace", name, LibC.errno(), null);
        }
        LibC.close(created);
    }

    /**
     * An unnamed file in {@code /run/netns} for {@link #claim} ({@code O_TMPFILE}, mode 0 as {@code ip netns add}
     * makes its files), or -1 where the directory or its file system cannot make one (then the name is claimed with
     * {@code O_CREAT|O_EXCL} as usual).
     */
    private static int unnamedRunFile() {
        try {
            RunNetnsDir.prepare("(made ahead of time)");
        } catch (RuntimeException e) {
            return -1;
        }
        int fd = LibC.open(NetNamespace.RUN_NETNS.toString(), LibC.O_TMPFILE | LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        return fd >= 0 ? fd : -1;
    }

    /**
     * Makes an unnamed namespace on a new namespace thread (unshare, then {@code prepare} there); the future
     * completes with its handle, or with what failed after the namespace (never named) was released.
     */
    static CompletableFuture<NetNamespace> makeSpare(java.util.function.Consumer<NetNamespace> prepare) {
        NetNamespace[] made = new NetNamespace[1];
        return NamespaceThread.startAsync("netkit-netns-spare", () -> {
            if (LibC.unshare(LibC.CLONE_NEWNET) != 0) {
                throw new NetlinkException("create namespace (unshare)", "(made ahead of time)", LibC.errno(), null);
            }
            NetNamespace n = unnamedOfCurrentThread();
            try {
                prepare.accept(n);
                n.holdClaim(unnamedRunFile());
            } catch (RuntimeException | Error e) {
                n.close();
                throw e;
            }
            made[0] = n;
        }).thenApply(t -> {
            NetNamespace n = made[0];
            made[0] = null;   // the thread's first task holds the array: it must not keep the handle reachable
            return n;
        });
    }

    /** Removes a namespace named here whose setup failed: handle closed, unmounted, file removed. */
    static void discard(NetNamespace named, Throwable failure) {
        Path file = named.path();
        named.close();
        LibC.umount2(file.toString(), LibC.MNT_DETACH);
        removeFile(file, failure);
    }
}
