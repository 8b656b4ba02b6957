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
 * <p>Continuity ({@link Held#epoch()}, what {@link CleanAddresses} relies on): every change of the network moves the
 * generation forward, so if an acquire reads the very generation this process left at its previous release, in the
 * same file the path names, no other process changed the network in between. Anything else moves the epoch.
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

    /** The generation this process left in the file at its last release; -1: none (or unknown). Guarded by local. */
    private long releasedAt = -1;
    /** Moves whenever an acquire cannot prove that only this process changed the network since. Guarded by local. */
    private long epoch;
    /** The identity (device, inode) of the file the channel holds, or {@code null} if unknown. Guarded by local. */
    private Object openedKey;
    private final CleanAddresses clean = new CleanAddresses();

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

    /** What this process knows about the conntrack entries of the network's addresses (one per network and process). */
    public CleanAddresses cleanAddresses() {
        return clean;
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
                    openChannel();
                } catch (java.nio.file.NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
                    // Another process removes the directory when empty: between createDirectory's EEXIST and its
                    // isDirectory check (FileAlreadyExistsException), or before the open (NoSuchFileException).
                    if (attempt >= 5) {
                        throw e; // the directory keeps vanishing
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
            if (generation != releasedAt) {
                epoch++; // another process changed the network, or this one cannot tell (first hold, new channel)
            }
            releasedAt = -1; // until this holder's close says what it left
            return new Held(fileLock, generation);
        } catch (IOException e) {
            local.unlock();
            throw new UncheckedIOException("lock " + file + ": " + e, e);
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    /**
     * Opens the file and learns which file the channel holds: its identity read before and after the open must agree
     * (a file made or replaced in between is opened once more; a channel whose file is unknown never proves
     * continuity). No lock of this process is held on the file here, so closing a channel drops none.
     */
    private void openChannel() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Object before = identity();
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Object after = identity();
            boolean known = before != null && before.equals(after);
            if (known || attempt >= 2) {
                channel = ch;
                openedKey = known ? after : null;
                releasedAt = -1;
                return;
            }
            ch.close();
        }
    }

    /** The (device, inode) the lock file's path names now, or {@code null} if there is none. */
    private Object identity() {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Where a create writes its bridge record ahead ({@link Held#recordAhead}): after the generation, 2-byte length. */
    private static final int RECORD_AT = 8;

    /**
     * The lock files of {@code bridge} on the host namespace with inode {@code hostInode}, whatever their network id
     * ({@code <inode>-<bridge>-<8 hex>.lock}).
     */
    public static java.util.List<String> networkIds(long hostInode, String bridge) {
        String prefix = hostInode + "-" + bridge + "-";
        java.util.List<String> ids = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> st = Files.list(directory())) {
            st.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith(prefix) && f.endsWith(".lock") && f.length() == prefix.length() + 13)
                    .map(f -> f.substring(prefix.length(), prefix.length() + 8))
                    .filter(id -> id.matches("[0-9a-f]{8}"))
                    .forEach(ids::add);
        } catch (IOException e) {
            // no lock directory: no network of that name was ever locked here
        }
        return ids;
    }

    /**
     * The record a create wrote ahead of making its bridge ({@link Held#recordAhead}) in the lock file of network
     * {@code id}, or {@code null} if it holds none. Does not take the lock, and registers no lock in this process.
     */
    public static String peekRecordAhead(long hostInode, String bridge, String id) {
        return onFile(hostInode + "-" + bridge + "-" + id, NetworkLock::readRecordAhead, NetworkLock::readRecordAhead);
    }

    /** Whether a live holder (a thread of this process, or another process) holds network {@code id}'s lock now. */
    public static boolean heldNow(long hostInode, String bridge, String id) {
        NetworkLock here = LOCKS.get(hostInode + "-" + bridge + "-" + id);
        if (here != null && here.local.isLocked() && !here.local.isHeldByCurrentThread()) {
            return true; // another thread of this process holds it (or is about to)
        }
        return Boolean.TRUE.equals(onFile(hostInode + "-" + bridge + "-" + id, NetworkLock::tryLockNow, NetworkLock::tryLockNow));
    }

    private static Boolean tryLockNow(FileChannel ch) throws IOException {
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true; // another process
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException byThisProcess) {
            return true;
        }
    }

    private interface FileRead<T> {
        T apply(FileChannel ch) throws IOException;
    }

    /**
     * Reads a lock file through this process's lock if it has one, else through a channel of its own. Closing any
     * channel of a file drops every POSIX record lock this process holds on it, so the short-lived channel is used
     * only while no lock of this process exists for the file (the map's compute keeps {@link #of} out meanwhile).
     */
    private static <T> T onFile(String key, FileRead<T> held, FileRead<T> fresh) {
        Object[] out = new Object[1];
        NetworkLock existing = LOCKS.compute(key, (k, lock) -> {
            if (lock == null) {
                Path file = directory().resolve(k + ".lock");
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    out[0] = fresh.apply(ch);
                } catch (IOException e) {
                    out[0] = null; // no such file (any more): nothing to read
                }
            }
            return lock;
        });
        if (existing == null) {
            @SuppressWarnings("unchecked")
            T t = (T) out[0];
            return t;
        }
        existing.local.lock();
        try {
            if (existing.channel == null || !existing.channel.isOpen()) {
                if (!Files.exists(existing.file)) {
                    return null;
                }
                existing.openChannel();
            }
            return held.apply(existing.channel);
        } catch (IOException e) {
            return null;
        } finally {
            existing.local.unlock();
        }
    }

    private static String readRecordAhead(FileChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(2);
        if (ch.read(len, RECORD_AT) != 2) {
            return null;
        }
        int n = len.getShort(0) & 0xffff;
        ByteBuffer text = ByteBuffer.allocate(n);
        while (text.hasRemaining() && ch.read(text, RECORD_AT + 2 + text.position()) > 0) {
            // read on
        }
        return n == 0 || text.hasRemaining() ? null : new String(text.array(), java.nio.charset.StandardCharsets.UTF_8);
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
        private boolean fileChecked;

        Held(FileLock fileLock, long generation) {
            this.fileLock = fileLock;
            this.generation = generation;
        }

        /**
         * This process's continuity counter: equal at two holds exactly when this process proved that no other
         * process changed the network between them (same generation as it left, same file on disk).
         */
        public long epoch() {
            if (!fileChecked) { // checked once per hold, and only by the holders that ask (a stat)
                fileChecked = true;
                if (openedKey == null || !openedKey.equals(identity())) {
                    epoch++; // the lock file was removed or replaced: another process may use another file
                }
            }
            return epoch;
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

        /**
         * Writes the bridge record into the lock file BEFORE the bridge is made: the kernel takes a link's alias only
         * in a request after its creation, and a creator killed in between leaves a bridge without its record. The
         * record found here ({@link #peekRecordAhead(long, String, String)}) lets a later process recognise that bridge as this
         * network's half-made one (by name, kind and link group) and finish the create's undo.
         */
        public void recordAhead(String record) {
            byte[] text = record.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer buf = ByteBuffer.allocate(2 + text.length).putShort((short) text.length).put(text).flip();
            try {
                int n = 0;
                while (buf.hasRemaining()) {
                    n += channel.write(buf, RECORD_AT + n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("record the network ahead in " + file + ": " + e, e);
            }
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
                    deleteHostFilesIfLast();
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
                releasedAt = deleted ? -1 : current();
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

    /**
     * After this network's lock file went: the host's other files ({@code <host-inode>-ports.lock}, the host-port
     * index generation) go too when no network of the host is left (a file made again gets a new nonce).
     */
    private void deleteHostFilesIfLast() {
        String prefix = key.substring(0, key.indexOf('-') + 1);
        Path ports = file.resolveSibling(prefix + "ports.lock");
        try (java.util.stream.Stream<Path> files = Files.list(file.getParent())) {
            if (files.map(p -> p.getFileName().toString())
                    .anyMatch(f -> f.startsWith(prefix) && !f.equals(ports.getFileName().toString()))) {
                return;
            }
            Files.deleteIfExists(ports);
        } catch (IOException gone) {
            // best effort (the directory went with another process's last network): a leftover sweep takes it later
        }
    }

}
