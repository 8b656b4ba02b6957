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
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead intent records of attaches in flight: before its first change, an attach creates
 * {@code /run/netkit/HOSTINO-BRIDGE-ID.d/HOSTIF} (naming the namespace it is about to create, and its inode once it
 * exists) and holds a file lock on it until it has committed or undone everything. A process killed in between
 * leaves the file unlocked (the kernel drops the lock with the process): any later process finds the half-made
 * endpoint from it — the veth by its name, the namespace by its name and inode — and undoes it ({@link Reconcile}).
 * An intent whose lock is held belongs to a live attach and is left alone.
 */
final class Intents {
    private static final Logger LOG = LoggerFactory.getLogger(Intents.class);

    /**
     * Intent files this JVM holds. Closing ANY channel of a file releases every POSIX lock the process holds on it, so
     * this process never opens an intent of its own to probe it.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path dir;

    Intents(Path lockFile) {
        String f = lockFile.getFileName().toString();
        this.dir = lockFile.resolveSibling(f.substring(0, f.length() - ".lock".length()) + ".d");
    }

    Path dir() {
        return dir;
    }

    /** The intent directory that belongs to a lock file. */
    static Path dirOf(Path lockFile) {
        return new Intents(lockFile).dir;
    }

    /** An abandoned intent read back: the host interface, the namespace to be created (or null) and its inode (0 = not known). */
    record Abandoned(Path file, String hostInterface, String namespace, long inode) {}

    /** Records and locks the intent to attach through {@code hostIf}, creating namespace {@code nsName} (or null). */
    Intent begin(String hostIf, String nsName) {
        for (int attempt = 0; ; attempt++) {
            try {
                Files.createDirectories(dir);
                Path file = dir.resolve(hostIf);
                HELD.add(file);
                FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
                FileLock lock;
                try {
                    lock = ch.lock();
                    write(ch, nsName, 0);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    Files.deleteIfExists(file);
                    HELD.remove(file);
                    throw e;
                }
                return new Intent(file, ch, lock, nsName);
            } catch (NoSuchFileException e) {
                HELD.remove(dir.resolve(hostIf));
                if (attempt >= 5) {
                    throw new UncheckedIOException("record the intent in " + dir + ": " + e, e);
                }
            } catch (IOException e) {
                HELD.remove(dir.resolve(hostIf));
                throw new UncheckedIOException("record the intent in " + dir + ": " + e, e);
            }
        }
    }

    private static void write(FileChannel ch, String nsName, long inode) throws IOException {
        byte[] b = ((nsName == null ? "-" : nsName) + "\n" + inode + "\n").getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ByteBuffer buf = ByteBuffer.wrap(b);
        int n = 0;
        while (buf.hasRemaining()) {
            n += ch.write(buf, n);
        }
    }

    /** Intents whose maker is gone (their lock is free), read under the network's lock. */
    List<Abandoned> abandoned() {
        return abandoned(dir);
    }

    static List<Abandoned> abandoned(Path dir) {
        List<Abandoned> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        } catch (IOException e) {
            LOG.warn("cannot list intents in {}: {}", dir, e.toString());
            return out;
        }
        for (Path f : files) {
            if (HELD.contains(f)) {
                continue; // an attach of this process
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException inFlight) {
                    continue; // an attach of this process
                }
                if (lock == null) {
                    continue; // an attach of a live process
                }
                String[] lines = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n");
                String ns = lines.length > 0 && !lines[0].equals("-") && !lines[0].isEmpty() ? lines[0] : null;
                long ino = 0;
                try {
                    ino = lines.length > 1 ? Long.parseLong(lines[1].trim()) : 0;
                } catch (NumberFormatException ignored) {
                    // unknown
                }
                if (ns != null) {
                    try {
                        Records.namespaceName(ns);
                    } catch (IllegalArgumentException bad) {
                        LOG.warn("ignoring a bad intent record {}: {}", f, bad.getMessage());
                        ns = null;
                    }
                }
                out.add(new Abandoned(f, f.getFileName().toString(), ns, ino));
                lock.release();
            } catch (NoSuchFileException gone) {
                // finished meanwhile
            } catch (IOException e) {
                LOG.warn("cannot read intent {}: {}", f, e.toString());
            }
        }
        return out;
    }

    /** Removes an intent that has been dealt with, and the directory once it is empty. */
    static void remove(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (DirectoryNotEmptyException others) {
            // intents of other attaches
        } catch (IOException e) {
            LOG.debug("cannot remove intent {}: {}", file, e.toString());
        }
    }

    /** Removes the intent directory of a deleted network (with whatever is left in it). */
    void removeAll() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", dir, e.toString());
        }
    }

    /** One attach's intent, held (locked) until {@link #end()}. */
    static final class Intent {
        private Path file;
        private final FileChannel channel;
        private final FileLock lock;
        private final String nsName;
        private boolean ended;

        Intent(Path file, FileChannel channel, FileLock lock, String nsName) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
            this.nsName = nsName;
        }

        /** The namespace was created: records its inode, which later proves it is netkit's. */
        synchronized void confirm(long inode) {
            if (ended) {
                return;
            }
            try {
                write(channel, nsName, inode);
            } catch (IOException e) {
                throw new UncheckedIOException("record namespace inode in " + file + ": " + e, e);
            }
        }

        /** The namespace already existed (not netkit's): the intent must not name it, so it ends at once. */
        synchronized void namespaceExisted() {
            end();
        }

        /** The host interface got another name (collision): the intent follows it. */
        synchronized void rename(String hostIf) {
            try {
                Path to = file.resolveSibling(hostIf);
                HELD.add(to);
                Files.move(file, to);
                HELD.remove(file);
                file = to;
            } catch (IOException e) {
                throw new UncheckedIOException("rename intent " + file + ": " + e, e);
            }
        }

        /** The attach committed or was undone: removes the record and releases its lock. Idempotent. */
        synchronized void end() {
            if (ended) {
                return;
            }
            ended = true;
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                LOG.debug("cannot remove intent {}: {}", file, e.toString());
            }
            try {
                lock.release();
            } catch (IOException ignored) {
                // closed below
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            HELD.remove(file);
        }
    }

    static Path lockDirectory() {
        return NetworkLock.directory();
    }
}
