package io.netkit.netlink;

import io.netkit.netlink.codec.NetlinkConstants;
import java.util.Objects;

/**
 * An rtnetlink handle bound to one network namespace: {@code ip link}, {@code ip addr}, {@code ip route},
 * {@code ip neigh} and {@code bridge fdb} as Java calls. Thread-safe; requests from several threads are
 * serialized on the socket.
 *
 * <pre>{@code
 * try (NetNamespace ns = NetNamespace.create("demo")) {
 *     RtNetlink rt = ns.netlink();                        // owned by ns, closed with it (rt.close() does nothing)
 *     rt.links().setUp("lo");                             // ip -n demo link set lo up
 *     rt.addresses().list("lo");                          // [Address[... prefix=127.0.0.1/8 ...], ...]
 * }
 * }</pre>
 */
public final class RtNetlink implements AutoCloseable {
    private final NetlinkSocket socket;
    private final NetNamespace namespace;
    private final Links links = new Links(this);
    private final Addresses addresses = new Addresses(this);
    private final Routes routes = new Routes(this);
    private final Neighbors neighbors = new Neighbors(this);
    private final java.util.Set<RtWatch> watches = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final boolean shared;

    /** A handle over {@code socket}, which was opened inside {@code namespace} (null: the calling thread's). */
    RtNetlink(NetlinkSocket socket, NetNamespace namespace) {
        this(socket, namespace, false);
    }

    /** A handle; {@code shared} ones belong to their {@link NetNamespace} and ignore {@link #close()}. */
    RtNetlink(NetlinkSocket socket, NetNamespace namespace, boolean shared) {
        this.socket = Objects.requireNonNull(socket, "socket == null");
        this.namespace = namespace;
        this.shared = shared;
    }

    /**
     * Opens a handle in the network namespace of the calling thread (a {@code NETLINK_ROUTE} socket). The caller
     * closes it. Prefer {@link NetNamespace#netlink()}, which is bound to its namespace whatever thread calls it.
     */
    public static RtNetlink open() {
        return new RtNetlink(NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE), null);
    }

    /** Link operations ({@code ip link}). */
    public Links links() {
        return links;
    }

    /** Address operations ({@code ip addr}). */
    public Addresses addresses() {
        return addresses;
    }

    /** Route operations ({@code ip route}). */
    public Routes routes() {
        return routes;
    }

    /** Neighbour and FDB operations ({@code ip neigh}, {@code bridge fdb}). */
    public Neighbors neighbors() {
        return neighbors;
    }

    /** The underlying socket, for requests netkit has no typed operation for. */
    public NetlinkSocket socket() {
        return socket;
    }

    /** The namespace this handle was opened in, or null if opened by {@link #open()} on the caller's thread. */
    NetNamespace namespace() {
        return namespace;
    }

    /**
     * Decodes every rtnetlink message in {@code buffer} (from its position to its limit: one reply, a whole dump
     * buffer or an event datagram, in native byte order) into its typed value, in order. Messages netkit has no
     * value for come back as {@link RtMessage.Other}. The buffer's position is not changed.
     *
     * <p>What {@code ip monitor} does with each message it reads, as a Java call.
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if a message or attribute is malformed (the only
     *     exception malformed input can cause; nothing is returned for a buffer that holds one)
     */
    public static java.util.List<RtMessage> decode(java.nio.ByteBuffer buffer) {
        return RtMessages.decodeAll(buffer);
    }

    /**
     * Decodes the one message {@code message} is positioned on (e.g. inside a {@link NetlinkSocket#dump} callback).
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if it is malformed
     */
    public static RtMessage decode(io.netkit.netlink.codec.NlMsgReader message) {
        java.util.Objects.requireNonNull(message, "message == null");
        return RtMessages.decode(message);
    }

    /**
     * Starts watching kernel notifications of this handle's namespace: {@code ip monitor} for the topics of
     * {@code spec}. Returns once the starting state was read; events then arrive on the watch's own thread. See
     * {@link RtWatch} for ordering, the consistent start and overrun handling.
     *
     * <pre>{@code
     * try (RtWatch w = ns.netlink().watch(WatchSpec.of(RtTopic.LINKS, RtTopic.ROUTES), e -> System.out.println(e))) {
     *     ...                                  // Snapshot[...], LinkEvent[change=NEW, link=Link[... name=veth1 ...]], ...
     * }
     * }</pre>
     *
     * <p>Equivalent to: {@code ip -n NS monitor link route} (after {@code ip -n NS link show; ip -n NS route show table all}).
     *
     * @throws NetlinkException if the socket cannot join the groups or the first dump fails
     */
    public RtWatch watch(WatchSpec spec, RtListener listener) {
        return RtWatch.start(this, spec, listener);
    }

    /** Closes every watch started from this handle (they would otherwise outlive its namespace handle). */
    void closeWatches() {
        for (RtWatch w : java.util.List.copyOf(watches)) {
            w.close();
        }
    }

    void register(RtWatch w) {
        watches.add(w);
    }

    void unregister(RtWatch w) {
        watches.remove(w);
    }

    /**
     * Closes the socket of a handle the caller owns ({@link #open()}); idempotent. On the shared handle of a
     * namespace ({@link NetNamespace#netlink()}) it does nothing: that handle belongs to the namespace handle and
     * is closed with it, so {@code try (var rt = ns.netlink()) { ... }} cannot break later {@code ns.netlink()}
     * calls. Closing an owned handle also closes the watches started from it.
     */
    @Override
    public void close() {
        if (!shared) {
            closeWatches();
            socket.close();
        }
    }

    /** Whether this is a namespace's shared handle (whose {@link #close()} does nothing). */
    public boolean isShared() {
        return shared;
    }

    /** Closes the socket and the watches whoever owns them: for the namespace handle that owns a shared one. */
    void closeOwned() {
        closeWatches();
        socket.close();
    }
}
