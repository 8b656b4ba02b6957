package io.netkit.core;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every {@link Endpoint} object of this process, by network and host interface. Several {@link Network} objects for
 * one network (one created, one adopted with {@link Network#open}) give several Endpoint objects for one veth, each
 * of which may hold a namespace handle (a thread inside the namespace, which keeps it alive): whichever detaches or
 * deletes releases them all. Weakly held: an Endpoint nobody references is simply forgotten.
 */
final class EndpointHandles {
    private static final ConcurrentHashMap<String, Set<Endpoint>> BY_VETH = new ConcurrentHashMap<>();

    private EndpointHandles() {}

    private static String key(Network net, String hostIf) {
        return net.host.netns().inode() + "/" + net.id + "/" + hostIf;
    }

    static Endpoint register(Endpoint ep) {
        BY_VETH.computeIfAbsent(key(ep.network(), ep.hostInterface()),
                k -> Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()))).add(ep);
        return ep;
    }

    /** Releases every Endpoint object of this process for {@code hostIf} of {@code net}. */
    static void releaseAll(Network net, String hostIf) {
        Set<Endpoint> set = BY_VETH.remove(key(net, hostIf));
        if (set == null) {
            return;
        }
        Endpoint[] eps;
        synchronized (set) {
            eps = set.toArray(new Endpoint[0]);
        }
        for (Endpoint ep : eps) {
            if (ep != null) {
                ep.release();
            }
        }
    }

    /** Releases every Endpoint object of this process for network {@code net}. */
    static void releaseNetwork(Network net) {
        String prefix = net.host.netns().inode() + "/" + net.id + "/";
        for (String k : BY_VETH.keySet()) {
            if (k.startsWith(prefix)) {
                releaseAll(net, k.substring(prefix.length()));
            }
        }
    }
}
