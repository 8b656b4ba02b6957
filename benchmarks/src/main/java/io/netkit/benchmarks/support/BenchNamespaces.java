package io.netkit.benchmarks.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Named network namespaces made for one benchmark fork, and the guarantee that they are gone afterwards.
 *
 * <p>Every name is {@code nkb-<pid>-<random>-<role>}: the prefix marks it as a benchmark's, the pid says which JVM
 * owns it. Namespaces are created and deleted with {@code ip netns add/del} (the harness does not depend on the code
 * it measures). They are removed by {@link #close()}, by a shutdown hook when the JVM is interrupted (SIGINT, SIGTERM),
 * and — if a JVM was killed outright — by {@link #removeStale()} at the start of the next run, which deletes every
 * {@code nkb-} namespace whose owning process is no longer alive. The machine's own (root) namespace is never
 * changed: everything the benchmarks do happens inside these namespaces.
 */
public final class BenchNamespaces implements AutoCloseable {
    public static final String PREFIX = "nkb-";
    private static final Path RUN_NETNS = Path.of("/run/netns");

    private final String runId;
    private final Set<String> made = ConcurrentHashMap.newKeySet();
    private final Thread hook;
    private volatile boolean closed;

    public BenchNamespaces() {
        removeStale();
        this.runId = PREFIX + ProcessHandle.current().pid() + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36, 36 * 36 * 36 * 36), 36);
        this.hook = new Thread(this::removeAll, "nkb-namespace-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The prefix of every namespace this instance makes or hands out names for ({@code nkb-<pid>-<rand>}). */
    public String runId() {
        return runId;
    }

    /** A fresh unique name for a namespace someone else will create (e.g. netkit's attach); swept by close(). */
    public String name(String role) {
        return runId + "-" + role;
    }

    /** {@code ip netns add nkb-...-role}; returns the name. */
    public String create(String role) {
        String name = name(role);
        made.add(name);
        Proc.run("ip", "netns", "add", name);
        return name;
    }

    /** {@code ip netns del NAME}, tolerating one that is already gone. */
    public void delete(String name) {
        made.remove(name);
        Proc.runIgnoringFailure("ip", "netns", "del", name);
    }

    /** Deletes every namespace whose name starts with this run's id (made here or by the code measured). */
    public void removeAll() {
        for (String name : list()) {
            if (name.startsWith(runId + "-")) {
                deleteWithLockFiles(name);
            }
        }
        for (String name : made) {
            deleteWithLockFiles(name);
        }
        made.clear();
    }

    /**
     * {@code ip netns del NAME}, after removing netkit's lock files of networks on it
     * ({@code /run/netkit/INODE-BRIDGE-ID.lock} and {@code .d}): a network the measured code left in place (the CNI
     * plugin keeps its bridge after DEL, as the reference bridge plugin does) would otherwise leave them behind, named
     * by an inode the kernel may give to another namespace later.
     */
    private static void deleteWithLockFiles(String name) {
        Path lockDir = Path.of(System.getProperty("netkit.lockDirectory", "/run/netkit"));
        try {
            Object ino = Files.getAttribute(RUN_NETNS.resolve(name), "unix:ino");
            String prefix = ino + "-";
            if (Files.isDirectory(lockDir)) {
                try (Stream<Path> s = Files.list(lockDir)) {
                    for (Path p : s.filter(f -> f.getFileName().toString().startsWith(prefix)).toList()) {
                        try (Stream<Path> walk = Files.walk(p)) {
                            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                Files.deleteIfExists(f);
                            }
                        }
                    }
                }
            }
        } catch (IOException | UnsupportedOperationException | UncheckedIOException e) {
            // not mounted (already gone) or no lock directory: nothing to remove
        }
        Proc.runIgnoringFailure("ip", "netns", "del", name);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        removeAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it will find nothing left
        }
    }

    /** Deletes {@code nkb-*} namespaces whose owning JVM (the pid in the name) is no longer alive. */
    public static void removeStale() {
        for (String name : list()) {
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            long pid = ownerPid(name);
            if (pid < 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                Proc.runIgnoringFailure("ip", "netns", "del", name);
            }
        }
    }

    static long ownerPid(String name) {
        String rest = name.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Names under /run/netns (what {@code ip netns list} shows). */
    public static List<String> list() {
        if (!Files.isDirectory(RUN_NETNS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(RUN_NETNS)) {
            List<String> names = new ArrayList<>();
            s.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
