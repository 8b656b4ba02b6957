package io.netkit.core.internal;

import io.netkit.iptables.Backend;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.ConntrackState;
import io.netkit.iptables.Iptables;
import io.netkit.iptables.OwnedRules;
import io.netkit.iptables.Owner;
import io.netkit.iptables.Rule;
import io.netkit.iptables.Table;
import io.netkit.iptables.Target;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network's iptables rules, applied through netkit-iptables with the tools running inside the host namespace
 * ({@code ip netns exec HOST iptables-restore --noflush --wait}). Not for use outside netkit.
 *
 * <p>For network {@code br0} with subnet {@code 172.16.0.0/24} the owner {@code br0@ID} holds:
 * <pre>
 * *filter
 * -A NETKIT-FWD-xxxxxxxx -i br0 -o br0 -j ACCEPT                                      # bridged traffic (br_netfilter)
 * -A NETKIT-FWD-xxxxxxxx -i br0 ! -o br0 -j ACCEPT                                    # masquerade only
 * -A NETKIT-FWD-xxxxxxxx -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT  # masquerade only
 * -I FORWARD 1 -j NETKIT-FWD-xxxxxxxx
 * *nat                                                                                # masquerade only
 * -A NETKIT-POST-xxxxxxxx -s 172.16.0.0/24 ! -o br0 -j MASQUERADE
 * -I POSTROUTING 1 -j NETKIT-POST-xxxxxxxx
 * </pre>
 * each rule commented {@code netkit:br0@ID}.
 */
public final class Firewall {
    private static final Logger LOG = LoggerFactory.getLogger(Firewall.class);
    /** Backend per host namespace inode: detection runs up to three processes, so it is done once. */
    private static final ConcurrentHashMap<Long, Backend> BACKENDS = new ConcurrentHashMap<>();

    /** Runs the iptables tools off the caller's thread where they can overlap with netlink work. */
    private static final java.util.concurrent.ExecutorService EXECUTOR = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "netkit-iptables");
        t.setDaemon(true);
        return t;
    });

    private Firewall() {}

    /** The executor for iptables work that runs alongside netlink requests. */
    public static java.util.concurrent.Executor executor() {
        return EXECUTOR;
    }

    /** The owner of a network's rules: {@code BRIDGE@ID} (or {@code net@ID} for a bridge name iptables cannot carry). */
    public static Owner owner(String bridge, String id) {
        String base = bridge.matches("[A-Za-z0-9_.][A-Za-z0-9_.+=-]*") ? bridge : "net";
        return Owner.of(base + "@" + id);
    }

    static Iptables iptables(NetNamespace host) {
        CommandRunner runner = CommandRunner.starting(host::start);
        Backend backend = BACKENDS.computeIfAbsent(host.inode(), k -> Iptables.detectBackend(runner));
        return Iptables.builder().runner(runner).backend(backend).build();
    }

    /** The rules of one network. */
    public static OwnedRules rules(String bridge, String id, IpPrefix subnet, boolean masquerade) {
        Owner owner = owner(bridge, id);
        String fwd = owner.chain("FWD");
        OwnedRules.Builder b = OwnedRules.builder(owner)
                .rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).outInterface(bridge)
                        .comment("bridged").target(Target.ACCEPT).build());
        if (masquerade) {
            String post = owner.chain("POST");
            b.rule(Table.FILTER, Rule.builder(fwd).inInterface(bridge).notOutInterface(bridge)
                            .comment("outbound").target(Target.ACCEPT).build())
                    .rule(Table.FILTER, Rule.builder(fwd).outInterface(bridge)
                            .ctstate(ConntrackState.RELATED, ConntrackState.ESTABLISHED)
                            .comment("replies").target(Target.ACCEPT).build())
                    .rule(Table.NAT, Rule.builder(post).source(subnet.toString()).notOutInterface(bridge)
                            .comment("masquerade").target(Target.masquerade()).build())
                    .hook(Table.NAT, "POSTROUTING", post);
        }
        b.hook(Table.FILTER, "FORWARD", fwd);
        return b.build();
    }

    /**
     * Installs the network's rules in the host namespace. Without masquerade and without iptables installed, there
     * is nothing netkit must have: a warning is logged and bridged traffic depends on the host's FORWARD policy.
     */
    public static void install(NetNamespace host, String bridge, String id, IpPrefix subnet, boolean masquerade) {
        if (!masquerade && Privileges.findProgram("iptables-restore") == null) {
            LOG.warn("network {}: iptables is not installed (Debian package 'iptables'); no FORWARD accept rule for "
                    + "bridged traffic, so a FORWARD policy of DROP would cut it", bridge);
            return;
        }
        iptables(host).apply(rules(bridge, id, subnet, masquerade));
    }

    /** Removes every rule and chain of the network's owner from the host namespace (nothing if iptables is absent). */
    public static void remove(NetNamespace host, String bridge, String id) {
        if (Privileges.findProgram("iptables-restore") == null) {
            return;
        }
        iptables(host).remove(owner(bridge, id));
    }
}
