package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.Links;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An overlay's record ahead: {@code /run/netkit/HOSTINO-DEVICE.overlay}, written before {@link Overlay.Builder#create()}
 * or {@link Overlay#close()} changes anything and removed when it is done, held with a file lock meanwhile (a second
 * process waits). It holds the overlay's record and the VXLAN device's link group, which the creation request itself
 * sets (the alias, netkit's record on the device, the kernel takes only in a later request). A process killed in
 * between leaves the file unlocked: the next create of the same overlay finds the device (without alias: it is
 * netkit's only if kind and link group match), the network and the address as they are and finishes them; a create
 * with other settings undoes them first. A device without alias that no record ahead names is never touched.
 */
final class OverlayIntent implements AutoCloseable {
    private static final Map<String, ReentrantLock> LOCAL = new ConcurrentHashMap<>();

    /** What a record ahead says: the overlay's record (as its alias encodes it) and its device's link group. */
    record Ahead(Map<String, String> record, int group) {
        String bridge() {
            return record.get("bridge");
        }
    }

    private final Path file;
    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private OverlayIntent(Path file, ReentrantLock local, FileChannel channel, FileLock lock) {
        this.file = file;
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the record-ahead file of {@code device} on {@code host} (waits for another holder). */
    static OverlayIntent acquire(Host host, String device) {
        Path file = NetworkLock.directory().resolve(host.netns().inode() + "-" + device + ".overlay");
        ReentrantLock local = LOCAL.computeIfAbsent(file.toString(), k -> new ReentrantLock());
        local.lock();
        try {
            for (int attempt = 0; ; attempt++) {
                FileChannel ch = null;
                try {
                    Files.createDirectories(file.getParent());
                    ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock l = ch.lock();
                    // The holder before (a close) may have removed the file after this process opened it: open it anew.
                    if (Files.exists(file)) {
                        return new OverlayIntent(file, local, ch, l);
                    }
                    ch.close();
                } catch (java.nio.file.NoSuchFileException | java.nio.file.FileAlreadyExistsException gone) {
                    closeQuietly(ch);
                    if (attempt > 100) {
                        throw new UncheckedIOException("record ahead " + file, gone);
                    }
                } catch (IOException e) {
                    closeQuietly(ch);
                    throw new UncheckedIOException("record ahead " + file, e);
                }
            }
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    /** The record ahead an earlier create or close left (it was killed), or empty. */
    Optional<Ahead> read() {
        try {
            long size = channel.size();
            if (size == 0 || size > 4096) {
                return Optional.empty();
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            channel.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            if (nl < 0) {
                return Optional.empty();
            }
            int group = Integer.parseInt(text.substring(0, nl));
            return Alias.decode(text.substring(nl + 1).strip()).filter(m -> !m.isEmpty()).map(m -> new Ahead(m, group));
        } catch (IOException | RuntimeException damaged) {
            return Optional.empty(); // not what netkit wrote: proof of nothing
        }
    }

    /**
     * Writes the record ahead (and syncs it: it must be on file before the kernel changes). The same record already
     * there is left as it is: rewritten, a kill between truncate and write would lose it.
     */
    void write(Ahead ahead) {
        if (read().filter(ahead::equals).isPresent()) {
            return;
        }
        byte[] text = (ahead.group() + "\n" + Alias.encode(ahead.record()) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(text), 0);
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("write record ahead " + file, e);
        }
    }

    /** The operation is done (or undone): the record ahead goes (and the file with the lock). */
    void clear() {
        try {
            channel.truncate(0);
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("clear record ahead " + file, e);
        }
    }

    /** As {@link #clear()}. */
    void remove() {
        clear();
    }

    @Override
    public void close() {
        try {
            if (channel.size() == 0) {
                Files.deleteIfExists(file); // while locked: a waiter that opened it sees it gone and opens it anew
            }
        } catch (IOException ignored) {
            // an empty file is no record: harmless
        }
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
        local.unlock();
    }

    /**
     * The device named in {@code ahead} as netkit's own: as it is if it carries the record, with the record written
     * onto it if it has no alias but the record ahead's kind and link group (a create killed before the alias). Empty
     * if there is no such device or it is someone else's.
     */
    static Optional<Link> ownDevice(Links links, String device, Ahead ahead) {
        Optional<Link> l = links.find(device);
        if (l.isEmpty() || !"vxlan".equals(l.get().kind())) {
            return Optional.empty();
        }
        String alias = l.get().alias();
        if (alias == null || alias.isEmpty()) {
            if (l.get().group() != ahead.group()) {
                return Optional.empty();
            }
            links.setAlias(device, Alias.encode(ahead.record()));
            return links.find(device);
        }
        return Alias.decode(alias).filter(ahead.record()::equals).flatMap(m -> l);
    }

    /**
     * Undoes what a killed create or close with other settings left: its device (if netkit's, see {@link #ownDevice})
     * and its network, then the file's content.
     */
    void undo(Host host, String device, Ahead ahead) {
        Links links = host.netns().netlink().links();
        if (ownDevice(links, device, ahead).isPresent()) {
            links.delete(device);
        }
        String br = ahead.bridge();
        if (br != null && links.find(br).isPresent()) {
            try {
                Network.open(host, br).close();
            } catch (NetkitException e) {
                if (links.find(br).isPresent()) {
                    throw e; // not (or no longer) the overlay's network: left alone
                }
            }
        }
        if (br != null) {
            sweep(host, br);
        }
        clear();
    }

    /**
     * The overlay's network: opened if its bridge is there (a killed create or close left it), else created by
     * {@code create}; a bridge whose own create was killed is undone by the open and made again.
     */
    static Network openOrCreate(Host host, String bridge, java.util.function.Supplier<Network> create) {
        Links links = host.netns().netlink().links();
        if (links.find(bridge).isPresent()) {
            try {
                return Network.open(host, bridge);
            } catch (NetkitException e) {
                if (links.find(bridge).isPresent()) {
                    throw e;
                }
            }
        }
        sweep(host, bridge);
        return create.get();
    }

    /**
     * What a teardown of the overlay's network killed after its bridge went left (rules, lock file), which only the
     * sweep finds without the bridge ({@link Host#leftovers()}), for that bridge's name alone.
     */
    private static void sweep(Host host, String bridge) {
        new Leftovers(host).collect(l -> l.network() != null && l.network().startsWith(bridge + "@"));
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to keep
            }
        }
    }
}
