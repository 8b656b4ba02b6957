package io.netkit.core.internal;

import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Which addresses of one network this process knows to have no conntrack entry in the host (so an attach that hands
 * one out may skip the table dump that would delete a previous holder's flows). One per network and process (kept by
 * its {@link NetworkLock}, shared by every {@code Network} object of the network in the process). Not for use outside
 * netkit.
 *
 * <p>The knowledge is "every address of the network is clean except {@code dirty}", and it is born from a <em>sweep</em>:
 * one dump, under the network's lock, that deletes every entry naming an address of the network that no endpoint
 * holds (after the published ports' rules were re-rendered from the kernel's records, so no rule translates to such an
 * address any more). From then on an address turns dirty when this process hands it out ({@link #claim}) and clean
 * again only when a forget of it completed after this process's own detach released it ({@link #released}, with the
 * rules already re-applied without it). An address freed any other way (its namespace deleted behind netkit's back,
 * {@code repair}, an undone attach) stays dirty; so does one whose forget failed.
 *
 * <p>Why that is enough: entries of an address that no endpoint holds can only be born from a rule that translates to
 * it (there is none) or from a holder (there is none); so between its sweep or forget and its next hand-out an address
 * gains no entry that could carry an old translation. Other processes are seen through the lock's {@link
 * NetworkLock.Held#epoch() epoch}: any change of the network by another process (an attach, a detach whose own
 * forget may never run because it was killed) or a lock file that was removed or replaced moves the epoch, and a
 * moved epoch throws all of this knowledge away (the next attach sweeps again). A kill of this process loses nothing
 * (the knowledge lives only in memory). Nothing depends on the subnet's size or on which address is handed out next.
 */
public final class CleanAddresses {
    private long epoch = Long.MIN_VALUE;   // the lock epoch this knowledge belongs to
    private boolean swept;                 // a sweep at this epoch: every address outside dirty is clean
    private final Set<InetAddress> dirty = new HashSet<>();
    private final Map<InetAddress, Long> releasing = new HashMap<>(); // released by a detach, forget not yet done
    private long tokens;
    private long sweeps;
    private long skips;

    CleanAddresses() {}

    /**
     * At an attach, under the lock whose hold has {@code epoch}: whether every non-null address is known clean (the
     * dump may be skipped). Each is dirty from here on either way.
     */
    public synchronized boolean claim(long epoch, InetAddress... addresses) {
        boolean clean = current(epoch) && swept;
        for (InetAddress a : addresses) {
            if (a != null) {
                clean &= dirty.add(a);
                releasing.remove(a);
            }
        }
        if (clean) {
            skips++;
        }
        return clean;
    }

    /**
     * After a sweep under the lock whose hold has {@code epoch}: every address of the network is clean except
     * {@code held} (the addresses endpoints hold, the new one included).
     */
    public synchronized void swept(long epoch, Collection<InetAddress> held) {
        current(epoch);
        dirty.clear();
        releasing.clear();
        dirty.addAll(held);
        swept = true;
        sweeps++;
    }

    /**
     * At a detach, under the lock whose hold has {@code epoch}, after the rules were re-applied without the endpoint:
     * returns what to run once a forget of {@code addresses} that started after this call has completed (they turn
     * clean then, unless handed out again meanwhile), or {@code null} if there is no knowledge to keep.
     */
    public synchronized Runnable released(long epoch, Collection<InetAddress> addresses) {
        if (!current(epoch) || !swept) {
            return null;
        }
        long token = ++tokens;
        for (InetAddress a : addresses) {
            releasing.put(Objects.requireNonNull(a), token);
        }
        return () -> forgotten(addresses, token);
    }

    private synchronized void forgotten(Collection<InetAddress> addresses, long token) {
        for (InetAddress a : addresses) {
            if (releasing.remove(a, token)) {
                dirty.remove(a);
            }
        }
    }

    /** Whether the knowledge belongs to {@code epoch}; if not, it is dropped and restarted empty there. */
    private boolean current(long epoch) {
        if (this.epoch == epoch) {
            return true;
        }
        this.epoch = epoch;
        swept = false;
        dirty.clear();
        releasing.clear();
        return false;
    }

    /** How many sweeps (table dumps at attach) were recorded: for tests. */
    public synchronized long sweeps() {
        return sweeps;
    }

    /** How many attaches skipped the dump: for tests. */
    public synchronized long skips() {
        return skips;
    }
}
