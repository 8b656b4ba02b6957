package io.netkit.core;

import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to attach one endpoint to a {@link Network}: which namespace, and optionally the container-side interface
 * name, a fixed address, the MTU, the MAC address, the host-side interface name and published ports. Immutable; each option returns
 * a copy.
 *
 * <pre>{@code
 * Endpoint web = net.attach(EndpointSpec.create("web")   // ip netns add web
 *         .address("172.16.0.10")                        // instead of the next free address
 *         .interfaceName("eth1")                         // instead of eth0
 *         .mtu(1400)
 *         .mac("02:42:ac:10:00:0a")
 *         .publish(8080, 80));                           // docker run -p 8080:80
 * }</pre>
 */
public final class EndpointSpec {
    private final String createName;        // namespace to create, or null
    private final NetNamespace existing;    // namespace given, or null
    private final String interfaceName;
    private final InetAddress address;      // null = next free
    private final int mtu;                  // 0 = the network's
    private final MacAddress mac;           // null = kernel's random
    private final String hostInterface;     // null = generated
    private final List<PortMapping> published;
    private final InetAddress address6;     // null = next free (on a dual-stack network)

    private EndpointSpec(String createName, NetNamespace existing, String interfaceName, InetAddress address,
                         int mtu, MacAddress mac, String hostInterface) {
        this(createName, existing, interfaceName, address, mtu, mac, hostInterface, List.of(), null);
    }

    private EndpointSpec(String createName, NetNamespace existing, String interfaceName, InetAddress address,
                         int mtu, MacAddress mac, String hostInterface, List<PortMapping> published, InetAddress address6) {
        this.published = published;
        this.address6 = address6;
        this.createName = createName;
        this.existing = existing;
        this.interfaceName = interfaceName;
        this.address = address;
        this.mtu = mtu;
        this.mac = mac;
        this.hostInterface = hostInterface;
    }

    /**
     * A new named namespace {@code name} that netkit creates (as {@code ip netns add NAME}) and deletes again when
     * the endpoint is detached or the network deleted. Fails at attach if the namespace already exists.
     */
    public static EndpointSpec create(String name) {
        Objects.requireNonNull(name, "name == null");
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("invalid namespace name \"" + name
                    + "\": expected a file name for /run/netns (no '/', not '.' or '..')");
        }
        return new EndpointSpec(name, null, "eth0", null, 0, null, null);
    }

    /**
     * An existing namespace (opened by name, path or pid: {@link NetNamespace#open}, {@link NetNamespace#openPath},
     * {@link NetNamespace#ofPid}). netkit never deletes it; detach removes only the interface it added.
     */
    public static EndpointSpec existing(NetNamespace namespace) {
        Objects.requireNonNull(namespace, "namespace == null");
        return new EndpointSpec(null, namespace, "eth0", null, 0, null, null);
    }

    /** The container-side interface name (default {@code eth0}); 1..15 bytes. */
    public EndpointSpec interfaceName(String name) {
        return new EndpointSpec(createName, existing, InterfaceNames.validate(name), address, mtu, mac, hostInterface, published, address6);
    }

    /**
     * A fixed address inside the network's subnet (default: the next free one), e.g. {@code "172.16.0.10"}. On a
     * dual-stack network, call it once per family: an IPv6 address ({@code "fd00:16::10"}) fixes the endpoint's
     * IPv6 address, e.g. {@code .address("172.16.0.10").address("fd00:16::10")}.
     */
    public EndpointSpec address(String address) {
        Objects.requireNonNull(address, "address == null");
        return address(parseAddress(address));
    }

    /** A fixed address inside the network's subnet (default: the next free one). */
    public EndpointSpec address(InetAddress address) {
        Objects.requireNonNull(address, "address == null");
        if (address instanceof java.net.Inet6Address) {
            return new EndpointSpec(createName, existing, interfaceName, this.address, mtu, mac, hostInterface, published, address);
        }
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface, published, address6);
    }

    /** The MTU of both ends of the veth pair (default: the network's MTU); 68..65535. */
    public EndpointSpec mtu(int mtu) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("mtu " + mtu + " out of range: expected 68..65535");
        }
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface, published, address6);
    }

    /** The container-side MAC address, e.g. {@code "02:42:ac:10:00:0a"} (default: random, locally administered). */
    public EndpointSpec mac(String mac) {
        Objects.requireNonNull(mac, "mac == null");
        return mac(MacAddress.parse(mac));
    }

    /** The container-side MAC address (default: random, locally administered). */
    public EndpointSpec mac(MacAddress mac) {
        Objects.requireNonNull(mac, "mac == null");
        if ((mac.bytes()[0] & 1) != 0) {
            throw new IllegalArgumentException("mac " + mac + " is a multicast address: an interface needs a unicast one");
        }
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface, published, address6);
    }

    /** The host-side interface name (default: {@code nkv} + 8 random hex digits); 1..15 bytes. */
    public EndpointSpec hostInterface(String name) {
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac,
                Network.ruleSafe(InterfaceNames.validate(name), "host interface"), published, address6);
    }

    /**
     * Publishes TCP {@code hostPort} of the host to {@code containerPort} of the endpoint, installed as part of
     * attach: {@code docker run -p HOSTPORT:CONTAINERPORT}. See {@link Endpoint#publish(int, int)} for the iptables
     * rules; may be called several times for several ports.
     *
     * @throws IllegalArgumentException if a port is outside 1..65535, or the spec already publishes this host port
     */
    public EndpointSpec publish(int hostPort, int containerPort) {
        return publish(Protocol.TCP, hostPort, containerPort);
    }

    /**
     * Publishes {@code hostPort} ({@code protocol}) to {@code containerPort}, installed as part of attach:
     * {@code docker run -p HOSTPORT:CONTAINERPORT/udp} for {@link Protocol#UDP}. If installing the mappings fails
     * (say another endpoint of the network already holds the host port), attach fails and undoes everything.
     *
     * @throws IllegalArgumentException if a port is outside 1..65535, or the spec already publishes this host port
     */
    public EndpointSpec publish(Protocol protocol, int hostPort, int containerPort) {
        return publish(new PortMapping(protocol, hostPort, containerPort));
    }

    /**
     * Publishes {@code mapping}, installed as part of attach; with a host address only on that address
     * ({@code docker run -p 192.0.2.10:8080:80}, CNI {@code portMappings} with {@code hostIP}).
     *
     * @throws IllegalArgumentException if the spec already publishes this host port (on an overlapping address)
     */
    public EndpointSpec publish(PortMapping mapping) {
        Objects.requireNonNull(mapping, "mapping == null");
        for (PortMapping q : published) {
            if (q.clashesWith(mapping)) {
                throw new IllegalArgumentException("host port " + mapping.protocol() + "/" + mapping.hostPort()
                        + " is already published by this spec (as " + q + ")");
            }
        }
        List<PortMapping> next = new ArrayList<>(published);
        next.add(mapping);
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface, List.copyOf(next), address6);
    }

    List<PortMapping> published() {
        return published;
    }

    String createName() {
        return createName;
    }

    NetNamespace existing() {
        return existing;
    }

    String interfaceName() {
        return interfaceName;
    }

    InetAddress address() {
        return address;
    }

    InetAddress address6() {
        return address6;
    }

    int mtu() {
        return mtu;
    }

    MacAddress mac() {
        return mac;
    }

    String hostInterface() {
        return hostInterface;
    }

    /** Parses a literal IP address (never resolving a name); the one place netkit-core parses user addresses. */
    static InetAddress parseAddress(String text) {
        return io.netkit.netlink.IpAddresses.parse(text);
    }

    @Override
    public String toString() {
        return "EndpointSpec[" + (createName != null ? "create " + createName : "existing " + existing)
                + ", " + interfaceName + (address != null ? ", " + address.getHostAddress() : "")
                + (address6 != null ? ", " + address6.getHostAddress() : "")
                + (mtu != 0 ? ", mtu " + mtu : "") + (mac != null ? ", mac " + mac : "")
                + (hostInterface != null ? ", host " + hostInterface : "") + (published.isEmpty() ? "" : ", publish " + published)
                + "]";
    }
}
