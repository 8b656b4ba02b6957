package io.netkit.core;

import io.netkit.core.internal.NetworkLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead intent records of attaches (and of detaches' namespace deletions) in flight. Before its first change,
 * an operation writes what it is about to make — its host veth, the namespace it creates and, once that exists, its
 * inode — into an intent slot: a file {@code /run/netkit/HOSTINO-BRIDGE-ID.d/PID-N} that this process holds a file
 * lock on for as long as it lives. When the operation has committed or undone everything, the slot is marked idle
 * and reused. A process killed in between leaves the slot unlocked (the kernel drops the lock with the process):
 * any later process finds the half-made endpoint from it and undoes it ({@link Reconcile}). A slot whose lock is held
 * belongs to a live process and is left alone.
 *
 * <p>Slots are rewritten in place (one {@code pwrite} of a fixed-size record at begin, one when the namespace exists,
 * one at the end), never created and unlinked per operation: on a journaling file system that would cost a
 * millisecond or more per attach.
 */
final class Intents {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Intents.class);
    }
    private static final int RECORD = 512;
    private static final String ACTIVE = "A";
    private static final String IDLE = "I";
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final long PID = io.netkit.core.internal.Names.pid();

    /**
     * Slot files this JVM holds. Closing ANY channel of a file releases every POSIX lock the process holds on it, so
     * this process never opens one of its own slots to probe it.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final ConcurrentLinkedQueue<Slot> free = new ConcurrentLinkedQueue<>();
    private final List<Slot> all = java.util.Collections.synchronizedList(new ArrayList<>());

    private static final java.util.concurrent.ConcurrentHashMap<Path, Intents> BY_DIR = new java.util.concurrent.ConcurrentHashMap<>();

    private Intents(Path dir) {
        this.dir = dir;
    }

    /** The process-wide intents of the network whose lock file is {@code lockFile} (shared by its Network objects). */
    static Intents of(Path lockFile) {
        String f = lockFile.getFileName().toString();
        Path dir = lockFile.resolveSibling(f.substring(0, f.length() - ".lock".length()) + ".d");
        return BY_DIR.computeIfAbsent(dir, Intents::new);
    }

    /** An abandoned intent read back: the host interface, the namespace to be created (or null) and its inode (0 = not known). */
    record Abandoned(Path file, String hostInterface, String namespace, long inode) {}

    /** One slot file, locked by this process for its life. */
    private static final class Slot {
        final Path file;
        final FileChannel channel;
        final ByteBuffer buf = ByteBuffer.allocate(RECORD);

        Slot(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        synchronized void write(String state, String hostIf, String nsName, long inode) {
            String text = state + "\n" + (hostIf == null ? "-" : hostIf) + "\n" + (nsName == null ? "-" : nsName) + "\n"
                    + inode + "\n";
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            buf.clear();
            buf.put(b, 0, Math.min(b.length, RECORD));
            while (buf.hasRemaining()) {
                buf.put((byte) 0);
            }
            buf.flip();
            try {
                int n = 0;
                while (buf.hasRemaining()) {
                    n += channel.write(buf, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("write intent " + file + ": " + e, e);
            }
        }
    }

    private Slot slot() {
        Slot s = free.poll();
        if (s != null) {
            return s;
        }
        for (int attempt = 0; ; attempt++) {
            Path file = dir.resolve(PID + "-" + COUNTER.incrementAndGet());
            HELD.add(file);
            try {
                Files.createDirectories(dir);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                try {
                    ch.lock();
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    Files.deleteIfExists(file);
                    throw e;
                }
                Slot slot = new Slot(file, ch);
                all.add(slot);
                return slot;
            } catch (NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
                // The directory vanished (removed by another process when empty) during createDirectories or before
                // the open: make it again, under a new file name.
                HELD.remove(file);
                if (attempt >= 5) {
                    throw new UncheckedIOException("record the intent in " + dir + ": " + e, e);
                }
            } catch (IOException e) {
                HELD.remove(file);
                throw new UncheckedIOException("record the intent in " + dir + ": " + e, e);
            }
        }
    }

    /** Records the intent to attach (or detach) through {@code hostIf}, creating (or deleting) namespace {@code nsName}. */
    Intent begin(String hostIf, String nsName) {
        return begin(hostIf, nsName, 0);
    }

    /**
     * As {@link #begin(String, String)} with the inode namespace {@code nsName} will have, when known before it is
     * named (a namespace made ahead of time), so that no {@link Intent#confirm} write follows; 0 if not known.
     */
    Intent begin(String hostIf, String nsName, long inode) {
        Slot s = slot();
        s.write(ACTIVE, hostIf, nsName, inode);
        Intent i = new Intent(s, hostIf, nsName);
        i.inode = inode;
        return i;
    }

    /** Intents whose maker is gone (their lock is free), read under the network's lock. */
    List<Abandoned> abandoned() {
        return abandoned(dir, true);
    }

    /** Abandoned intents in {@code dir}; {@code removeIdle}: also remove idle slots of processes that ended. */
    static List<Abandoned> abandoned(Path dir, boolean removeIdle) {
        List<Abandoned> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        } catch (IOException e) {
            Log.LOG.warn("cannot list intents in {}: {}", dir, e.toString());
            return out;
        }
        for (Path f : files) {
            if (HELD.contains(f)) {
                continue; // a slot of this process
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException inFlight) {
                    continue;
                }
                if (lock == null) {
                    continue; // a slot of a live process
                }
                String[] lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).replace("\0", "").split("\n");
                if (lines.length < 4 || !lines[0].equals(ACTIVE)) {
                    lock.release();
                    if (removeIdle) {
                        remove(f); // an idle slot of a process that ended
                    }
                    continue;
                }
                String hostIf = lines[1].equals("-") ? null : lines[1];
                String ns = lines[2].equals("-") ? null : lines[2];
                long ino = 0;
                try {
                    ino = Long.parseLong(lines[3].trim());
                } catch (NumberFormatException ignored) {
                    // unknown
                }
                if (ns != null) {
                    try {
                        Records.namespaceName(ns);
                    } catch (IllegalArgumentException bad) {
                        Log.LOG.warn("ignoring a bad intent record {}: {}", f, bad.getMessage());
                        ns = null;
                    }
                }
                if (hostIf != null && !io.netkit.netlink.InterfaceNames.isValid(hostIf)) {
                    Log.LOG.warn("ignoring a bad intent record {}: host interface \"{}\"", f, hostIf);
                    hostIf = null;
                }
                out.add(new Abandoned(f, hostIf == null ? "" : hostIf, ns, ino));
                lock.release();
            } catch (NoSuchFileException gone) {
                // dealt with meanwhile
            } catch (IOException e) {
                Log.LOG.warn("cannot read intent {}: {}", f, e.toString());
            }
        }
        return out;
    }

    /**
     * The host interfaces that active intents of OTHER live processes name (their slots are locked; read without
     * locking, so a record being rewritten may be missed or stale: callers check the link itself). For a teardown:
     * pairs made ahead by another process ({@link SpareVeths}) would otherwise wait in the host namespace until that
     * process ends.
     */
    List<String> othersHostInterfaces() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                if (HELD.contains(f)) {
                    continue;
                }
                try {
                    String[] lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).replace("\0", "").split("\n");
                    if (lines.length >= 2 && lines[0].equals(ACTIVE) && io.netkit.netlink.InterfaceNames.isValid(lines[1])) {
                        out.add(lines[1]);
                    }
                } catch (IOException gone) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            Log.LOG.debug("cannot list intents in {}: {}", dir, e.toString());
        }
        return out;
    }

    /** Removes an intent of a process that ended, once dealt with, and the directory once it is empty. */
    static void remove(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (DirectoryNotEmptyException others) {
            // other slots
        } catch (IOException e) {
            Log.LOG.debug("cannot remove intent {}: {}", file, e.toString());
        }
    }

    /** Removes the intent directory of a deleted network, closing this process's slots. */
    void removeAll() {
        synchronized (all) {
            for (Slot s : all) {
                try {
                    s.channel.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
                HELD.remove(s.file);
            }
            all.clear();
            free.clear();
        }
        BY_DIR.remove(dir, this);
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            Log.LOG.debug("cannot remove {}: {}", dir, e.toString());
        }
    }

    /** One operation's intent, active until {@link #end()}. */
    final class Intent {
        private final Slot slot;
        private String hostIf;
        private String nsName;
        private long inode;
        private boolean ended;

        Intent(Slot slot, String hostIf, String nsName) {
            this.slot = slot;
            this.hostIf = hostIf;
            this.nsName = nsName;
        }

        /** The namespace exists: records its inode, which later proves it is netkit's. */
        synchronized void confirm(long inode) {
            if (!ended && inode != this.inode) {
                this.inode = inode;
                slot.write(ACTIVE, hostIf, nsName, inode);
            }
        }

        /** The namespace already existed (not netkit's): the intent must not name it, so it ends at once. */
        synchronized void namespaceExisted() {
            end();
        }

        /**
         * The intent of a veth pair made ahead of time ({@link SpareVeths}: the host interface, no namespace) becomes
         * that of the attach that takes it, creating namespace {@code nsName} with {@code inode}; {@code null}, 0: back
         * to the pair's own (the name was taken). One write. Returns false (and writes nothing) if the intent ended.
         */
        synchronized boolean toNamespace(String nsName, long inode) {
            this.nsName = nsName;
            this.inode = inode;
            if (!ended) {
                slot.write(ACTIVE, hostIf, nsName, inode);
            }
            return !ended;
        }

        /** The host interface got another name (collision): the intent follows it. */
        synchronized void rename(String hostIf) {
            this.hostIf = hostIf;
            if (!ended) {
                slot.write(ACTIVE, hostIf, nsName, inode);
            }
        }

        /** The operation committed or was undone: the slot is idle again. Idempotent. */
        synchronized void end() {
            if (ended) {
                return;
            }
            ended = true;
            try {
                slot.write(IDLE, null, null, 0);
                free.add(slot);
            } catch (UncheckedIOException e) {
                Log.LOG.debug("cannot mark intent {} idle: {}", slot.file, e.toString());
            }
        }
    }

    static Path lockDirectory() {
        return NetworkLock.directory();
    }
}
