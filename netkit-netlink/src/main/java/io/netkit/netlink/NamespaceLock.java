package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A held {@link NetNamespace#lockExclusive()}: the in-process lock of the namespace (by inode) and, while this thread
 * holds it the first time, {@code flock(fd, LOCK_EX)} on the handle's namespace file. {@link #close()} releases both
 * (idempotent). Equivalent to: {@code flock /run/netns/NAME COMMAND} (util-linux).
 */
public final class NamespaceLock implements AutoCloseable {
    /** One in-process lock per namespace inode: threads of this process holding different handles exclude each other. */
    private static final ConcurrentHashMap<Long, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final NetNamespace ns;
    private final int fd;      // flocked by this hold (the thread's outermost), or -1
    private boolean closed;

    private NamespaceLock(ReentrantLock local, NetNamespace ns, int fd) {
        this.local = local;
        this.ns = ns;
        this.fd = fd;
    }

    static NamespaceLock acquire(NetNamespace ns) {
        ReentrantLock local = LOCAL.computeIfAbsent(ns.inode(), k -> new ReentrantLock());
        local.lock();
        if (local.getHoldCount() > 1) {
            return new NamespaceLock(local, ns, -1);   // the thread's outer hold has the flock
        }
        try {
            int fd = ns.fd();
            while (LibC.flock(fd, LibC.LOCK_EX) != 0) {
                int e = LibC.errno();
                if (e != Errno.EINTR) {
                    throw new NetlinkException("lock namespace", ns.toString(), e, null);
                }
            }
            return new NamespaceLock(local, ns, fd);
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    /** Releases the lock (the {@code flock} with the thread's outermost hold). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (fd >= 0 && !ns.isClosed()) {
                LibC.flock(fd, LibC.LOCK_UN);   // a closed handle's fd took its flock with it
            }
        } finally {
            local.unlock();
        }
    }
}
