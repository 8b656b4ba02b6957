package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import io.netkit.netlink.internal.NamespaceThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a handle holds outside the Java heap: its namespace file descriptor, its platform thread and its netlink
 * socket. Released by {@link NetNamespace#close()}, or, for a handle that became unreachable without being closed, by the
 * {@link java.lang.ref.Cleaner} (which logs the leak): otherwise the thread, the fd and so the namespace itself
 * would live as long as the JVM. Holds no reference to the handle.
 */
final class NamespaceResources implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NetNamespace.class);

    private final int fd;
    private final String label;
    volatile NamespaceThread thread;
    volatile NetlinkSocket socket;
    /** Other protocols' shared sockets ({@link NetNamespace#socket(int)}), by protocol. */
    final java.util.Map<Integer, NetlinkSocket> sockets = new java.util.concurrent.ConcurrentHashMap<>();
    /** Files of {@code /proc/sys} kept open by {@link Sysctl#peek}, by path. */
    final java.util.Map<String, java.nio.channels.FileChannel> files = new java.util.concurrent.ConcurrentHashMap<>();
    volatile boolean closedExplicitly;
    /** The fd went to another handle for the same namespace (a spare named, {@link NetNamespace#handOver}). */
    volatile boolean fdHandedOver;
    /** An unnamed file in /run/netns (O_TMPFILE) that naming a spare links in as its mount point; -1 if none. */
    volatile int claimFd = -1;

    NamespaceResources(int fd, String label, NamespaceThread thread) {
        this.fd = fd;
        this.label = label;
        this.thread = thread;
    }

    @Override
    public void run() {
        if (!closedExplicitly) {
            LOG.warn("a NetNamespace handle for {} was never closed: releasing its thread, netlink socket and"
                    + " file descriptor now (close handles with try-with-resources)", label);
        }
        NetlinkSocket s = socket;
        NamespaceThread t = thread;
        try {
            if (s != null) {
                s.close();
            }
            sockets.values().forEach(NetlinkSocket::close);
            sockets.clear();
            for (java.nio.channels.FileChannel f : files.values()) {
                try {
                    f.close();
                } catch (java.io.IOException ignored) {
                    // read-only procfs file
                }
            }
            files.clear();
        } finally {
            if (t != null) {
                t.stop();
            }
            if (!fdHandedOver) {
                LibC.close(fd);
            }
            int c = claimFd;
            claimFd = -1;
            if (c >= 0) {
                LibC.close(c);
            }
        }
    }
}
