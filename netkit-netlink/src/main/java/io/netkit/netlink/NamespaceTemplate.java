package io.netkit.netlink;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.netlink.internal.NamespaceThread;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
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
 */
public final class NamespaceTemplate implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NamespaceTemplate.class);
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

    private final Map<String, String> sysctls;
    private final boolean loopbackUp;
    private final Object lock = new Object();
    private CompletableFuture<NetNamespace> spare;   // guarded by lock: ready or being made, null if none
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
        sysctls.forEach((k, v) -> {
            Sysctl.pathOf(Objects.requireNonNull(k, "sysctl key == null"));   // validates the key's shape
            copy.put(k, Objects.requireNonNull(v, "value of " + k + " == null"));
        });
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
        NamespaceNames.validate(name);
        NetNamespace ready = takeSpare();
        if (ready == null) {
            if (beforeClaim != null) {
                beforeClaim.accept(0);
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
                beforeClaim.accept(ready.inode());
            }
            named = NamespaceCreation.nameSpare(ready, name);
        } catch (RuntimeException | Error e) {
            giveBack(ready);   // untouched: the next call can still use it
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
        if (!spares()) {
            return;
        }
        synchronized (lock) {
            if (closed || spare != null) {
                return;
            }
            SPARE_WORK.incrementAndGet();
            spare = NamespaceCreation.makeSpare(n -> {
                setSysctls(n);
                openSocket(n);
            });
            spare.whenComplete((n, e) -> SPARE_WORK.incrementAndGet());
        }
    }

    /** Discards the namespace made ahead of time, if any (it vanishes: it was never named). Idempotent. */
    @Override
    public void close() {
        CompletableFuture<NetNamespace> s;
        synchronized (lock) {
            closed = true;
            s = spare;
            spare = null;
        }
        if (s != null) {
            s.whenComplete((n, e) -> {
                if (n != null) {
                    n.close();
                }
            });
        }
    }

    /** The spare, waiting for it if it is being made; null if there is none or making it failed. */
    private NetNamespace takeSpare() {
        CompletableFuture<NetNamespace> s;
        synchronized (lock) {
            s = spare;
            spare = null;
        }
        if (s == null) {
            return null;
        }
        try {
            return NamespaceThread.await(s);
        } catch (RuntimeException e) {
            LOG.debug("the namespace made ahead of time is not usable ({}); creating one on the spot", e.toString());
            return null;
        }
    }

    private void giveBack(NetNamespace n) {
        synchronized (lock) {
            if (!closed && spare == null) {
                spare = CompletableFuture.completedFuture(n);
                return;
            }
        }
        n.close();
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
        sysctls.forEach((k, v) -> {
            try {
                n.sysctl().set(k, v);
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
                LOG.debug("sysctl {} not set in {}: {}", k, n, e.toString());
            }
        });
    }
}
