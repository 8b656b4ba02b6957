package io.netkit.netlink;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What to watch and how: the topics (one watch can cover several), whether to start with a
 * {@link RtEvent.Snapshot}, the socket's receive buffer and how soon a closed watch stops. Immutable; each
 * {@code with...} returns a changed copy.
 *
 * <pre>{@code
 * WatchSpec spec = WatchSpec.of(RtTopic.LINKS, RtTopic.ADDRESSES);   // ip monitor link address
 * try (RtWatch w = ns.netlink().watch(spec, events::add)) { ... }
 * }</pre>
 */
public final class WatchSpec {
    /** How often, at most, the watch thread wakes up to notice {@link RtWatch#close()} (its receive timeout). */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(100);

    private final Set<RtTopic> topics;
    private final boolean snapshot;
    private final int receiveBufferSize;
    private final Duration pollInterval;

    private WatchSpec(Set<RtTopic> topics, boolean snapshot, int receiveBufferSize, Duration pollInterval) {
        this.topics = topics;
        this.snapshot = snapshot;
        this.receiveBufferSize = receiveBufferSize;
        this.pollInterval = pollInterval;
    }

    /** Watches {@code first} and {@code more}, starting with a snapshot, with the default buffer and poll interval. */
    public static WatchSpec of(RtTopic first, RtTopic... more) {
        Objects.requireNonNull(first, "first == null");
        EnumSet<RtTopic> s = EnumSet.of(first);
        for (RtTopic t : Objects.requireNonNull(more, "more == null")) {
            s.add(Objects.requireNonNull(t, "topic == null"));
        }
        return new WatchSpec(Collections.unmodifiableSet(s), true, 0, DEFAULT_POLL_INTERVAL);
    }

    /**
     * Without the initial {@link RtEvent.Snapshot} event. The watch still reads the state once at the start, to tell
     * {@link RtEvent.Change#NEW} from {@link RtEvent.Change#CHANGED}.
     */
    public WatchSpec withoutSnapshot() {
        return new WatchSpec(topics, false, receiveBufferSize, pollInterval);
    }

    /**
     * With {@code SO_RCVBUF} = {@code bytes} (the kernel doubles it and enforces a minimum of about 2 KiB): how many
     * notifications may queue while the listener runs. 0 (the default) means 4 MiB where the process may force it
     * ({@code SO_RCVBUFFORCE}, root), else 1 MiB capped by {@code net.core.rmem_max}.
     */
    public WatchSpec withReceiveBufferSize(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("receive buffer size must be >= 0 (0: default), got " + bytes);
        }
        return new WatchSpec(topics, snapshot, bytes, pollInterval);
    }

    /** With a receive timeout of {@code interval} (1 ms to 10 s): {@link RtWatch#close()} takes at most about this long. */
    public WatchSpec withPollInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval == null");
        if (interval.compareTo(Duration.ofMillis(1)) < 0 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("poll interval must be between 1 ms and 10 s, got " + interval);
        }
        return new WatchSpec(topics, snapshot, receiveBufferSize, interval);
    }

    /** The topics watched. */
    public Set<RtTopic> topics() {
        return topics;
    }

    /** Whether the watch starts with a {@link RtEvent.Snapshot}. */
    public boolean snapshot() {
        return snapshot;
    }

    /** The requested {@code SO_RCVBUF}, 0 for the default. */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** The receive timeout of the watch thread. */
    public Duration pollInterval() {
        return pollInterval;
    }

    int[] groups() {
        return topics.stream().flatMapToInt(t -> java.util.Arrays.stream(t.groups())).toArray();
    }

    @Override
    public String toString() {
        return "WatchSpec" + topics + (snapshot ? "" : " without snapshot")
                + (receiveBufferSize > 0 ? " rcvbuf=" + receiveBufferSize : "") + " poll=" + pollInterval.toMillis() + "ms";
    }
}
