package io.netkit.core;

import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.NetworkLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this process knows of the host ports every netkit network of one host namespace publishes (the records in
 * veth aliases, {@code pub=}), so that an attach or publish need not dump the host's links to find a port free.
 *
 * <p>The file {@code /run/netkit/<host-netns-inode>-ports.lock} holds a random nonce (made with the file) and a
 * generation. Every process that adds a published port bumps the generation under the host namespace's lock
 * ({@link io.netkit.netlink.NetNamespace#lockExclusive()}) BEFORE the record reaches the kernel (write-ahead: a kill
 * at any instant leaves at worst an index no one trusts). While the file says the (nonce, generation) this process's
 * index was read or kept at, no port was added by anyone else: a port the index finds free is free. A port it finds
 * taken may be stale (a namespace vanished with its veth, a detach of another process; removals do not bump): the
 * caller dumps the links before refusing. A file removed and made again has a new nonce, so it never matches.
 *
 * <p>Only under the host namespace's lock. Not for use outside netkit.
 */
final class HostPorts {
    private static final Map<Long, HostPorts> BY_HOST = new ConcurrentHashMap<>();

    private final Path file;
    /** Published mappings by (protocol, host port): host interface and mapping. Guarded by this. */
    private final Map<Integer, List<Entry>> index = new HashMap<>();
    /** The (nonce, generation) the index is true at; nonce 0: nothing known. Guarded by this. */
    private long nonce;
    private long generation;

    /** One published mapping of an endpoint. */
    record Entry(String hostIf, PortMapping mapping) {}

    private HostPorts(Path file) {
        this.file = file;
    }

    /** The index of host namespace {@code hostInode} in this process. */
    static HostPorts of(long hostInode) {
        return BY_HOST.computeIfAbsent(hostInode, k -> new HostPorts(file(k)));
    }

    /** The generation file of host namespace {@code hostInode}. */
    static Path file(long hostInode) {
        return NetworkLock.directory().resolve(hostInode + "-ports.lock");
    }

    private static int key(PortMapping m) {
        return m.protocol().ordinal() << 16 | m.hostPort();
    }

    /**
     * Under the host lock: whether the index is current and finds no clash for {@code m} (then {@code m}'s host port
     * is free on the host); false means "ask the kernel" (the index is stale, or says taken).
     */
    synchronized boolean knownFree(List<PortMapping> ms) {
        long[] now = read();
        if (nonce == 0 || now[0] != nonce || now[1] != generation) {
            return false;
        }
        for (PortMapping m : ms) {
            for (Entry e : index.getOrDefault(key(m), List.of())) {
                if (e.mapping.clashesWith(m)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Under the host lock, after a link dump: every network's endpoint records are the index now. */
    synchronized void refresh(Map<String, EndpointRecord> allEndpoints) {
        long[] now = read();
        index.clear();
        for (Map.Entry<String, EndpointRecord> e : allEndpoints.entrySet()) {
            for (PortMapping m : e.getValue().published()) {
                index.computeIfAbsent(key(m), k -> new ArrayList<>(1)).add(new Entry(e.getKey(), m));
            }
        }
        nonce = now[0];
        generation = now[1];
    }

    /**
     * Under the host lock, BEFORE the kernel records new mappings: bumps the generation (write-ahead). Returns whether
     * the index was current (then {@link #added} keeps it current).
     */
    synchronized boolean bump() {
        long[] now = access(true);
        boolean current = nonce != 0 && now[0] == nonce && now[1] == generation;
        if (current) {
            generation = now[1] + 1;
        } else {
            nonce = 0;
        }
        return current;
    }

    /** Under the same host lock hold as {@link #bump}, once the kernel records {@code added} for {@code hostIf}. */
    synchronized void added(String hostIf, List<PortMapping> added, boolean current) {
        if (current && nonce != 0) {
            for (PortMapping m : added) {
                index.computeIfAbsent(key(m), k -> new ArrayList<>(1)).add(new Entry(hostIf, m));
            }
        }
    }

    /** Under the host lock, BEFORE the kernel records {@code added} for {@code hostIf}: {@link #bump} and {@link #added}. */
    synchronized void adding(String hostIf, List<PortMapping> added) {
        added(hostIf, added, bump());
    }

    /**
     * After the kernel no longer holds {@code removed} of {@code hostIf} (all of them when {@code null}): the index
     * forgets them (a port freed is free; no bump needed, as no one trusts a "taken").
     */
    synchronized void removed(String hostIf, List<PortMapping> removed) {
        for (List<Entry> l : index.values()) {
            l.removeIf(e -> e.hostIf.equals(hostIf) && (removed == null || removed.contains(e.mapping)));
        }
    }

    /** Reads (nonce, generation), making the file with a new random nonce if it is new. */
    private long[] read() {
        return access(false);
    }

    /**
     * Opens the file by its path (a file removed and made again is seen at once), reads (nonce, generation), making
     * the file with a new random nonce if it is new; with {@code bump}, writes the generation + 1 through the same
     * open. Returns what was read.
     */
    private long[] access(boolean bump) {
        try (FileChannel ch = open()) {
            ByteBuffer buf = ByteBuffer.allocate(16);
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // until 16 bytes or the end
            }
            long[] now;
            if (buf.position() == 16 && buf.getLong(0) != 0) {
                now = new long[] {buf.getLong(0), buf.getLong(8)};
            } else {
                long n = io.netkit.core.internal.Names.nonce();
                now = new long[] {n, 0};
                if (!bump) {
                    write(ch, n, 0);
                }
            }
            if (bump) {
                write(ch, now[0], now[1] + 1);
            }
            return now;
        } catch (IOException e) {
            throw new UncheckedIOException("update " + file + ": " + e, e);
        }
    }

    private FileChannel open() throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (java.nio.file.NoSuchFileException e) {
            Files.createDirectories(file.getParent());
            return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
    }

    private static void write(FileChannel ch, long n, long gen) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(16).putLong(0, n).putLong(8, gen);
        int at = 0;
        while (buf.hasRemaining()) {
            at += ch.write(buf, at);
        }
    }
}
