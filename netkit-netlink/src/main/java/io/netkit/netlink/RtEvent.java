package io.netkit.netlink;

import java.util.Objects;

/**
 * What an {@link RtWatch} delivers to its {@link RtListener}: one kernel change, the starting state, or the state
 * after an overrun. The change events correspond to the lines {@code ip monitor link address route neigh} prints,
 * in the order the kernel sent them.
 *
 * <pre>{@code
 * rt.links().watch(e -> {
 *     if (e instanceof RtEvent.LinkEvent l && l.change() == RtEvent.Change.DELETED) {
 *         System.out.println(l.link().name() + " is gone");          // ip monitor link: "Deleted 7: veth1@..."
 *     } else if (e instanceof RtEvent.Resynced r) {
 *         reconcile(r.state().links());                               // events were lost: start from the full set
 *     }
 * });
 * }</pre>
 */
public sealed interface RtEvent {
    /** How an object changed. */
    enum Change {
        /** It appeared ({@code RTM_NEW*} for an object the watcher did not know). */
        NEW,
        /** It exists and some of its values changed ({@code RTM_NEW*} for a known object). */
        CHANGED,
        /** It is gone ({@code RTM_DEL*}); the value is its last state. */
        DELETED
    }

    /** A link appeared, changed or was deleted ({@code ip monitor link}). */
    record LinkEvent(Change change, Link link) implements RtEvent {
        /** Checks non-null. */
        public LinkEvent {
            Objects.requireNonNull(change, "change == null");
            Objects.requireNonNull(link, "link == null");
        }
    }

    /** An address appeared, changed or was removed ({@code ip monitor address}). */
    record AddressEvent(Change change, Address address) implements RtEvent {
        /** Checks non-null. */
        public AddressEvent {
            Objects.requireNonNull(change, "change == null");
            Objects.requireNonNull(address, "address == null");
        }
    }

    /** A route appeared, changed (replaced) or was removed ({@code ip monitor route}). */
    record RouteEvent(Change change, Route route) implements RtEvent {
        /** Checks non-null. */
        public RouteEvent {
            Objects.requireNonNull(change, "change == null");
            Objects.requireNonNull(route, "route == null");
        }
    }

    /** A neighbour or FDB entry appeared, changed or was removed ({@code ip monitor neigh}, {@code bridge monitor fdb}). */
    record NeighborEvent(Change change, Neighbor neighbor) implements RtEvent {
        /** Checks non-null. */
        public NeighborEvent {
            Objects.requireNonNull(change, "change == null");
            Objects.requireNonNull(neighbor, "neighbor == null");
        }
    }

    /**
     * The state when the watch started (first event, only when {@link WatchSpec#snapshot()} is on). Every later
     * event is a change relative to it; no change is missing in between.
     */
    record Snapshot(RtState state) implements RtEvent {
        /** Checks non-null. */
        public Snapshot {
            Objects.requireNonNull(state, "state == null");
        }
    }

    /**
     * The kernel dropped notifications because the socket's receive buffer was full ({@code ENOBUFS}); the watcher
     * read the whole state again. {@code state} is the full current set: replace your view with it. Later events
     * are changes relative to it.
     *
     * @param state the full state after the overrun
     * @param overruns how many overruns this watch has had so far, this one included
     */
    record Resynced(RtState state, long overruns) implements RtEvent {
        /** Checks non-null. */
        public Resynced {
            Objects.requireNonNull(state, "state == null");
        }
    }

    /**
     * The watch stopped because of an error it cannot recover from (the namespace or the handle was closed, the
     * kernel refused a dump). The last event of a watch; none follows. Not sent when the watch is closed.
     */
    record Failed(RuntimeException cause) implements RtEvent {
        /** Checks non-null. */
        public Failed {
            Objects.requireNonNull(cause, "cause == null");
        }
    }
}
