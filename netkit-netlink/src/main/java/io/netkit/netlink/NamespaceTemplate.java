package io.netkit.netlink;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.netlink.internal.NamespaceThread;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named namespaces made to one recipe (sysctl defaults set first thing, the netlink socket opened), with one made
 * ahead of time: after {@link #prepareNext()}, a namespace is unshared in the background, given the defaults and
 * its socket, and waits unnamed (it exists only through its thread and file descriptor, so it vanishes with the
 * process and nothing can find or use it). The next {@link #createAsync} then only names it — claims
 * {@code /run/netns/NAME} and bind-mounts it there, on the calling thread — instead of waiting for a thread to
 * unshare ({@code unshare(CLONE_NEWNET)} alone costs about half a millisecond). Without a spare ready (the first
 * call, or {@code -Dnetkit.netns.spare=false}) it creates one on the spot as {@link NetNamespace#createAsync} does.
 *
 * <p>Equivalent to: {@code ip netns add NAME; ip netns exec NAME sysctl -w KEY=VALUE ...}
 *
 * <pre>{@code
 * NamespaceTemplate t = NamespaceTemplate.withSysctls(Map.of("net.ipv6.conf.default.accept_dad", "0"));
 * NetNamespace c1 = t.createAsync("c1", null).join();   // made on the spot
 * t.prepareNext();                                       // the next one is unshared in the background
 * NetNamespace c2 = t.createAsync("c2", null).join();   // only named
 * }</pre>
 *
 * <p>A spare can carry more than the recipe: {@link #prepareNext(Object, Function)} runs an extra step on the new
 * namespace's thread (netkit-core makes the container's veth pair there) and keeps its result with the spare under a
 * key; only {@link #createAsync(String, Object, Claim, Consumer)} with an equal key takes that spare, and its
 * {@link Claim} gets the result before the name is claimed. Up to {@value #MAX_SPARES} spares wait, one per key.
 */
public final class NamespaceTemplate implements AutoCloseable {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(NamespaceTemplate.class);
    }
    /** {@code -Dnetkit.netns.spare=false}: never make a namespace ahead of time (read at every call: tests switch it). */
    static boolean spares() {
        return !"false".equals(System.getProperty("netkit.netns.spare"));
    }

    private static final java.util.concurrent.atomic.AtomicLong SPARE_WORK = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Odd while a namespace is being made ahead of time, incremented when that begins and when it ends (for the
     * benchmarks: an operation that saw it change, or odd, overlapped the background unshare).
     */
    public static long spareActivity() {
        return SPARE_WORK.get();
    }

    /** At most this many spares wait (one per key). */
    static final int MAX_SPARES = 4;
    /** The key of spares made by {@link #prepareNext()} (a map key cannot be null). */
    private static final Object PLAIN = new Object();

    /**
     * Told, on the calling thread before a name is claimed, which namespace is about to be named: a write-ahead
     * record can so name it by inode with no second write. If it throws, nothing was claimed and the spare is kept.
     */
    @FunctionalInterface
    public interface Claim {
        /**
         * @param inode the inode of the spare about to be named, or 0 if the namespace is made on the spot (then its
         *     inode is known only in the setup)
         * @param ahead what the spare's extra step returned ({@link #prepareNext(Object, Function)}), or null
         */
        void before(long inode, Object ahead);
    }

    /** A namespace made ahead of time and what its extra step returned. */
    private record Spare(NetNamespace ns, Object ahead) {
    }

    private final Map<String, String> sysctls;
    private final boolean loopbackUp;
    private final Object lock = new Object();
    private final Map<Object, CompletableFuture<Spare>> spares = new LinkedHashMap<>(); // guarded by lock: by key
    private boolean closed;                          // guarded by lock

    private NamespaceTemplate(Map<String, String> sysctls, boolean loopbackUp) {
        this.sysctls = sysctls;
        this.loopbackUp = loopbackUp;
    }

    /**
     * A template whose namespaces get these sysctls ({@code net.*} keys, e.g.
     * {@code net.ipv6.conf.default.accept_dad=0}) before anything else happens in them. A key the kernel does not
     * have (IPv6 disabled) is skipped.
     */
    public static NamespaceTemplate withSysctls(Map<String, String> sysctls) {
        Objects.requireNonNull(sysctls, "sysctls == null");
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : sysctls.entrySet()) {
            String k = e.getKey();
            Sysctl.pathOf(Objects.requireNonNull(k, "sysctl key == null"));   // validates the key's shape
            copy.put(k, Objects.requireNonNull(e.getValue(), "value of " + k + " == null"));
        }
        return new NamespaceTemplate(copy, false);
    }

    /**
     * This template with {@code lo} brought up in every namespace, right after the sysctls, as part of making it (for
     * a namespace made ahead of time: in the background, before anyone asks for it). Equivalent to:
     * {@code ip -n NAME link set lo up}.
     */
    public NamespaceTemplate withLoopbackUp() {
        return new NamespaceTemplate(sysctls, true);
    }

    /**
     * Creates the namespace {@code name} as {@link NetNamespace#createAsync} does, with this template's sysctls set
     * and its netlink socket open, then runs {@code setup} (on the namespace thread, or on the calling thread when
     * a spare was named); if {@code setup} throws, the namespace is deleted again. With a spare ready, the returned
     * future is already complete.
     *
     * @throws NetlinkException with {@code EEXIST} if the name is taken (the spare, if any, is kept)
     * @throws IllegalArgumentException if the name is not a valid namespace name
     */
    public CompletableFuture<NetNamespace> createAsync(String name, Consumer<NetNamespace> setup) {
        return createAsync(name, null, setup);
    }

    /**
     * As {@link #createAsync(String, Consumer)}, and first, on the calling thread before the name is claimed,
     * {@code beforeClaim} gets the inode the namespace will have (that of the spare about to be named), or 0 if it
     * is made on the spot (then its inode is known only in {@code setup}). A write-ahead record can so name the
     * namespace by inode before it has a name, with no second write. If {@code beforeClaim} throws, nothing was
     * claimed and the spare is kept.
     */
    public CompletableFuture<NetNamespace> createAsync(String name, java.util.function.LongConsumer beforeClaim,
                                                       Consumer<NetNamespace> setup) {
        return createAsync(name, null, beforeClaim == null ? null : (inode, ahead) -> beforeClaim.accept(inode), setup);
    }

    /**
     * As {@link #createAsync(String, java.util.function.LongConsumer, Consumer)}, taking only the spare made for
     * {@code key} by {@link #prepareNext(Object, Function)} ({@code null}: one of {@link #prepareNext()}); a spare of
     * another key stays for its own. {@code beforeClaim} also gets what that spare's extra step returned. If the
     * name is taken ({@code EEXIST}) or {@code beforeClaim} throws, the spare, with what its step made, is kept.
     */
    public CompletableFuture<NetNamespace> createAsync(String name, Object key, Claim beforeClaim,
                                                       Consumer<NetNamespace> setup) {
        NamespaceNames.validate(name);
        Spare taken = takeSpare(key == null ? PLAIN : key);
        NetNamespace ready = taken == null ? null : taken.ns();
        if (ready == null) {
            if (beforeClaim != null) {
                beforeClaim.before(0, null);
            }
            return NetNamespace.createAsync(name, n -> {
                setSysctls(n);
                if (loopbackUp) {
                    openSocket(n);   // part of making it: if lo cannot go up, the creation fails
                } else {
                    n.submit(n::netlink);   // opened as the thread's next task, while the caller goes on
                }
                if (setup != null) {
                    setup.accept(n);
                }
            });
        }
        NetNamespace named;
        try {
            if (beforeClaim != null) {
                beforeClaim.before(ready.inode(), taken.ahead());
            }
            named = NamespaceCreation.nameSpare(ready, name);
        } catch (RuntimeException | Error e) {
            giveBack(key == null ? PLAIN : key, taken);   // untouched: the next call can still use it
            throw e;
        }
        if (setup != null) {
            try {
                setup.accept(named);
            } catch (RuntimeException | Error e) {
                NamespaceCreation.discard(named, e);
                return CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.completedFuture(named);
    }

    /**
     * Starts making the next namespace in the background (unshare, sysctls, netlink socket) unless one is ready or
     * being made; returns at once. Call it when the caller's own work is done, so that the two do not compete for
     * the CPUs and the kernel's rtnl lock.
     */
    public void prepareNext() {
        prepareNext(null, null);
    }

    /**
     * As {@link #prepareNext()}, for the spare of {@code key}, and then {@code ahead} runs on the new namespace's
     * thread; what it returns is kept with the spare and handed to the {@link Claim} of the
     * {@link #createAsync(String, Object, Claim, Consumer)} that takes it. If {@code ahead} throws, the spare is
     * discarded (with anything {@code ahead} made in it). Does nothing if that key's spare is ready or being made, or
     * {@value #MAX_SPARES} spares wait.
     */
    public void prepareNext(Object key, Function<NetNamespace, Object> ahead) {
        if (!spares()) {
            return;
        }
        Object k = key == null ? PLAIN : key;
        synchronized (lock) {
            if (closed || spares.containsKey(k) || spares.size() >= MAX_SPARES) {
                return;
            }
            SPARE_WORK.incrementAndGet();
            Object[] made = new Object[1];
            CompletableFuture<Spare> s = NamespaceCreation.makeSpare(n -> {
                setSysctls(n);
                openSocket(n);
                if (ahead != null) {
                    made[0] = ahead.apply(n);
                }
            }).thenApply(n -> new Spare(n, made[0]));
            spares.put(k, s);
            s.whenComplete((n, e) -> SPARE_WORK.incrementAndGet());
        }
    }

    /**
     * Takes out the spares whose key {@code which} accepts (waiting for those being made), gives each to
     * {@code before} with what its extra step returned (to remove what that step made elsewhere: it goes with the
     * namespace anyway, but only once the kernel has cleaned the namespace up), then discards it.
     */
    public void discard(Predicate<Object> which, BiConsumer<NetNamespace, Object> before) {
        List<CompletableFuture<Spare>> out = new ArrayList<>();
        synchronized (lock) {
            for (Iterator<Map.Entry<Object, CompletableFuture<Spare>>> it = spares.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Object, CompletableFuture<Spare>> e = it.next();
                if (e.getKey() != PLAIN && which.test(e.getKey())) {
                    out.add(e.getValue());
                    it.remove();
                }
            }
        }
        for (CompletableFuture<Spare> f : out) {
            Spare s;
            try {
                s = NamespaceThread.await(f);
            } catch (RuntimeException e) {
                continue;   // never made: nothing to remove
            }
            try {
                if (before != null) {
                    before.accept(s.ns(), s.ahead());
                }
            } finally {
                s.ns().close();
            }
        }
    }

    /** Discards the namespaces made ahead of time, if any (they vanish: they were never named). Idempotent. */
    @Override
    public void close() {
        List<CompletableFuture<Spare>> out;
        synchronized (lock) {
            closed = true;
            out = new ArrayList<>(spares.values());
            spares.clear();
        }
        for (CompletableFuture<Spare> s : out) {
            s.whenComplete((n, e) -> {
                if (n != null) {
                    n.ns().close();
                }
            });
        }
    }

    /** The spare of {@code key}, waiting for it if it is being made; null if there is none or making it failed. */
    private Spare takeSpare(Object key) {
        CompletableFuture<Spare> s;
        synchronized (lock) {
            s = spares.remove(key);
        }
        if (s == null) {
            return null;
        }
        try {
            return NamespaceThread.await(s);
        } catch (RuntimeException e) {
            Log.LOG.debug("the namespace made ahead of time is not usable ({}); creating one on the spot",
                    e.toString());
            return null;
        }
    }

    private void giveBack(Object key, Spare s) {
        synchronized (lock) {
            if (!closed && !spares.containsKey(key)) {
                spares.put(key, CompletableFuture.completedFuture(s));
                return;
            }
        }
        s.ns().close();
    }

    /** On the namespace's own thread: the netlink socket, and {@code lo} up if the recipe says so. */
    private RtNetlink openSocket(NetNamespace n) {
        RtNetlink rt = n.netlink();
        if (loopbackUp) {   // alone, without setUp's lookup: a new namespace's lo has no link-watch state to sync
            rt.socket().execute("set link up", "lo", RtnetlinkConstants.RTM_NEWLINK, 0, w -> w
                    .ifInfoMsg(RtnetlinkConstants.AF_UNSPEC, 0, 0, IfLinkConstants.IFF_UP, IfLinkConstants.IFF_UP)
                    .attrString(IfLinkConstants.IFLA_IFNAME, "lo"));
        }
        return rt;
    }

    /** On the namespace's own thread: the sysctl defaults. */
    private void setSysctls(NetNamespace n) {
        for (Map.Entry<String, String> s : sysctls.entrySet()) {
            try {
                n.sysctl().set(s.getKey(), s.getValue());
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                Log.LOG.debug("sysctl {} not set in {}: {}", s.getKey(), n, e.toString());
            }
        }
    }
}
