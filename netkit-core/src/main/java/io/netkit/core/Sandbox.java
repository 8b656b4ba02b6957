package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.AddressOptions;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import io.netkit.netlink.RtNetlink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A disposable playground that never touches the machine's own network: a namespace acting as the {@link Host}
 * and an "internet" namespace, joined by a veth uplink on {@code 203.0.113.0/24} (TEST-NET-3):
 *
 * <pre>
 *   internet namespace  NAME-inet   eth0     203.0.113.1/24, 2001:db8::1/64
 *   host namespace      NAME-host   uplink0  203.0.113.2/24, 2001:db8::2/64, default via 203.0.113.1 and 2001:db8::1
 * </pre>
 *
 * The IPv6 addresses are from the documentation prefix {@code 2001:db8::/32} (RFC 3849), added without duplicate
 * address detection ({@code nodad}) so they work at once; they make the sandbox dual stack for dual-stack networks
 * and change nothing for IPv4 users.
 *
 * In {@code ip} terms: {@code ip netns add NAME-host; ip netns add NAME-inet;
 * ip -n NAME-host link add uplink0 type veth peer name eth0 netns NAME-inet; ip -n ... addr add ...;
 * ip -n NAME-host route add default via 203.0.113.1}. Names are unique ({@code PREFIX-xxxxxx}), so sandboxes
 * can run side by side; {@link #close()} removes both namespaces, every netkit network on the host (with the
 * namespaces those networks created) and every namespace named with {@link #name(String)}.
 *
 * <pre>{@code
 * try (Sandbox sb = Sandbox.create();
 *      Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create()) {
 *     Endpoint c1 = net.attach(sb.name("c1"));                              // namespace nks-3f9a1c-c1
 *     try (var server = sb.internet().call(() -> new java.net.ServerSocket(8080))) {
 *         c1.call(() -> new java.net.Socket(sb.internetAddress(), 8080)).close();   // NATed to 203.0.113.2
 *     }
 * }
 * }</pre>
 *
 * For demos, {@link #keep()} leaves a sandbox in place at close (inspect it with {@code ip netns exec NAME-host ...});
 * {@link #list()} finds sandboxes and {@link #remove(String)} removes one by name later.
 */
public final class Sandbox implements AutoCloseable {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
    }

    /** Prefix of sandbox names unless another is given. */
    public static final String DEFAULT_PREFIX = "nks";
    /** The uplink subnet. */
    public static final String UPLINK_SUBNET = "203.0.113.0/24";
    /** Name of the host side of the uplink (in the host namespace). */
    public static final String UPLINK = "uplink0";

    private static final InetAddress INTERNET_ADDRESS = IpAddresses.parse("203.0.113.1");
    private static final InetAddress UPLINK_ADDRESS = IpAddresses.parse("203.0.113.2");
    private static final InetAddress INTERNET_ADDRESS6 = IpAddresses.parse("2001:db8::1");
    private static final InetAddress UPLINK_ADDRESS6 = IpAddresses.parse("2001:db8::2");
    private static final String HOST_SUFFIX = "-host";
    private static final String INET_SUFFIX = "-inet";

    private final String name;
    private final NetNamespace hostNs;
    private final NetNamespace internetNs;
    private final Host host;
    private volatile boolean keep;
    private volatile boolean closed;

    private Sandbox(String name, NetNamespace hostNs, NetNamespace internetNs) {
        this.name = name;
        this.hostNs = hostNs;
        this.internetNs = internetNs;
        this.host = Host.of(hostNs);
    }

    /** A new sandbox named {@code nks-xxxxxx}. */
    public static Sandbox create() {
        return create(DEFAULT_PREFIX);
    }

    /**
     * A new sandbox named {@code PREFIX-xxxxxx} (6 random hex digits).
     *
     * @param prefix 1..20 characters: letters, digits, '-', '_' (namespace names derive from it)
     * @throws NetkitException naming the failed step; what was made is removed again
     */
    public static Sandbox create(String prefix) {
        Objects.requireNonNull(prefix, "prefix == null");
        if (!prefix.matches("[A-Za-z0-9_][A-Za-z0-9_-]{0,19}")) {
            throw new IllegalArgumentException("invalid sandbox prefix \"" + prefix
                    + "\": expected 1..20 letters, digits, '-' or '_'");
        }
        String name = prefix + "-" + Names.hex(6);
        String op = "create sandbox " + name;
        Privileges.requireNetAdmin(op, true);
        Undo undo = new Undo(op);
        String step = "create namespace " + name + HOST_SUFFIX;
        try {
            NetNamespace hostNs = NetNamespace.create(name + HOST_SUFFIX);
            undo.push("delete namespace " + name + HOST_SUFFIX, () -> {
                hostNs.close();
                NetNamespace.delete(name + HOST_SUFFIX);
            });
            step = "create namespace " + name + INET_SUFFIX;
            NetNamespace inetNs = NetNamespace.create(name + INET_SUFFIX);
            undo.push("delete namespace " + name + INET_SUFFIX, () -> {
                inetNs.close();
                NetNamespace.delete(name + INET_SUFFIX);
            });
            RtNetlink host = hostNs.netlink();
            RtNetlink inet = inetNs.netlink();
            step = "create uplink veth " + UPLINK + " <-> " + name + INET_SUFFIX + ":eth0";
            host.links().create(LinkSpec.veth(UPLINK, "eth0").peerNamespace(inetNs).up().peerUp()
                    .alias(Alias.encode(Map.of("sandbox", name))));
            step = "configure the internet namespace";
            inet.addresses().add("eth0", IpPrefix.of(INTERNET_ADDRESS, 24));
            inet.addresses().add("eth0", IpPrefix.of(INTERNET_ADDRESS6, 64), AddressOptions.defaults().noDad());
            inet.links().setUp("lo");
            step = "configure the host namespace";
            host.addresses().add(UPLINK, IpPrefix.of(UPLINK_ADDRESS, 24));
            host.addresses().add(UPLINK, IpPrefix.of(UPLINK_ADDRESS6, 64), AddressOptions.defaults().noDad());
            host.links().setUp("lo");
            host.routes().add(RouteSpec.defaultVia(INTERNET_ADDRESS).device(UPLINK));
            host.routes().add(RouteSpec.defaultVia(INTERNET_ADDRESS6).device(UPLINK));
            undo.commit();
            return new Sandbox(name, hostNs, inetNs);
        } catch (RuntimeException | Error e) {
            undo.rollback(e);
            throw new NetkitException(op, step, e);
        }
    }

    /** The sandbox's name, e.g. {@code nks-3f9a1c}; its namespaces are {@code NAME-host} and {@code NAME-inet}. */
    public String name() {
        return name;
    }

    /**
     * A namespace name inside this sandbox: {@code NAME-role} (e.g. {@code nks-3f9a1c-c1}); namespaces so named are
     * removed with the sandbox.
     */
    public String name(String role) {
        Objects.requireNonNull(role, "role == null");
        if (!role.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")) {
            throw new IllegalArgumentException("invalid role \"" + role + "\": expected letters, digits, '.', '-', '_'");
        }
        return name + "-" + role;
    }

    /** The host namespace, as a {@link Host} to create networks on. */
    public Host host() {
        return host;
    }

    /** The host namespace ({@code NAME-host}). */
    public NetNamespace hostNamespace() {
        return hostNs;
    }

    /** The "internet" namespace ({@code NAME-inet}), holding {@link #internetAddress()} on its {@code eth0}. */
    public NetNamespace internet() {
        return internetNs;
    }

    /** {@code 203.0.113.1}: the internet namespace's address and the host's default gateway. */
    public InetAddress internetAddress() {
        return INTERNET_ADDRESS;
    }

    /** {@code 2001:db8::1}: the internet namespace's IPv6 address and the host's IPv6 default gateway. */
    public InetAddress internetAddress6() {
        return INTERNET_ADDRESS6;
    }

    /** {@code 2001:db8::2}: the host's IPv6 uplink address (what the internet sees from a container behind NAT66). */
    public InetAddress uplinkAddress6() {
        return UPLINK_ADDRESS6;
    }

    /** {@code 203.0.113.2}: the host's uplink address (what a server in the internet sees from a NATed container). */
    public InetAddress uplinkAddress() {
        return UPLINK_ADDRESS;
    }

    /** Leaves the sandbox in place at {@link #close()} (which then only releases handles). */
    public Sandbox keep() {
        keep = true;
        return this;
    }

    /**
     * Removes the sandbox: every netkit network on its host (and the namespaces those created), the namespaces named
     * by {@link #name(String)}, the host and the internet namespace. Idempotent. After {@link #keep()}, only releases
     * this process's handles.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (keep) {
            hostNs.close();
            internetNs.close();
            Log.LOG.info("sandbox {} kept: ip netns exec {}{} ...; remove it with Sandbox.remove(\"{}\")", name, name,
                    HOST_SUFFIX, name);
            return;
        }
        remove(name, hostNs, internetNs);
    }

    /** Names of the sandboxes on this machine ({@code ip netns list}, namespaces {@code NAME-host} with a {@code NAME-inet}). */
    public static List<String> list() {
        List<String> all = NetNamespace.list();
        List<String> out = new ArrayList<>();
        for (String ns : all) {
            if (ns.endsWith(HOST_SUFFIX)) {
                String base = ns.substring(0, ns.length() - HOST_SUFFIX.length());
                if (all.contains(base + INET_SUFFIX)) {
                    out.add(base);
                }
            }
        }
        return out;
    }

    /**
     * Removes the sandbox called {@code name} (for example one kept by an earlier run): its networks, the namespaces
     * named {@code NAME-*}. Returns whether anything was found. Only a full sandbox name ({@code PREFIX-xxxxxx}, as
     * {@link #name()} and {@link #list()} give it) is accepted, so a prefix such as {@code "web"} can never take other
     * namespaces ({@code web-db}, ...) with it.
     *
     * @throws IllegalArgumentException if {@code name} is not of a sandbox's shape
     */
    public static boolean remove(String name) {
        Objects.requireNonNull(name, "name == null");
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9_-]{0,19}-[0-9a-f]{6}")) {
            throw new IllegalArgumentException("invalid sandbox name \"" + name + "\": expected a full sandbox name "
                    + "PREFIX-xxxxxx (6 hex digits) as Sandbox.list() gives it; nothing was removed");
        }
        return remove(name, null, null);
    }

    private static boolean remove(String name, NetNamespace hostNs, NetNamespace internetNs) {
        String op = "remove sandbox " + name;
        List<Throwable> errors = new ArrayList<>();
        boolean found = false;
        NetNamespace h = hostNs;
        boolean closeHost = false;
        if (h == null && NetNamespace.exists(name + HOST_SUFFIX)) {
            h = NetNamespace.open(name + HOST_SUFFIX);
            closeHost = true;
        }
        if (h != null) {
            found = true;
            Host host = Host.of(h);
            try {
                for (String bridge : Adoption.list(host)) {
                    try {
                        Network.open(host, bridge).delete();
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            } catch (RuntimeException e) {
                errors.add(e);
            }
            sweepLockFiles(host, h.inode(), errors);
            if (closeHost || hostNs != null) {
                h.close();
            }
        }
        if (internetNs != null) {
            internetNs.close();
        }
        for (String ns : NetNamespace.list()) {
            if (ns.startsWith(name + "-")) {
                found = true;
                try {
                    NetNamespace.delete(ns);
                } catch (io.netkit.netlink.NamespaceNotFoundException gone) {
                    // deleted meanwhile
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
        }
        if (!errors.isEmpty()) {
            NetkitException ex = new NetkitException(op, "cleanup incomplete", errors.get(0));
            errors.stream().skip(1).forEach(ex::addSuppressed);
            throw ex;
        }
        return found;
    }

    /**
     * A process killed while it created a network on this sandbox's host leaves that network's lock file (and intent
     * directory) behind, with no bridge for {@link Adoption#list} to find. Once the host namespace is gone its inode
     * may be reused, so they are swept now, while it still names this host: first the host's own leftovers sweep
     * (which also removes namespaces an intent names), then every file left with the host's prefix.
     */
    private static void sweepLockFiles(Host host, long hostInode, List<Throwable> errors) {
        Path dir = NetworkLock.directory();
        String prefix = hostInode + "-";
        List<Path> ours = lockFiles(dir, prefix);
        if (ours.isEmpty()) {
            return;
        }
        try {
            host.leftovers().collect();
        } catch (RuntimeException e) {
            errors.add(e);
        }
        // Also files this process still holds (a network whose bridge was deleted by hand): the host goes now.
        for (Path p : lockFiles(dir, prefix)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            } catch (IOException | UncheckedIOException e) {
                errors.add(e);
            }
        }
    }

    private static List<Path> lockFiles(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> st = Files.list(dir)) {
            return st.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + name + ", host " + name + HOST_SUFFIX + " " + UPLINK + " " + IpAddresses.format(UPLINK_ADDRESS)
                + ", internet " + name + INET_SUFFIX + " eth0 " + IpAddresses.format(INTERNET_ADDRESS) + "]";
    }
}
