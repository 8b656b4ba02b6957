package io.netkit.core;

import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.CleanAddresses;
import io.netkit.core.internal.Flows;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.IpPrefix;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The old flows of an address handed out again, on a network with published ports: a previous holder's conntrack
 * entries (a UDP client's DNAT above all) must never reach the new holder. Deleting them means dumping the host's
 * conntrack table, which walks the whole host-wide hash (~6.5 ms however few entries there are), so an attach skips it
 * when this process knows the address clean ({@link CleanAddresses}: why that is safe is written there), and
 * otherwise <em>sweeps</em>: one dump deleting the entries of every address of the network no endpoint holds, plus
 * the new ones, which makes the next attaches skip it. {@code conntrack -D -d ADDR ...} for each such address.
 */
final class AddressFlows {
    private AddressFlows() {}

    /**
     * At an attach on a publishing network, under the lock, after the rules were rendered from {@code snap} (fresh from
     * the kernel, so no rule translates to an address no endpoint holds; or null when the view knew that, then dumped
     * here only if the address is not known clean) and before the new endpoint is configured.
     */
    static void settle(Network net, NetworkLock.Held lock, KernelSnapshot snap, IpPrefix address, IpPrefix address6, String op) {
        InetAddress a4 = address == null ? null : address.address();
        InetAddress a6 = address6 == null ? null : address6.address();
        CleanAddresses clean = net.allocations.lock.cleanAddresses();
        if (clean.claim(lock.epoch(), a4, a6)) {
            return; // clean: nothing to dump
        }
        if (snap == null) {
            // The attach took no dump (its view knew the rules map no free address). The sweep below takes as clean
            // every address no record holds: the rules must map none of them either, so re-render them from this dump
            // first (an endpoint that vanished behind netkit's back may still have mappings).
            snap = KernelSnapshot.of(net, net.hostLinks().list());
            net.publishing.reapply(lock, snap);
        }
        Set<InetAddress> held = new HashSet<>();
        for (EndpointRecord r : snap.endpoints.values()) {
            if (r.address() != null) {
                held.add(r.address().address());
            }
            if (r.address6() != null) {
                held.add(r.address6());
            }
        }
        io.netkit.core.internal.Faults.point("attach:flows-sweep");
        held.remove(a4); // the new ones are swept too (there was no detach to delete a vanished holder's entries)
        held.remove(a6);
        if (Flows.sweep(net.host.netns(), a -> a.equals(a4) || a.equals(a6) || (!held.contains(a) && inNetwork(net, a)), op)) {
            if (a4 != null) {
                held.add(a4);
            }
            if (a6 != null) {
                held.add(a6);
            }
            clean.swept(lock.epoch(), held);
        }
    }

    /**
     * At a detach, under the lock, once the rules no longer translate to the endpoint: what to hand to the forget it
     * queues (the endpoint's addresses turn clean when it completes), or {@code null}.
     */
    static Runnable released(Network net, NetworkLock.Held lock, Endpoint endpoint) {
        List<InetAddress> mine = new ArrayList<>(2);
        if (net.subnet != null) {
            mine.add(endpoint.address());
        }
        endpoint.address6().ifPresent(mine::add);
        return net.allocations.lock.cleanAddresses().released(lock.epoch(), mine);
    }

    /** An address of the network that an endpoint could hold (inside a subnet, not a gateway). */
    private static boolean inNetwork(Network net, InetAddress a) {
        return (net.subnet != null && net.subnet.contains(a) && !a.equals(net.gateway))
                || (net.v6 != null && net.v6.subnet().contains(a) && !a.equals(net.v6.gateway()));
    }
}
