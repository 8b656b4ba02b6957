package io.netkit.netlink;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running subscription to kernel notifications of one namespace: {@code ip monitor} as a Java object. Made by
 * {@link RtNetlink#watch(WatchSpec, RtListener)} (or {@code links().watch(listener)} and its siblings); close it to
 * stop.
 *
 * <p><b>How it works.</b> A dedicated {@code NETLINK_ROUTE} socket, opened inside the handle's namespace, joins the
 * topics' multicast groups ({@code NETLINK_ADD_MEMBERSHIP}); one platform thread ({@code netkit-watch-...}) reads it
 * and calls the listener, in the order the kernel sent the notifications.
 *
 * <p><b>Consistent start.</b> The socket joins its groups <em>before</em> the state is read (one dump per topic over
 * the handle's socket), so every change made after the dump began is queued on it. Then everything queued so far is
 * folded into the dumped state, in kernel order, and the result is delivered as {@link RtEvent.Snapshot}. A change
 * the dump already saw is queued too; folding it in is harmless because each notification carries the object's full
 * state and any later change to the same object follows it in the queue. After the snapshot, every notification is
 * compared with the watcher's view (keyed as the kernel keys objects: link index; address by link, family and prefix;
 * route by family, table, destination, metric, type, gateway and device; neighbour by link, family and IP, FDB entry
 * by MAC, VLAN and remote) and delivered as {@link RtEvent.Change#NEW}, {@link RtEvent.Change#CHANGED} or
 * {@link RtEvent.Change#DELETED}; one that changes nothing in the view (a duplicate) is dropped.
 *
 * <p><b>Overrun is never silent.</b> When the kernel cannot queue a notification (the receive buffer is full:
 * {@code ENOBUFS}), the watcher reads the whole state again the same way and delivers {@link RtEvent.Resynced} with
 * the full current set. A notification netkit cannot decode also leads to a resync (and a warning in the log).
 *
 * <p><b>Closing.</b> {@link #close()} stops delivery: after it returns no listener call starts (the thread notices
 * within the poll interval, 100 ms by default, and close waits for it). A listener that throws is logged and the
 * watch goes on. When the namespace handle or its {@link RtNetlink} is closed, its watches are closed too.
 */
public final class RtWatch implements AutoCloseable {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(RtWatch.class);
    }
    private static final int MAX_DRAIN_DATAGRAMS = 1_000_000;

    private final RtNetlink rt;
    private final WatchSpec spec;
    private final RtListener listener;
    private final EventSocket socket;
    private final Thread thread;
    private final WatchState state = new WatchState();
    private final NlMsgReader reader = new NlMsgReader();
    private volatile boolean closed;
    private volatile long overruns;
    private volatile long delivered;

    private RtWatch(RtNetlink rt, WatchSpec spec, RtListener listener, EventSocket socket, String name) {
        this.rt = rt;
        this.spec = spec;
        this.listener = listener;
        this.socket = socket;
        this.thread = new Thread(this::run, "netkit-watch-" + name);
        this.thread.setDaemon(true);
    }

    /** Opens the socket in {@code rt}'s namespace and starts the thread; returns once the start state was read. */
    static RtWatch start(RtNetlink rt, WatchSpec spec, RtListener listener) {
        Objects.requireNonNull(spec, "spec == null");
        Objects.requireNonNull(listener, "listener == null");
        NetNamespace ns = rt.namespace();
        int[] groups = spec.groups();
        EventSocket s = ns == null ? EventSocket.open(groups, spec.receiveBufferSize(), spec.pollInterval())
                : ns.call(() -> EventSocket.open(groups, spec.receiveBufferSize(), spec.pollInterval()));
        String name = ns == null ? "current" : ns.name().orElse(ns.path().toString());
        RtWatch w = new RtWatch(rt, spec, listener, s, name);
        try {
            w.sync();   // on the caller's thread: a failing first dump is the caller's exception
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        rt.register(w);
        w.thread.start();
        return w;
    }

    /** What this watch listens to. */
    public WatchSpec spec() {
        return spec;
    }

    /** How many times the kernel dropped notifications and the watch resynced ({@link RtEvent.Resynced}). */
    public long overruns() {
        return overruns;
    }

    /** How many events were handed to the listener. */
    public long delivered() {
        return delivered;
    }

    /** Whether the watch still delivers: not closed, and not stopped by an error ({@link RtEvent.Failed}). */
    public boolean isRunning() {
        return !closed && thread.isAlive();
    }

    /**
     * Stops delivery and closes the socket. Idempotent. From another thread it waits for the watch thread to end
     * (at most the poll interval plus a listener call in progress, bounded by 5 s); from inside the listener it
     * returns at once and no further event is delivered.
     */
    @Override
    public void close() {
        closed = true;
        rt.unregister(this);
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(spec.pollInterval().toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "RtWatch[" + thread.getName() + ", " + spec + (closed ? ", closed" : "") + ", overruns=" + overruns + "]";
    }

    // ---- the watch thread

    private void run() {
        try {
            if (spec.snapshot()) {
                deliver(new RtEvent.Snapshot(state.snapshot()));
            }
            while (!closed) {
                int n = socket.receive(true);
                if (n == EventSocket.NOTHING) {
                    continue;
                }
                if (n == EventSocket.OVERRUN) {
                    resync("the kernel dropped notifications (ENOBUFS: receive buffer of "
                            + socket.receiveBufferSize() + " bytes full)");
                    continue;
                }
                if (!process(n, true)) {
                    resync("a notification could not be decoded");
                }
            }
        } catch (RuntimeException e) {
            if (!closed) {
                Log.LOG.warn("{} stopped: {}", thread.getName(), e.toString(), e);
                deliver(new RtEvent.Failed(e));
            }
        } finally {
            socket.close();
            rt.unregister(this);
        }
    }

    private void resync(String why) {
        overruns++;
        Log.LOG.info("{}: {}; reading the full state again", thread.getName(), why);
        sync();
        deliver(new RtEvent.Resynced(state.snapshot(), overruns));
    }

    /**
     * Reads the full state (the socket already listens, so nothing after the dump's start is lost), then folds in
     * what was queued meanwhile. Repeated when the socket overran again while the dump ran or the queue drained.
     */
    private void sync() {
        for (int attempt = 1; ; attempt++) {
            // Empty the queue first. After an overrun the kernel marks the socket congested and drops further
            // notifications WITHOUT reporting ENOBUFS again until a receive finds the queue empty; only from then on
            // is every loss reported. What is thrown away here happened before the dump starts, so the dump has it.
            for (int d = 0; d < MAX_DRAIN_DATAGRAMS && !closed; d++) {
                if (socket.receive(false) == EventSocket.NOTHING) {
                    break;
                }
            }
            try {
                state.reset(dump());
            } catch (DumpInterruptedException busy) {
                continue;   // changes kept interrupting it (a burst): read again, the queue holds what happened meanwhile
            }
            boolean overrun = false;
            for (int d = 0; d < MAX_DRAIN_DATAGRAMS && !closed; d++) {
                int n = socket.receive(false);
                if (n == EventSocket.NOTHING) {
                    break;
                }
                if (n == EventSocket.OVERRUN) {
                    overrun = true;
                    break;
                }
                if (!process(n, false)) {
                    overrun = true;   // undecodable: read again
                    break;
                }
            }
            if (!overrun || closed) {
                return;
            }
            if (attempt % 100 == 0) {
                Log.LOG.warn("{}: notifications overran the socket during {} dumps in a row; a larger receive buffer"
                        + " (WatchSpec.withReceiveBufferSize) would help", thread.getName(), attempt);
            }
            overruns++;
        }
    }

    private RtState dump() {
        var topics = spec.topics();
        List<Link> links = topics.contains(RtTopic.LINKS) ? rt.links().list() : List.of();
        List<Address> addresses = topics.contains(RtTopic.ADDRESSES) ? rt.addresses().list() : List.of();
        List<Route> routes = topics.contains(RtTopic.ROUTES) ? rt.routes().list(0) : List.of();
        List<Neighbor> neighbors = List.of();
        if (topics.contains(RtTopic.NEIGHBORS)) {
            neighbors = new java.util.ArrayList<>(rt.neighbors().list());
            neighbors.addAll(rt.neighbors().listFdb());
        }
        return new RtState(links, addresses, routes, neighbors);
    }

    /**
     * Applies the datagram of {@code length} bytes; delivers its events when {@code deliver}.
     *
     * @return false if a message was malformed (the rest of the datagram is skipped)
     */
    private boolean process(int length, boolean deliver) {
        try {
            reader.reset(socket.buffer(), 0, length);
            while (reader.next()) {
                RtEvent e = state.apply(RtMessages.decode(reader));
                if (e != null && deliver && covered(e)) {
                    deliver(e);
                }
            }
            return true;
        } catch (MalformedMessageException e) {
            Log.LOG.warn("{}: malformed notification: {}", thread.getName(), e.getMessage());
            return false;
        } catch (RuntimeException e) {   // a decoder defect: this watch resyncs instead of dying
            Log.LOG.warn("{}: notification could not be decoded", thread.getName(), e);
            return false;
        }
    }

    private boolean covered(RtEvent e) {
        var t = spec.topics();
        return e instanceof RtEvent.LinkEvent ? t.contains(RtTopic.LINKS)
                : e instanceof RtEvent.AddressEvent ? t.contains(RtTopic.ADDRESSES)
                : e instanceof RtEvent.RouteEvent ? t.contains(RtTopic.ROUTES)
                : !(e instanceof RtEvent.NeighborEvent) || t.contains(RtTopic.NEIGHBORS);
    }

    private void deliver(RtEvent e) {
        if (closed) {
            return;
        }
        delivered++;
        try {
            listener.onEvent(e);
        } catch (RuntimeException | LinkageError | AssertionError | StackOverflowError t) {
            Log.LOG.warn("{}: listener threw on {}; the watch goes on", thread.getName(), e.getClass().getSimpleName(),
                    t);
        }
    }
}
