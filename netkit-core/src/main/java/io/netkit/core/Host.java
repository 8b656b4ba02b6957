package io.netkit.core;

import io.netkit.netlink.NetNamespace;
import java.util.List;
import java.util.Objects;

/**
 * The network namespace that plays "the host": where a network's bridge, its gateway address, the host side of
 * every endpoint's veth pair, IP forwarding and the NAT rules live.
 *
 * <p>{@link #current()} is the namespace this process runs in (the machine's own network, for a process in the
 * root namespace). {@link #namespace(String)} makes any named namespace act as the host, which is how tests,
 * demos and {@link Sandbox} run everything without touching the machine's own network:
 *
 * <pre>{@code
 * try (Host host = Host.namespace("sim-host");                       // ip netns exec sim-host ...
 *      Network net = Network.bridge("br0").on(host).subnet("172.16.0.0/24").create()) {
 *     System.out.println(net.gateway().getHostAddress());            // 172.16.0.1
 * }
 * }</pre>
 */
public final class Host implements AutoCloseable {
    private static final Host CURRENT = new Host(null, false, null);

    private final NetNamespace netns; // null = NetNamespace.current(), resolved lazily
    private final boolean ownsHandle;
    private final FirewallBackend firewall; // null: the process default (system property netkit.firewall)

    private Host(NetNamespace netns, boolean ownsHandle, FirewallBackend firewall) {
        this.netns = netns;
        this.ownsHandle = ownsHandle;
        this.firewall = firewall;
    }

    /**
     * This host with {@code backend} as the firewall of the networks created on it (unless a network's builder says
     * otherwise, {@link Network.Builder#firewall(FirewallBackend)}). A view on the same namespace handle: use it in
     * place of this one; closing either releases a handle {@link #namespace(String)} opened.
     * Example: {@code Host.namespace("h1").firewall(FirewallBackend.NFTABLES)}.
     */
    public Host firewall(FirewallBackend backend) {
        return new Host(netns, ownsHandle, java.util.Objects.requireNonNull(backend, "backend == null"));
    }

    /**
     * The firewall backend networks created on this host get by default: the one given to
     * {@link #firewall(FirewallBackend)}, else the process default ({@link FirewallBackend#processDefault()}).
     * May be {@link FirewallBackend#AUTO}, resolved when a network is created.
     */
    public FirewallBackend firewall() {
        return firewall != null ? firewall : FirewallBackend.processDefault();
    }

    /** The namespace this process started in. {@link #close()} on it does nothing. */
    public static Host current() {
        return CURRENT;
    }

    /**
     * An existing named namespace ({@code /run/netns/NAME}, as {@code ip netns add NAME} makes) acting as the host.
     * {@link #close()} releases the handle; it never deletes the namespace.
     *
     * @throws io.netkit.netlink.NamespaceNotFoundException if there is no such namespace
     */
    public static Host namespace(String name) {
        Objects.requireNonNull(name, "name == null");
        return new Host(NetNamespace.open(name), true, null);
    }

    /** A namespace the caller holds, acting as the host; the caller keeps ownership of the handle. */
    public static Host of(NetNamespace netns) {
        Objects.requireNonNull(netns, "netns == null");
        return new Host(netns, false, null);
    }

    /** The host's namespace handle. */
    public NetNamespace netns() {
        return netns == null ? NetNamespace.current() : netns;
    }

    /** The namespace's name ({@code ip netns} name), or {@code "current"} for the process's own namespace. */
    public String name() {
        return netns == null ? "current" : netns.name().orElse(netns.path().toString());
    }

    /**
     * The names of the netkit networks (bridges) on this host, read from the kernel. Equivalent to
     * {@code ip -d link show type bridge} and picking the bridges whose alias starts with {@code netkit:v1}.
     */
    public List<String> networks() {
        return Adoption.list(this);
    }

    /**
     * The host-wide sweep: what netkit made on this host whose network no longer exists (iptables rules, veths,
     * namespaces, lock files), to list and to remove. See {@link Leftovers}.
     */
    public Leftovers leftovers() {
        return new Leftovers(this);
    }

    /** Releases the namespace handle if {@link #namespace(String)} opened it; idempotent. */
    @Override
    public void close() {
        if (ownsHandle) {
            netns.close();
        }
    }

    @Override
    public String toString() {
        return "Host[" + name() + "]";
    }
}
