package io.netkit.netlink;

import java.util.List;

/**
 * A full view of the watched objects of one namespace, as {@link RtEvent.Snapshot} and {@link RtEvent.Resynced}
 * carry it: what {@code ip -d link show}, {@code ip addr show}, {@code ip route show table all} and
 * {@code ip neigh show; bridge fdb show} print. Lists of topics the watch does not cover are empty.
 *
 * @param links the links, in index order
 * @param addresses the IPv4 and IPv6 addresses
 * @param routes the routes of every table (cached clones left out)
 * @param neighbors the ARP/NDP entries and the FDB entries ({@link Neighbor#isFdb()})
 */
public record RtState(List<Link> links, List<Address> addresses, List<Route> routes, List<Neighbor> neighbors) {
    /** Copies the lists (immutable). */
    public RtState {
        links = List.copyOf(links);
        addresses = List.copyOf(addresses);
        routes = List.copyOf(routes);
        neighbors = List.copyOf(neighbors);
    }
}
