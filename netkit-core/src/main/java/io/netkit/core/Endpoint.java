package io.netkit.core;

import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One namespace attached to a {@link Network}: a veth pair whose host side ({@link #hostInterface()}) is a port of
 * the network's bridge and whose other side ({@link #interfaceName()}, {@code eth0} by default) lives in the
 * endpoint's namespace with {@link #address()} and a default route via the network's gateway.
 *
 * <pre>{@code
 * Endpoint c1 = net.attach("container1");
 * System.out.println(c1);                     // Endpoint[container1 172.16.0.2/24 eth0, host side nkv3fa9c2d1 on br0]
 * c1.exec("ping", "-c1", "172.16.0.1");       // ip netns exec container1 ping -c1 172.16.0.1
 * try (var s = c1.call(() -> new java.net.Socket("172.16.0.1", 80))) { ... }   // Java code inside container1
 * }</pre>
 *
 * <p>Instances are thread-safe. An endpoint read back from the kernel by {@link Network#open(String)} opens its
 * namespace lazily, by the name (or path) recorded at attach, and checks that it is still the same namespace.
 */
public final class Endpoint {
    private final Network network;
    private final String hostInterface;
    private final String interfaceName;
    private final IpPrefix prefix;
    private final String namespaceName;   // null for a namespace without an ip-netns name
    private final String namespacePath;   // path recorded at attach (for namespaces without a name), or null
    private final long namespaceInode;
    private final boolean ownsNamespace;
    private final boolean closeHandle;    // whether netkit opened the handle (and must close it)
    private volatile NetNamespace handle;
    private volatile boolean attached = true;
    private final IpPrefix prefix6;       // the IPv6 address on a dual-stack network, else null

    Endpoint(Network network, String hostInterface, String interfaceName, IpPrefix prefix, String namespaceName,
             String namespacePath, long namespaceInode, boolean ownsNamespace, NetNamespace handle, boolean closeHandle) {
        this(network, hostInterface, interfaceName, prefix, namespaceName, namespacePath, namespaceInode, ownsNamespace,
                handle, closeHandle, null);
    }

    Endpoint(Network network, String hostInterface, String interfaceName, IpPrefix prefix, String namespaceName,
             String namespacePath, long namespaceInode, boolean ownsNamespace, NetNamespace handle, boolean closeHandle,
             IpPrefix prefix6) {
        this.prefix6 = prefix6;
        this.network = network;
        this.hostInterface = hostInterface;
        this.interfaceName = interfaceName;
        this.prefix = prefix;
        this.namespaceName = namespaceName;
        this.namespacePath = namespacePath;
        this.namespaceInode = namespaceInode;
        this.ownsNamespace = ownsNamespace;
        this.handle = handle;
        this.closeHandle = closeHandle || handle == null;
    }

    /** The namespace's {@code ip netns} name, or the host interface name for a namespace that has none. */
    public String name() {
        return namespaceName != null ? namespaceName : hostInterface;
    }

    /** The endpoint's IPv4 address, e.g. {@code 172.16.0.2}; on an IPv6-only network its IPv6 address. */
    public InetAddress address() {
        return prefix != null ? prefix.address() : prefix6.address();
    }

    /**
     * The address with the subnet's prefix length as configured on the interface, e.g. {@code 172.16.0.2/24}; on an
     * IPv6-only network the IPv6 one.
     */
    public IpPrefix prefix() {
        return prefix != null ? prefix : prefix6;
    }

    /**
     * The endpoint's IPv6 address on a dual-stack network, e.g. {@code fd00:16::2} (empty on an IPv4-only network).
     * Equivalent to {@code ip -6 -n NS addr show dev eth0 scope global}.
     */
    public Optional<InetAddress> address6() {
        return Optional.ofNullable(prefix6).map(IpPrefix::address);
    }

    /** The IPv6 address with the IPv6 subnet's prefix length, e.g. {@code fd00:16::2/64} (empty on an IPv4-only network). */
    public Optional<IpPrefix> prefix6() {
        return Optional.ofNullable(prefix6);
    }

    /** The default gateway configured inside the namespace (the network's gateway). */
    public InetAddress gateway() {
        return network.gateway() != null ? network.gateway() : network.gateway6().orElse(null);
    }

    /** The network this endpoint is attached to. */
    public Network network() {
        return network;
    }

    /** The host-side veth, a port of the bridge (e.g. {@code nkv3fa9c2d1}). */
    public String hostInterface() {
        return hostInterface;
    }

    /** The interface inside the namespace ({@code eth0} unless chosen otherwise). */
    public String interfaceName() {
        return interfaceName;
    }

    /** The inode of the endpoint's network namespace ({@code stat -L -c %i /run/netns/NAME}); same namespace, same inode. */
    public long namespaceInode() {
        return namespaceInode;
    }

    /** The namespace's {@code ip netns} name if it has one. */
    public Optional<String> namespaceName() {
        return Optional.ofNullable(namespaceName);
    }

    /** Whether netkit created the namespace (and so deletes it on detach and at the network's teardown). */
    public boolean ownsNamespace() {
        return ownsNamespace;
    }

    /** Whether the endpoint is still attached (not detached, network not deleted). */
    public boolean isAttached() {
        return attached && !network.isDeleted();
    }

    /**
     * The endpoint's namespace. For an endpoint read back from the kernel, it is opened on first use by its recorded
     * name or path, and checked to be the same namespace (inode).
     *
     * @throws NetkitException if the namespace cannot be found any more
     */
    public NetNamespace namespace() {
        NetNamespace ns = handle;
        if (ns != null && !ns.isClosed()) {
            return ns;
        }
        synchronized (this) {
            if (handle == null || (handle.isClosed() && closeHandle)) {
                if (!attached) {
                    throw new IllegalStateException(this + " is detached");
                }
                handle = openNamespace();
            }
            return handle;
        }
    }

    private NetNamespace openNamespace() {
        String op = "open namespace of endpoint " + name();
        NetNamespace ns;
        try {
            if (namespaceName != null) {
                ns = NetNamespace.open(namespaceName);
            } else if (namespacePath != null) {
                ns = NetNamespace.openPath(Path.of(namespacePath));
            } else {
                throw new NetkitException(op, "the namespace (inode " + namespaceInode
                        + ") was attached without a name or path; keep the NetNamespace handle you attached");
            }
        } catch (NetkitException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new NetkitException(op, "open", e);
        }
        if (namespaceInode != 0 && ns.inode() != namespaceInode) {
            long found = ns.inode();
            ns.close();
            throw new NetkitException(op, "namespace " + (namespaceName != null ? namespaceName : namespacePath)
                    + " is now a different namespace (inode " + found + ", attached was " + namespaceInode + ")");
        }
        return ns;
    }

    /** Runs Java code on a thread inside the endpoint's namespace and returns its result (sockets it opens live there). */
    public <T> T call(Callable<T> task) {
        Objects.requireNonNull(task, "task == null");
        return namespace().call(task);
    }

    /** Runs Java code on a thread inside the endpoint's namespace. */
    public void run(Runnable task) {
        Objects.requireNonNull(task, "task == null");
        namespace().run(task);
    }

    /** Starts a process inside the namespace; equivalent to {@code ip netns exec NAME cmd...}. */
    public Process start(ProcessBuilder builder) {
        Objects.requireNonNull(builder, "builder == null");
        return namespace().start(builder);
    }

    /**
     * Runs {@code command} inside the namespace and waits for it; equivalent to {@code ip netns exec NAME command...}.
     * Output is captured (UTF-8); standard input is empty.
     *
     * <pre>{@code
     * ExecResult r = c1.exec("ping", "-c1", "-W1", "172.16.0.1");
     * if (!r.isSuccess()) throw new AssertionError(r.stdout() + r.stderr());
     * }</pre>
     */
    public ExecResult exec(String... command) {
        return exec(null, command);
    }

    /**
     * As {@link #exec(String...)}, but kills the process (SIGKILL) if it has not exited within {@code timeout}.
     *
     * @throws NetkitException if the timeout passed (the message carries what the process printed so far)
     */
    public ExecResult exec(java.time.Duration timeout, String... command) {
        Objects.requireNonNull(command, "command == null");
        if (command.length == 0) {
            throw new IllegalArgumentException("command is empty");
        }
        String op = "exec " + String.join(" ", command) + " in " + name();
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = start(pb);
        StreamReader out = new StreamReader(p.getInputStream());
        StreamReader err = new StreamReader(p.getErrorStream());
        out.start();
        err.start();
        try {
            if (timeout == null) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                p.destroyForcibly().waitFor();
                out.join(1000);
                err.join(1000);
                throw new NetkitException(op, "did not exit within " + timeout + " and was killed; stdout so far: \""
                        + out.text() + "\", stderr: \"" + err.text() + "\"");
            }
            out.join();
            err.join();
            return new ExecResult(p.exitValue(), out.text(), err.text());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetkitException(op, "interrupted");
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class StreamReader extends Thread {
        private final InputStream in;
        private volatile String text = "";

        StreamReader(InputStream in) {
            super("netkit-exec-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            text = readAll(in);
        }

        String text() {
            return text;
        }
    }

    /**
     * Publishes TCP {@code hostPort} on every address of the network's host to {@code containerPort} of this endpoint,
     * as {@code docker run -p HOSTPORT:CONTAINERPORT}; see {@link #publish(Protocol, int, int)}.
     */
    public PortMapping publish(int hostPort, int containerPort) {
        return publish(Protocol.TCP, hostPort, containerPort);
    }

    /**
     * Publishes {@code hostPort} ({@code protocol}) on every address of the network's host to {@code containerPort} of
     * this endpoint, as {@code docker run -p HOSTPORT:CONTAINERPORT[/udp]}. In the host namespace:
     * <pre>
     * sysctl -w net.ipv4.ip_forward=1
     * iptables -t nat -A NETKIT-DNAT-.. -p tcp --dport HOSTPORT -j DNAT --to-destination ADDRESS:CONTAINERPORT
     * iptables -t nat -I PREROUTING 1 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-..
     * iptables -t nat -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j NETKIT-DNAT-..
     * iptables -A NETKIT-FWD-.. -d ADDRESS/32 -o BRIDGE -p tcp --dport CONTAINERPORT -j ACCEPT
     * iptables -t nat -A NETKIT-POST-.. -s SUBNET -d ADDRESS/32 -p tcp --dport CONTAINERPORT -m conntrack --ctstate DNAT -j MASQUERADE  # hairpin
     * ip link set HOSTVETH type bridge_slave hairpin on                                             # hairpin to itself
     * </pre>
     * The mapping is recorded in the host-side veth's alias ({@code pub=t8080:80}), so {@link Network#open(String)}
     * sees it, and the network's rules are re-applied whole (one {@code iptables-save} and one
     * {@code iptables-restore --noflush --wait}) under the network's lock, from the mappings the kernel holds.
     * Publishing a mapping this endpoint already has changes nothing. Containers of the network reach the port
     * through a host address too, this one and its neighbours (hairpin: the DNAT also matches on the bridge, the
     * hairpin masquerade brings the answer back through the host, and the endpoint's bridge port gets
     * {@code hairpin_mode}); host-local clients reach it on the host's addresses, not on {@code 127.0.0.1}.
     * The host port is reserved host-wide: two networks publishing it at once never both get it.
     * Once a network has had published ports (its bridge's record says {@code pub=1}), every attach and detach on
     * it re-applies its rules too (one {@code iptables-save} and one {@code iptables-restore}): if an endpoint's
     * namespace vanishes without a detach (which deletes its veth and record), its rules go with the next attach,
     * before anything can reach a new endpoint at the same address through them.
     *
     * @return the mapping
     * @throws IllegalArgumentException if a port is outside 1..65535, or the host port is already published (by an
     *     endpoint of this or another netkit network on the host; the message names it), or the endpoint's alias
     *     record would exceed the kernel's 255 bytes
     * @throws IllegalStateException if iptables is not installed (the message names the Debian package), or the
     *     endpoint is detached
     * @throws NetkitException if the rules could not be applied (the record is restored)
     */
    public PortMapping publish(Protocol protocol, int hostPort, int containerPort) {
        return publish(new PortMapping(protocol, hostPort, containerPort));
    }

    /**
     * Publishes {@code mapping} as {@link #publish(Protocol, int, int)} does; with a host address only on that address
     * ({@code docker run -p 192.0.2.10:8080:80}: the DNAT rule gets {@code -d 192.0.2.10/32}). A host port published
     * on one address may be published by another endpoint on another address.
     *
     * @return the mapping
     */
    public PortMapping publish(PortMapping mapping) {
        network.changePublished(this, Objects.requireNonNull(mapping, "mapping == null"), null);
        return mapping;
    }

    /**
     * Removes the mapping of {@code hostPort} ({@code protocol}), as {@code docker port} would no longer list it:
     * the record in the alias is updated and the network's rules re-applied without the mapping's DNAT, FORWARD and
     * hairpin rules, and the conntrack entries of flows translated for the port are deleted ({@code conntrack -D -p
     * PROTO --orig-port-dst HOSTPORT -r ADDRESS}, over ctnetlink): from then on no packet reaches the container through
     * the host port, also not from a UDP client that keeps sending on an old flow.
     *
     * @return whether this endpoint had published the port
     * @throws IllegalArgumentException if the port is outside 1..65535
     */
    public boolean unpublish(Protocol protocol, int hostPort) {
        Objects.requireNonNull(protocol, "protocol == null");
        PortMapping.checkPort("host port", hostPort);
        return network.changePublished(this, null, new PortMapping(protocol, hostPort, 1));
    }

    /**
     * The ports this endpoint publishes, read from its record in the kernel (also those published by another process);
     * empty once detached. Like {@code docker port CONTAINER}.
     */
    public java.util.List<PortMapping> published() {
        return network.published(this);
    }

    /**
     * Whether the endpoint is configured as recorded: its interface exists, is up, carries {@link #prefix()}, and the
     * namespace's default route goes via the gateway on it. Read from the kernel on each call, like
     * {@code ip -n NS addr show dev eth0; ip -n NS route show default}.
     */
    public EndpointHealth health() {
        NetNamespace ns;
        try {
            ns = namespace();
        } catch (RuntimeException e) {
            return new EndpointHealth(false, false, false, false, false);
        }
        try {
            io.netkit.netlink.RtNetlink rt = ns.netlink();
            java.util.Optional<io.netkit.netlink.Link> link = rt.links().find(interfaceName);
            if (link.isEmpty()) {
                return new EndpointHealth(true, false, false, false, false);
            }
            int index = link.get().index();
            boolean up = link.get().isUp();
            boolean address = rt.addresses().list().stream().anyMatch(a -> a.index() == index && a.prefix().equals(prefix()));
            boolean route = rt.routes().list().stream().anyMatch(r -> r.isDefault() && r.outputIndex() == index
                    && gateway().equals(r.gateway()));
            return new EndpointHealth(true, true, up, address, route);
        } catch (RuntimeException e) {
            return new EndpointHealth(true, false, false, false, false);
        }
    }

    /** Detaches this endpoint from its network; same as {@code network().detach(this)}. */
    public void detach() {
        network.detach(this);
    }

    // ---- package-private, used by Network

    String namespacePath() {
        return namespacePath;
    }

    /** Marks detached and releases the namespace handle if netkit opened it. */
    void release() {
        attached = false;
        NetNamespace ns;
        synchronized (this) {
            ns = handle;
            if (closeHandle) {
                handle = null;
            }
        }
        if (ns != null && closeHandle) {
            ns.close();
        }
    }

    @Override
    public String toString() {
        return "Endpoint[" + name() + " " + prefix + (prefix6 != null ? " " + prefix6 : "") + " " + interfaceName + ", host side " + hostInterface
                + " on " + network.name() + (isAttached() ? "" : ", detached") + "]";
    }
}
