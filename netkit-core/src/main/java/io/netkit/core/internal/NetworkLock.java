package io.netkit.core.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes allocation on one network across threads (a {@link ReentrantLock}) and across processes (a
 * {@link FileLock} on {@code /run/netkit/<host-netns-inode>-<bridge>-<network-id>.lock}).
 *
 * <p>The lock file holds a generation counter (8 bytes) that every holder who changes the network's allocations
 * increments. A process whose cached view was read at the current generation may trust it without asking the
 * kernel again; otherwise it re-reads the kernel's link table. {@link #DELETED} marks a network that was torn down.
 *
 * <p>Write-ahead: {@link Held#changed()} is called BEFORE the holder's first kernel change, and writes the next
 * generation with the {@link #DIRTY} bit at once (one 8-byte {@code pwrite}); {@link Held#close()} writes it clean.
 * A holder killed in between leaves the dirty mark: every other process's cache is stale by generation, and the next
 * holder sees {@link Held#foundDirty()} and reconciles the network from the kernel before it trusts anything.
 *
 * <p>Not for use outside netkit.
 */
public final class NetworkLock {
    /** Generation written when the network is deleted. */
    public static final long DELETED = Long.MIN_VALUE;
    /** Bit set in the generation while a holder is changing the network (write-ahead mark). */
    public static final long DIRTY = 1L << 62;

    private static final ConcurrentHashMap<String, NetworkLock> LOCKS = new ConcurrentHashMap<>();

    private final String key;
    private final Path file;
    private final ReentrantLock local = new ReentrantLock();
    private FileChannel channel; // guarded by local
    private boolean gone;        // deleted by this process; guarded by local

    /** Cached allocation view, valid while {@link #cachedGeneration} equals the file's generation. Guarded by local. */
    private Object cache;
    private long cachedGeneration = -1;

    private NetworkLock(String key, Path file) {
        this.key = key;
        this.file = file;
    }

    /** The process-wide lock for one network. */
    public static NetworkLock of(long hostInode, String bridge, String networkId) {
        String key = hostInode + "-" + bridge + "-" + networkId;
        return LOCKS.computeIfAbsent(key, k -> new NetworkLock(k, directory().resolve(k + ".lock")));
    }

    /** Whether this process holds the lock file named {@code fileName} open (its network is in use here). */
    public static boolean heldHere(String fileName) {
        String key = fileName.endsWith(".lock") ? fileName.substring(0, fileName.length() - 5)
                : fileName.endsWith(".d") ? fileName.substring(0, fileName.length() - 2) : fileName;
        return LOCKS.containsKey(key);
    }

    public static Path directory() {
        return Path.of(System.getProperty("netkit.lockDirectory", "/run/netkit"));
    }

    public Path file() {
        return file;
    }

    /** Takes the in-process lock, then the file lock. Close the returned {@link Held} to release both. */
    public Held acquire() {
        local.lock();
        try {
            if (gone) {
                return new Held(null, DELETED);
            }
            for (int attempt = 0; channel == null || !channel.isOpen(); attempt++) {
                try {
                    Files.createDirectories(file.getParent());
                    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                } catch (java.nio.file.NoSuchFileException e) {
                    if (attempt >= 5) {
                        throw e; // the directory keeps vanishing (another process removes it when empty)
                    }
                }
            }
            FileLock fileLock = channel.lock();
            long generation = readGeneration();
            if (generation == DELETED) {
                // Deleted by another process (which unlinked the file): release the channel and forget the lock.
                fileLock.release();
                channel.close();
                channel = null;
                gone = true;
                cache = null;
                LOCKS.remove(key, this);
                return new Held(null, DELETED);
            }
            return new Held(fileLock, generation);
        } catch (IOException e) {
            local.unlock();
            throw new UncheckedIOException("lock " + file + ": " + e, e);
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    private long readGeneration() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8);
        int n = 0;
        while (buf.hasRemaining()) {
            int r = channel.read(buf, n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == 8 ? buf.getLong(0) : 0;
    }

    private void writeGeneration(long generation) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8).putLong(0, generation);
        int n = 0;
        while (buf.hasRemaining()) {
            n += channel.write(buf, n);
        }
    }

    /** Both locks held; the generation read when they were taken. */
    public final class Held implements AutoCloseable {
        private final FileLock fileLock;
        private final long generation;
        private boolean changed;
        private boolean deleted;
        private boolean closed;

        Held(FileLock fileLock, long generation) {
            this.fileLock = fileLock;
            this.generation = generation;
        }

        /** Whether the network was deleted (by this or another process) before the lock was taken. */
        public boolean networkDeleted() {
            return generation == DELETED;
        }

        /** Whether a holder was killed while changing the network (the write-ahead mark was found). */
        public boolean foundDirty() {
            return generation != DELETED && (generation & DIRTY) != 0;
        }

        /** The cached view if it is still current, else {@code null}. */
        public Object cache() {
            return generation != DELETED && !foundDirty() && cachedGeneration == current() ? cache : null;
        }

        /** Stores a view read from the kernel under this lock (and kept up to date by this holder). */
        public void cache(Object view) {
            cache = view;
            cachedGeneration = current();
        }

        /**
         * Announces that this holder is about to change the network, BEFORE its first kernel change: writes the next
         * generation with the dirty mark to the file at once, so other holders re-read the kernel even if this
         * process dies before {@link #close()}. A cached view stays valid for this process only if the holder updates
         * it too, which it must do before releasing the lock.
         */
        public void changed() {
            if (!changed && fileLock != null) {
                boolean cacheCurrent = cachedGeneration == generation;
                try {
                    writeGeneration(next() | DIRTY);
                } catch (IOException e) {
                    throw new UncheckedIOException("mark " + file + " dirty: " + e, e);
                }
                changed = true;
                if (cacheCurrent) {
                    cachedGeneration = current();
                }
            }
        }

        /** Clears a dirty mark found at acquire once the network has been reconciled (nothing else changed). */
        public void reconciled() {
            if (foundDirty()) {
                cachedGeneration = -1;
                changed();
            }
        }

        private long next() {
            return (generation & ~DIRTY) + 1;
        }

        private long current() {
            return changed ? next() : generation;
        }

        /** Marks the network deleted and removes the lock file; the lock is released on close. */
        public void markDeleted() {
            deleted = true;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (fileLock == null) {
                local.unlock();
                return;
            }
            try {
                if (deleted) {
                    writeGeneration(DELETED);
                    Files.deleteIfExists(file);
                    try {
                        Files.deleteIfExists(file.getParent()); // leave no trace once the last network is gone
                    } catch (java.nio.file.DirectoryNotEmptyException stillUsed) {
                        // other networks' locks
                    }
                    cache = null;
                    cachedGeneration = -1;
                } else if (changed) {
                    writeGeneration(next());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("update " + file + ": " + e, e);
            } finally {
                try {
                    fileLock.release();
                } catch (IOException ignored) {
                    // the channel is closed below or reused; the lock goes with it
                }
                if (deleted) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // nothing to do
                    }
                    channel = null;
                    gone = true;
                    LOCKS.remove(key, NetworkLock.this);
                }
                local.unlock();
            }
        }
    }
}
