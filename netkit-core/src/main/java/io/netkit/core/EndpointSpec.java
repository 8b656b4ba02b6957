package io.netkit.core;

import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import java.net.InetAddress;
import java.util.Objects;

/**
 * How to attach one endpoint to a {@link Network}: which namespace, and optionally the container-side interface
 * name, a fixed address, the MTU, the MAC address and the host-side interface name. Immutable; each option returns
 * a copy.
 *
 * <pre>{@code
 * Endpoint web = net.attach(EndpointSpec.create("web")   // ip netns add web
 *         .address("172.16.0.10")                        // instead of the next free address
 *         .interfaceName("eth1")                         // instead of eth0
 *         .mtu(1400)
 *         .mac("02:42:ac:10:00:0a"));
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

    private EndpointSpec(String createName, NetNamespace existing, String interfaceName, InetAddress address,
                         int mtu, MacAddress mac, String hostInterface) {
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
        return new EndpointSpec(createName, existing, InterfaceNames.validate(name), address, mtu, mac, hostInterface);
    }

    /** A fixed address inside the network's subnet (default: the next free one), e.g. {@code "172.16.0.10"}. */
    public EndpointSpec address(String address) {
        Objects.requireNonNull(address, "address == null");
        return address(parseAddress(address));
    }

    /** A fixed address inside the network's subnet (default: the next free one). */
    public EndpointSpec address(InetAddress address) {
        Objects.requireNonNull(address, "address == null");
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface);
    }

    /** The MTU of both ends of the veth pair (default: the network's MTU); 68..65535. */
    public EndpointSpec mtu(int mtu) {
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("mtu " + mtu + " out of range: expected 68..65535");
        }
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface);
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
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, hostInterface);
    }

    /** The host-side interface name (default: {@code nkv} + 8 random hex digits); 1..15 bytes. */
    public EndpointSpec hostInterface(String name) {
        return new EndpointSpec(createName, existing, interfaceName, address, mtu, mac, InterfaceNames.validate(name));
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
                + (mtu != 0 ? ", mtu " + mtu : "") + (mac != null ? ", mac " + mac : "")
                + (hostInterface != null ? ", host " + hostInterface : "") + "]";
    }
}
