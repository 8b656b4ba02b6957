package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.Links;
import java.util.Optional;

/**
 * A bridge that {@link Network.Builder#create()} made but never recorded: the kernel takes a link's alias (netkit's
 * record) only in a request after the link's creation, so a creator killed between the two leaves a bridge with no
 * alias. The create writes the record ahead into the network's lock file ({@link NetworkLock.Held#recordAhead}); such
 * a bridge is the network's own when its name, kind ({@code bridge}) and link group (random per network, set by the
 * creation request itself) match a record ahead that still says {@code new=1}, and no live process holds that lock.
 * {@link Network#open} then writes the record onto the bridge and undoes the create as for any killed create.
 */
final class HalfMadeBridge {
    private HalfMadeBridge() {}

    /** The network id of a half-made bridge whose creator is gone, or empty; changes nothing. */
    static Optional<String> abandonedId(Host host, Link link) {
        return match(host, link).filter(rec -> !NetworkLock.heldNow(host.netns().inode(), link.name(), rec.id()))
                .map(BridgeRecord::id);
    }

    /**
     * If {@code link} is a half-made bridge: waits for its creator's lock (a live creator finishes or undoes first),
     * then writes the record ahead onto the bridge if it is still without one, and returns the link as it is now.
     * Empty if the link is not one, or is gone.
     */
    static Optional<Link> recover(Host host, Link link) {
        Optional<BridgeRecord> ahead = match(host, link);
        if (ahead.isEmpty()) {
            return Optional.empty();
        }
        BridgeRecord rec = ahead.get();
        Links links = host.netns().netlink().links();
        try (NetworkLock.Held held = NetworkLock.of(host.netns().inode(), link.name(), rec.id()).acquire()) {
            if (held.networkDeleted()) {
                return Optional.empty();
            }
            Optional<Link> now = links.find(link.name());
            if (now.isEmpty() || Records.isNetkit(now.get().alias())) {
                return now; // the creator undid it, or finished it, while this process waited
            }
            Link l = now.get();
            if (l.index() != link.index() || l.group() != rec.group() || !unrecorded(l)) {
                return Optional.empty();
            }
            links.setAlias(l.name(), rec.encode());
            return links.find(l.name());
        }
    }

    private static Optional<BridgeRecord> match(Host host, Link link) {
        if (!"bridge".equals(link.kind()) || !unrecorded(link)) {
            return Optional.empty();
        }
        long inode = host.netns().inode();
        for (String id : NetworkLock.networkIds(inode, link.name())) {
            String text = NetworkLock.peekRecordAhead(inode, link.name(), id);
            try {
                Optional<BridgeRecord> rec = Records.parse(text).filter(r -> r instanceof BridgeRecord)
                        .map(r -> (BridgeRecord) r)
                        .filter(r -> r.id().equals(id) && r.creating() && r.group() == link.group());
                if (rec.isPresent()) {
                    return rec;
                }
            } catch (Records.BadRecordException damaged) {
                // not a record netkit wrote: not proof of anything
            }
        }
        return Optional.empty();
    }

    private static boolean unrecorded(Link l) {
        return l.alias() == null || l.alias().isEmpty();
    }
}
