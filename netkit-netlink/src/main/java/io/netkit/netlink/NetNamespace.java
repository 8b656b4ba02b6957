package io.netkit.netlink;

import static io.netkit.netlink.NamespaceFiles.inodeOf;
import static io.netkit.netlink.NamespaceFiles.openFd;

import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.internal.LibC;
import io.netkit.netlink.internal.NamespaceThread;
import io.netkit.netlink.internal.NativeWarmup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A network namespace: a handle to create, open, list and delete namespaces as {@code ip netns} does, and to
 * run Java code, processes and netlink requests inside one.
 *
 * <pre>{@code
 * try (NetNamespace ns = NetNamespace.create("demo")) {      // ip netns add demo
 *     String links = ns.call(() -> Files.readString(Path.of("/proc/net/dev")));  // read inside demo
 *     Process p = ns.start(new ProcessBuilder("ip", "-o", "link"));                // ip netns exec demo ip -o link
 *     ns.sysctl().set("net.ipv4.ip_forward", "1");                                // ip netns exec demo sysctl -w ...
 * } finally {
 *     NetNamespace.delete("demo");                           // ip netns del demo
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Each handle owns one platform thread that entered the namespace ({@code setns}, or
 * {@code unshare} for a namespace it created); {@link #call}, {@link #run}, {@link #start},
 * {@link #netlink()} and {@link #sysctl()} work on that thread, and the caller's own thread never changes
 * namespace. The thread is started when first needed (at once for {@link #create}). Because Linux threads
 * inherit the creator's network namespace, tasks given to {@link #call}/{@link #run} must not start
 * long-lived threads or thread pools (or first use of a lazily started JVM pool): those would stay in this
 * namespace. netkit itself creates namespace threads from a dedicated thread in the process's original
 * namespace.
 *
 * <p><b>/proc inside a task.</b> {@code /proc/net} is a link to {@code /proc/self/net}, which shows the
 * namespace of the process's main thread, not of the namespace thread: inside {@link #call} read
 * {@code /proc/thread-self/net/...} instead. {@code /proc/sys/net} (see {@link #sysctl()}) follows the
 * thread that opens the file and is fine. A process started with {@link #start} is entirely inside.
 *
 * <p>A handle keeps the namespace alive (through its file descriptor and thread) until {@link #close()}.
 * Closing does not delete a named namespace; {@link #delete(String)} does. Handles are thread-safe.
 */
public final class NetNamespace implements AutoCloseable {
    /** Where named namespaces live, as with iproute2. */
    public static final Path RUN_NETNS = Path.of("/run/netns");

    static {
        NativeWarmup.start();   // JNA and libc load on a daemon thread while this thread goes on
    }

    private static volatile NetNamespace current;

    private final String name;
    private final Path path;
    private final long inode;
    private final int fd;
    private final boolean shared;
    private final Object lock = new Object();
    private NamespaceThread thread;   // guarded by lock
    private RtNetlink netlink;        // guarded by lock
    private Sysctl sysctl;            // guarded by lock
    private volatile boolean closed;
    private final NamespaceResources resources;
    private final java.lang.ref.Cleaner.Cleanable cleanable;

    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    private NetNamespace(String name, Path path, int fd, long inode, NamespaceThread thread, boolean shared) {
        this.name = name;
        this.path = path;
        this.fd = fd;
        this.inode = inode;
        this.thread = thread;
        this.shared = shared;
        this.resources = new NamespaceResources(fd, name != null ? name : path.toString(), thread);
        this.cleanable = shared ? null : CLEANER.register(this, resources);
    }

    // ---- creating, opening, listing, deleting ----

    /**
     * Creates a named network namespace exactly as {@code ip netns add NAME} does, so that {@code ip netns list}
     * shows it and {@code ip netns exec NAME ...} works in it: {@code /run/netns} is made a shared mount point
     * (bind-mounted onto itself first if needed), an empty file {@code /run/netns/NAME} is created exclusively,
     * and a new thread unshares its network namespace and bind-mounts it onto that file. That thread stays
     * in the namespace as this handle's thread. Safe when several threads or processes create at once.
     *
     * <p>Equivalent to: {@code ip netns add NAME}
     *
     * @throws NetlinkException with {@code EEXIST} if the name is taken, {@code EPERM} without CAP_SYS_ADMIN
     * @throws IllegalArgumentException if the name is not a valid namespace name
     */
    public static NetNamespace create(String name) {
        return create(name, null);
    }

    /**
     * Creates a named network namespace as {@link #create(String)} does and runs {@code setup} on its namespace
     * thread before returning, as the thread's first task right after it entered the new namespace: in the same
     * hand-off between threads as the creation itself, so it costs no extra thread switch (which, after the
     * process was idle, can cost more than the work). {@code setup} gets the new handle; its {@link #sysctl()},
     * {@link #netlink()} and {@link #call} run directly on that thread. If {@code setup} throws, the namespace is
     * deleted again and the exception is rethrown.
     *
     * <pre>{@code
     * NetNamespace ns = NetNamespace.create("c1", n -> n.sysctl().set("net.ipv4.conf.default.arp_notify", "1"));
     * }</pre>
     *
     * @param setup what to do inside the new namespace first, or null
     * @throws NetlinkException with {@code EEXIST} if the name is taken, {@code EPERM} without CAP_SYS_ADMIN
     * @throws IllegalArgumentException if the name is not a valid namespace name
     */
    public static NetNamespace create(String name, java.util.function.Consumer<NetNamespace> setup) {
        return NamespaceThread.await(createAsync(name, setup));
    }

    /**
     * Starts creating a named network namespace as {@link #create(String, java.util.function.Consumer)} does and
     * returns without waiting for it: the name is checked and {@code /run/netns/NAME} claimed on the calling thread
     * while the namespace thread unshares; that thread then bind-mounts and runs {@code setup} while the caller
     * goes on (on another CPU). The future completes with the new handle, or exceptionally with what failed after
     * everything made so far has been removed again. The caller owns the handle it completes with: join the future
     * even when abandoning it, then close the handle and {@link #delete} the name.
     *
     * <pre>{@code
     * CompletableFuture<NetNamespace> pending = NetNamespace.createAsync("c1", null);
     * ... other work ...
     * NetNamespace ns = pending.join();
     * }</pre>
     *
     * @throws NetlinkException with {@code EEXIST} if the name is taken (before anything is started)
     * @throws IllegalArgumentException if the name is not a valid namespace name
     */
    public static CompletableFuture<NetNamespace> createAsync(String name,
            java.util.function.Consumer<NetNamespace> setup) {
        return NamespaceCreation.createAsync(name, setup);
    }

    /**
     * Opens the named namespace {@code /run/netns/NAME} (made by netkit, {@code ip netns add} or any tool
     * following that convention).
     *
     * @throws NamespaceNotFoundException if there is no such namespace
     */
    public static NetNamespace open(String name) {
        NamespaceNames.validate(name);
        Path file = RUN_NETNS.resolve(name);
        int nsFd = openFd("open namespace", file);
        return adopt(name, file, nsFd);
    }

    /**
     * Opens the namespace behind a namespace file, such as {@code /proc/PID/ns/net} or a bind mount of one.
     *
     * @throws NamespaceNotFoundException if the file does not exist
     */
    public static NetNamespace openPath(Path path) {
        Objects.requireNonNull(path, "path == null");
        int nsFd = openFd("open namespace", path);
        String n = path.getParent() != null && path.getParent().equals(RUN_NETNS) ? path.getFileName().toString() : null;
        return adopt(n, path, nsFd);
    }

    /** A handle on the open namespace file {@code nsFd}; closes it on every error (not a network namespace, ...). */
    private static NetNamespace adopt(String name, Path path, int nsFd) {
        try {
            int type = LibC.ioctl(nsFd, NS_GET_NSTYPE, 0L);
            if (type != LibC.CLONE_NEWNET) {
                int e = type < 0 ? LibC.errno() : Errno.EINVAL;
                throw NetlinkException.withDetail("open namespace", path.toString(), e, "not a network namespace file: "
                        + path + (type < 0 ? " (not a namespace at all)" : " (a namespace of another type)")
                        + "; give /run/netns/NAME, /proc/PID/ns/net or a bind mount of one", null);
            }
            return new NetNamespace(name, path, nsFd, inodeOf(nsFd, path), null, false);
        } catch (RuntimeException | Error e) {
            LibC.close(nsFd);
            throw e;
        }
    }

    /** {@code NS_GET_NSTYPE = _IO(0xb7, 0x3)} from {@code include/uapi/linux/nsfs.h} (Linux 4.11). */
    private static final long NS_GET_NSTYPE = 0xb703L;

    /**
     * Opens the network namespace of process {@code pid} ({@code /proc/PID/ns/net}); the handle keeps the
     * namespace alive even after the process exits. Equivalent to {@code ip netns exec}'s target in
     * {@code nsenter --net=/proc/PID/ns/net}.
     *
     * <p>Pid reuse: on Linux 5.3 and later netkit first takes a pidfd of the process ({@code pidfd_open}), then
     * opens its namespace file, then checks through the pidfd that this same process is still alive
     * ({@code pidfd_send_signal} with signal 0): had it exited and its pid been reused by another process
     * in between, that other process's namespace is not returned ({@link NamespaceNotFoundException}). Only a
     * reuse before the call itself (the caller's pid being stale already) cannot be told apart. On older kernels
     * ({@code ENOSYS}) the namespace file is opened without that check.
     *
     * @throws NamespaceNotFoundException if there is no such process (or it exited while being opened)
     */
    public static NetNamespace ofPid(long pid) {
        return NamespaceFiles.ofPid(pid);
    }

    /**
     * The namespace this process started in (that of its main thread): a shared handle whose
     * {@link #close()} does nothing.
     */
    public static NetNamespace current() {
        NetNamespace c = current;
        if (c == null) {
            synchronized (NetNamespace.class) {
                c = current;
                if (c == null) {
                    Path p = Path.of("/proc/" + io.netkit.netlink.internal.ProcessId.pid() + "/ns/net");
                    int nsFd = openFd("open current namespace", p);
                    c = new NetNamespace(null, p, nsFd, inodeOf(nsFd, p), null, true);
                    current = c;
                }
            }
        }
        return c;
    }

    /**
     * The names of the named namespaces in {@code /run/netns}, sorted.
     *
     * <p>Equivalent to: {@code ip netns list}
     */
    public static List<String> list() {
        if (!Files.isDirectory(RUN_NETNS)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(RUN_NETNS)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("list " + RUN_NETNS, e);
        }
        Collections.sort(out);
        return out;
    }

    /** Whether {@code /run/netns/NAME} exists. */
    public static boolean exists(String name) {
        NamespaceNames.validate(name);
        return Files.exists(RUN_NETNS.resolve(name));
    }

    /**
     * Deletes a named namespace as {@code ip netns del NAME} does: detaches the bind mount and removes the
     * file. The namespace itself disappears when nothing else (a process, an open handle) still uses it.
     *
     * <p>Equivalent to: {@code ip netns del NAME}
     *
     * @throws NamespaceNotFoundException if there is no such namespace
     */
    public static void delete(String name) {
        NamespaceNames.validate(name);
        Path file = RUN_NETNS.resolve(name);
        if (!Files.exists(file)) {
            throw new NamespaceNotFoundException("delete namespace", name, Errno.ENOENT);
        }
        // EINVAL (not a mount point, e.g. left over half-made) is fine: the file still goes.
        LibC.umount2(file.toString(), LibC.MNT_DETACH);
        try {
            Files.delete(file);
        } catch (NoSuchFileException e) {
            throw new NamespaceNotFoundException("delete namespace", name, Errno.ENOENT, e);
        } catch (IOException e) {
            throw NetlinkException.withDetail("delete namespace", name, Errno.EIO, "cannot remove " + file + ": " + e, e);
        }
    }

    // ---- the handle ----

    /** The namespace's name if it is a named namespace in {@code /run/netns}. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** The namespace file this handle was opened from. */
    public Path path() {
        return path;
    }

    /** The namespace's inode number: two handles with the same inode refer to the same namespace. */
    public long inode() {
        return inode;
    }

    /**
     * Takes the machine-wide exclusive lock of this namespace: one holder at a time among every thread of every process
     * that locks the same namespace (by any handle) this way: {@code flock(2)} on the namespace file, under an in-process
     * lock per namespace (a {@code flock} excludes other open files, not other threads). For short critical sections
     * over state that several processes keep in one namespace (netkit: checking and recording the host ports a network
     * publishes). Reentrant per thread; released by {@link NamespaceLock#close()}, and by the kernel if the process
     * dies. Equivalent to: {@code flock /run/netns/NAME COMMAND} (util-linux).
     */
    public NamespaceLock lockExclusive() {
        return NamespaceLock.acquire(this);
    }

    /** The open namespace file (for {@code IFLA_NET_NS_FD} in link requests); valid until {@link #close()}. */
    int fd() {
        checkOpen();
        return fd;
    }

    /**
     * Runs {@code task} inside this namespace (on the handle's namespace thread) and returns its result.
     * Unchecked exceptions are rethrown as they are; an {@code IOException} is wrapped in
     * {@link UncheckedIOException}, any other checked exception in
     * {@link CompletionException}. Tasks run one at a time; a task may call
     * {@code call} on the same handle (it then runs directly).
     *
     * <p>Equivalent to: {@code ip netns exec NAME} for Java code.
     */
    public <T> T call(Callable<T> task) {
        Objects.requireNonNull(task, "task == null");
        return thread().call(task);
    }

    /**
     * Queues {@code task} to run inside this namespace (on the handle's namespace thread, after the tasks queued
     * before it) and returns at once, for work the caller need not wait for. The future completes with the
     * task's result or exception; tasks still queued when the handle is closed fail with
     * {@link IllegalStateException}.
     *
     * <p>Equivalent to: {@code ip netns exec NAME ... &} for Java code.
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task == null");
        return thread().submit(task);
    }

    /** Runs {@code task} inside this namespace; see {@link #call(Callable)}. */
    public void run(Runnable task) {
        Objects.requireNonNull(task, "task == null");
        thread().call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Starts a process inside this namespace: it is spawned from the namespace thread and so inherits the
     * network namespace (and nothing else changes: unlike {@code ip netns exec}, the mount namespace and
     * {@code /sys} are not remounted and {@code /etc/netns/NAME} is not bind-mounted).
     *
     * <p>Equivalent to: {@code ip netns exec NAME cmd...}
     *
     * <p>The JDK watches each child with a "process reaper" thread from a pool, and when no idle one exists the
     * pool creates it from the spawning thread, which would put it in this namespace and pin the namespace for
     * up to 60 s (the pool's keep-alive) after the child ended, even after {@link #delete(String)}. To prevent
     * that, netkit first makes sure the pool has an idle reaper created from the namespace the process started
     * in (by letting a thread there wait on an already finished process, which costs microseconds; the very
     * first start also runs {@code /bin/true} once) and spawns right after, with other netkit spawns held off
     * meanwhile. Only processes started concurrently by other code in the JVM can still take that idle reaper.
     *
     * @throws UncheckedIOException if the process cannot be started
     */
    public Process start(ProcessBuilder pb) {
        Objects.requireNonNull(pb, "pb == null");
        if (shared) {
            return call(pb::start);
        }
        return ReaperHome.start(this, pb);
    }

    /**
     * The rtnetlink handle bound to this namespace: opened on first use (its socket is created on the
     * namespace thread), shared and thread-safe, closed by {@link #close()} of this namespace handle only: its
     * own {@link RtNetlink#close()} does nothing, and if its socket was closed directly a new one is opened here.
     * Equivalent to {@code ip -n NAME ...}.
     */
    public RtNetlink netlink() {
        synchronized (lock) {
            checkOpen();
            if (netlink != null && !netlink.socket().isClosed()) {
                return netlink;
            }
        }
        // Opened without holding the lock: a task running on the namespace thread may itself call netlink().
        NetlinkSocket s = call(() -> NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE));
        synchronized (lock) {
            if (closed || (netlink != null && !netlink.socket().isClosed())) {
                s.close();
                checkOpen();
                return netlink;
            }
            // first use, or someone closed the shared handle's socket itself (rt.socket().close()): a fresh one
            netlink = new RtNetlink(s, this, true);
            resources.socket = s;
            return netlink;
        }
    }

    /**
     * A shared netlink socket of {@code protocol} (e.g. {@code NETLINK_NETFILTER}) bound to this namespace: opened on
     * the namespace thread on first use, thread-safe, and closed with this handle (by {@link #close()}, or by the
     * cleaner of an unclosed handle), so repeated work pays neither the hand-off nor the socket's open and close.
     * A socket closed by its user (e.g. after an error) is replaced by a fresh one on the next call. For
     * {@code NETLINK_ROUTE} use {@link #netlink()}.
     */
    public NetlinkSocket socket(int protocol) {
        synchronized (lock) {
            checkOpen();
            NetlinkSocket s = resources.sockets.get(protocol);
            if (s != null && !s.isClosed()) {
                return s;
            }
        }
        // Opened without holding the lock: a task running on the namespace thread may itself call socket().
        NetlinkSocket s = call(() -> NetlinkSocket.open(protocol));
        synchronized (lock) {
            NetlinkSocket had = resources.sockets.get(protocol);
            if (closed || (had != null && !had.isClosed())) {
                s.close();
                checkOpen();
                return had;
            }
            resources.sockets.put(protocol, s);
            return s;
        }
    }

    /** The {@code /proc/sys} files {@link Sysctl#peek} keeps open for this handle (closed with it). */
    java.util.Map<String, java.nio.channels.FileChannel> keptFiles() {
        checkOpen();
        return resources.files;
    }

    /** sysctl access to this namespace's {@code net.*} keys. */
    public Sysctl sysctl() {
        synchronized (lock) {
            checkOpen();
            if (sysctl == null) {
                sysctl = new Sysctl(this);
            }
            return sysctl;
        }
    }

    /**
     * Releases the handle: closes its netlink handle and the event watches started from it, stops its thread and
     * closes its file descriptor.
     * Idempotent. Does not delete a named namespace (see {@link #delete(String)}). On {@link #current()} it
     * does nothing.
     */
    @Override
    public void close() {
        if (shared || closed) {
            return;
        }
        RtNetlink nl;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            nl = netlink;
            netlink = null;
            thread = null;
        }
        if (nl != null) {
            nl.closeWatches();   // event watches (RtWatch) started from this namespace's handle
        }
        resources.closedExplicitly = true;
        cleanable.clean();   // closes the socket, stops the thread, closes the fd (once)
    }

    /** Whether {@link #close()} was called (never true for {@link #current()}). */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "NetNamespace[" + (name != null ? name : path) + ", inode=" + inode + (closed ? ", closed" : "") + "]";
    }

    // ---- internals ----

    /** A handle for a namespace netkit has just made (see {@link NamespaceCreation}). */
    static NetNamespace made(String name, Path path, int fd, long inode, NamespaceThread thread) {
        return new NetNamespace(name, path, fd, inode, thread, false);
    }

    /** Keeps {@code fd} (an unnamed file in /run/netns, see {@link NamespaceCreation}) until taken or closed. */
    void holdClaim(int fd) {
        resources.claimFd = fd;
    }

    /** The claim file held by {@link #holdClaim}, now the caller's to close; -1 if none. */
    int takeClaim() {
        int fd = resources.claimFd;
        resources.claimFd = -1;
        return fd;
    }

    /**
     * Hands this unnamed spare's thread, netlink socket and namespace descriptor to a new handle for the same
     * namespace, now mounted as {@code file}, and closes this one.
     */
    NetNamespace handOver(String newName, Path file) {
        NamespaceThread t;
        NetlinkSocket s;
        synchronized (lock) {
            checkOpen();
            t = thread;
            s = netlink == null ? null : netlink.socket();
            closed = true;
            thread = null;
            netlink = null;
        }
        resources.thread = null;
        resources.socket = null;
        java.util.Map<Integer, NetlinkSocket> others = new java.util.HashMap<>(resources.sockets);
        resources.sockets.clear();
        java.util.Map<String, java.nio.channels.FileChannel> kept = new java.util.HashMap<>(resources.files);
        resources.files.clear();
        resources.closedExplicitly = true;
        resources.fdHandedOver = true;
        cleanable.clean();
        NetNamespace named = new NetNamespace(newName, file, fd, inode, t, false);
        named.resources.sockets.putAll(others);
        named.resources.files.putAll(kept);
        if (s != null && !s.isClosed()) {
            named.netlink = new RtNetlink(s, named, true);
            named.resources.socket = s;
        }
        return named;
    }

    private NamespaceThread thread() {
        synchronized (lock) {
            checkOpen();
            if (thread == null) {
                String label = name != null ? name : String.valueOf(inode);
                int nsFd = fd;
                Path p = path;   // locals: the thread must not keep the handle reachable (see Resources)
                thread = NamespaceThread.start("netkit-netns-" + label, () -> {
                    if (LibC.setns(nsFd, LibC.CLONE_NEWNET) != 0) {
                        int e = LibC.errno();
                        String detail = e == Errno.EINVAL ? "not a network namespace: " + p : null;
                        if (detail != null) {
                            throw NetlinkException.withDetail("enter namespace", label, e, detail, null);
                        }
                        throw new NetlinkException("enter namespace", label, e, null);
                    }
                });
                resources.thread = thread;
            }
            return thread;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("namespace handle is closed: " + this);
        }
    }
}
