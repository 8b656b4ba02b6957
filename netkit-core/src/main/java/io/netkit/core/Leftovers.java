package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.Records.DetachedRecord;
import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.Records.Record;
import io.netkit.core.internal.NetworkFirewall;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.NetNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host-wide sweep: finds what netkit made on a {@link Host} whose network no longer exists — netkit's iptables
 * rules, host-side veths with netkit records, the namespaces netkit created for their endpoints, lock files and intent
 * directories — and removes them on request. Real users need it after a crash-looping process. It is safe by
 * construction: only things carrying netkit's marks (a valid record in an alias, a {@code netkit:BRIDGE@ID} rule
 * comment, a file in netkit's lock directory, a namespace whose inode a record or intent names) are ever listed, and
 * only those whose network id no bridge on the host carries.
 *
 * <pre>{@code
 * Leftovers leftovers = Host.current().leftovers();
 * leftovers.list().forEach(System.out::println);   // RULES br0@1a2b3c4d (br0@1a2b3c4d): no bridge carries network 1a2b3c4d
 * leftovers.collect();                             // removes them: rules, then namespaces, then links, then files
 * }</pre>
 */
public final class Leftovers {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);
    }

    private final Host host;

    Leftovers(Host host) {
        this.host = host;
    }

    /** What netkit left on the host, without changing anything. */
    public List<Leftover> list() {
        return scan().items;
    }

    /**
     * Removes everything {@link #list()} finds, in an order where what is left stays findable (rules, then
     * namespaces, then links, then files), and returns what it removed.
     *
     * @throws NetkitException if something could not be removed (everything else still is; run it again)
     */
    public List<Leftover> collect() {
        return collect(l -> true);
    }

    /** As {@link #collect()}, only for what {@code which} accepts (an overlay's network whose teardown was killed). */
    List<Leftover> collect(java.util.function.Predicate<Leftover> which) {
        Scan s = scan();
        s.items.removeIf(which.negate());
        List<Throwable> errors = new ArrayList<>();
        List<Leftover> removed = new ArrayList<>();
        NetNamespace hostNs = host.netns();
        for (Leftover l : s.items) {
            if (l.kind() == Leftover.Kind.NETWORK) {
                try {
                    Network.open(host, l.name()); // finishes the interrupted teardown (and says so by throwing)
                } catch (NetkitException finished) {
                    // expected
                } catch (RuntimeException e) {
                    errors.add(e);
                    continue;
                }
                removed.add(l);
            }
        }
        for (Leftover l : s.items) {
            if (l.kind() == Leftover.Kind.RULES) {
                try {
                    for (NetworkFirewall fw : s.owners.get(l.name())) {
                        fw.removeOwner(hostNs, l.name());
                    }
                    removed.add(l);
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        for (Leftover l : s.items) {
            if (l.kind() == Leftover.Kind.NAMESPACE) {
                try {
                    if (Namespaces.deleteOwned(l.name(), s.namespaceInodes.get(l.name()), "collect leftovers")) {
                        removed.add(l);
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        for (Leftover l : s.items) {
            if (l.kind() == Leftover.Kind.LINK) {
                try {
                    hostNs.netlink().links().delete(l.name());
                    removed.add(l);
                } catch (LinkNotFoundException gone) {
                    removed.add(l); // went with its namespace
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        for (Leftover l : s.items) {
            if (l.kind() == Leftover.Kind.FILE) {
                try {
                    deleteTree(NetworkLock.directory().resolve(l.name()));
                    removed.add(l);
                } catch (IOException | RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        try {
            Files.deleteIfExists(NetworkLock.directory());
        } catch (IOException ignored) {
            // not empty: other networks' files
        }
        if (!errors.isEmpty()) {
            NetkitException ex = new NetkitException("collect leftovers on " + host, "incomplete (run it again)", errors.get(0));
            errors.stream().skip(1).forEach(ex::addSuppressed);
            throw ex;
        }
        return removed;
    }

    private static final class Scan {
        final List<Leftover> items = new ArrayList<>();
        final Map<String, List<NetworkFirewall>> owners = new HashMap<>(); // owner BRIDGE@ID -> backends holding rules
        final Map<String, Long> namespaceInodes = new HashMap<>();
    }

    private Scan scan() {
        Scan s = new Scan();
        NetNamespace hostNs = host.netns();
        long hostInode = hostNs.inode();
        List<Link> links = hostNs.netlink().links().list();
        Set<String> alive = new HashSet<>();
        for (Link l : links) {
            if ("bridge".equals(l.kind()) && (l.alias() == null || l.alias().isEmpty())) {
                // Made by a create that was killed before it recorded the bridge: Network.open undoes it.
                HalfMadeBridge.abandonedId(host, l).ifPresent(id -> {
                    s.items.add(new Leftover(Leftover.Kind.NETWORK, l.name(), l.name() + "@" + id,
                            "its create was interrupted before the bridge carried its record (record ahead in its lock file)"));
                    alive.add(id);
                });
            } else if ("bridge".equals(l.kind())) {
                KernelSnapshot.bridgeRecord(l).ifPresent(r -> {
                    if (r.deleting()) {
                        s.items.add(new Leftover(Leftover.Kind.NETWORK, l.name(), l.name() + "@" + r.id(),
                                "its teardown was interrupted (bridge record del=1)"));
                    }
                    alive.add(r.id());
                });
            }
        }
        for (Link l : links) {
            Record rec;
            try {
                rec = Records.parse(l.alias()).orElse(null);
            } catch (Records.BadRecordException e) {
                continue; // not proven to be netkit's
            }
            if (rec instanceof EndpointRecord e && !alive.contains(e.networkId())
                    && KernelSnapshot.checkNamespace(e, hostInode) == null) {
                String net = e.network() + "@" + e.networkId();
                s.items.add(new Leftover(Leftover.Kind.LINK, l.name(), net, "no bridge carries network " + e.networkId()));
                if (e.own()) {
                    namespace(s, e.nsName(), e.inode(), net);
                }
            } else if (rec instanceof DetachedRecord d && !alive.contains(d.networkId())) {
                String net = d.network() + "@" + d.networkId();
                s.items.add(new Leftover(Leftover.Kind.LINK, l.name(), net, "detached, and no bridge carries network " + d.networkId()));
                if (d.own() && d.inode() != hostInode) {
                    namespace(s, d.nsName(), d.inode(), net);
                }
            } else if (rec instanceof BridgeRecord) {
                continue;
            }
        }
        for (FirewallBackend b : List.of(FirewallBackend.IPTABLES, FirewallBackend.NFTABLES)) {
            NetworkFirewall fw = NetworkFirewall.of(b);
            try {
                for (String owner : fw.owners(hostNs)) {
                    String id = owner.substring(owner.lastIndexOf('@') + 1);
                    if (alive.contains(id)) {
                        continue;
                    }
                    if (!s.owners.containsKey(owner)) {
                        s.items.add(new Leftover(Leftover.Kind.RULES, owner, owner, "no bridge carries network " + id));
                    }
                    s.owners.computeIfAbsent(owner, k -> new ArrayList<>()).add(fw);
                }
            } catch (RuntimeException e) {
                Log.LOG.warn("leftovers on {}: cannot read {} rules: {}", host,
                        b.name().toLowerCase(java.util.Locale.ROOT),
                        e.toString());
            }
        }
        files(s, hostInode, alive, hostNs.inode() == NetNamespace.current().inode());
        return s;
    }

    private static void namespace(Scan s, String name, long inode, String net) {
        if (name == null) {
            return;
        }
        long now = Namespaces.inodeOf(name);
        // A plain file under the name (no namespace mounted on it): what a creation killed between claiming the name
        // and mounting, or a deletion killed between unmounting and unlinking, leaves; netkit's record names it.
        boolean plainFile = now != 0 && !Namespaces.isNamespace(NetNamespace.RUN_NETNS.resolve(name));
        if ((plainFile || (inode != 0 && now == inode)) && now != Namespaces.initInode()
                && !s.namespaceInodes.containsKey(name)) {
            s.namespaceInodes.put(name, inode);
            s.items.add(new Leftover(Leftover.Kind.NAMESPACE, name, net, "created by netkit for an endpoint of a network that no longer exists"));
        }
    }

    /** Lock files and intent directories of this host's networks that no longer exist (and their intents' namespaces). */
    private static void files(Scan s, long hostInode, Set<String> alive, boolean current) {
        Path dir = NetworkLock.directory();
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> st = Files.list(dir)) {
            entries = st.toList();
        } catch (IOException e) {
            return;
        }
        String prefix = hostInode + "-";
        Set<Long> live = current ? liveNamespaces() : Set.of();
        for (Path p : entries) {
            String f = p.getFileName().toString();
            if (!(f.endsWith(".lock") || f.endsWith(".d"))) {
                continue;
            }
            if (!f.startsWith(prefix)) {
                // The current host's sweep also takes files of hosts (namespaces) that no longer exist at all.
                int dash = f.indexOf('-');
                long ino;
                try {
                    ino = dash > 0 ? Long.parseLong(f.substring(0, dash)) : 0;
                } catch (NumberFormatException e) {
                    continue;
                }
                if (current && ino != 0 && !live.contains(ino) && !NetworkLock.heldHere(f)) {
                    s.items.add(new Leftover(Leftover.Kind.FILE, f, f.substring(dash + 1, f.lastIndexOf('.')),
                            "its host namespace (inode " + ino + ") no longer exists"));
                }
                continue;
            }
            String base = f.substring(0, f.lastIndexOf('.'));
            int dash = base.lastIndexOf('-');
            if (dash < prefix.length()) {
                continue;
            }
            String id = base.substring(dash + 1);
            String bridge = base.substring(prefix.length(), dash);
            if (!id.matches("[0-9a-f]{8}") || alive.contains(id) || NetworkLock.heldHere(f)) {
                continue;
            }
            String net = bridge + "@" + id;
            if (f.endsWith(".d")) {
                for (Intents.Abandoned a : Intents.abandoned(p, false)) {
                    if (a.namespace() != null) {
                        namespace(s, a.namespace(), a.inode(), net);
                    }
                }
            }
            s.items.add(new Leftover(Leftover.Kind.FILE, f, net, "no bridge carries network " + id));
        }
    }

    /**
     * Inodes of every network namespace that exists now: mounted in {@code /run/netns}, or entered by a process or
     * thread ({@code /proc/PID/task/TID/ns/net}), or held open by a process ({@code /proc/PID/fd}).
     */
    private static Set<Long> liveNamespaces() {
        Set<Long> out = new HashSet<>();
        try (Stream<Path> st = Files.list(NetNamespace.RUN_NETNS)) {
            st.forEach(p -> out.add(Namespaces.inodeOf(p)));
        } catch (IOException | RuntimeException ignored) {
            // no /run/netns
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
                try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
                    tasks.forEach(t -> out.add(netInode(t.resolve("ns/net"))));
                } catch (IOException | RuntimeException gone) {
                    // exited
                }
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    fds.forEach(fd -> out.add(netInode(fd)));
                } catch (IOException | RuntimeException gone) {
                    // exited
                }
            }
        } catch (IOException e) {
            Log.LOG.debug("cannot list /proc: {}", e.toString());
        }
        out.remove(0L);
        return out;
    }

    /** The inode of a {@code net:[INODE]} link, 0 for anything else. */
    private static long netInode(Path link) {
        try {
            String t = Files.readSymbolicLink(link).toString();
            return t.startsWith("net:[") && t.endsWith("]") ? Long.parseLong(t.substring(5, t.length() - 1)) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            try (Stream<Path> st = Files.list(p)) {
                for (Path c : st.toList()) {
                    Files.deleteIfExists(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    @Override
    public String toString() {
        return "Leftovers[" + host + "]";
    }
}
