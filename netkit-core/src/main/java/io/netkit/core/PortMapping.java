package io.netkit.core;

import io.netkit.netlink.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One published port: packets to {@code hostPort} on any of the host's own addresses go to {@code containerPort} of
 * the endpoint, as {@code docker run -p HOSTPORT:CONTAINERPORT[/udp]} does. In iptables terms (host namespace):
 *
 * <pre>
 * iptables -t nat -A NETKIT-DNAT-.. -p tcp --dport HOSTPORT -j DNAT --to-destination CONTAINER:CONTAINERPORT
 * iptables -t filter -A NETKIT-FWD-.. -d CONTAINER/32 -o BRIDGE -p tcp --dport CONTAINERPORT -j ACCEPT
 * iptables -t nat -A NETKIT-POST-.. -s SUBNET -d CONTAINER/32 -p tcp --dport CONTAINERPORT -m conntrack --ctstate DNAT -j MASQUERADE
 * </pre>
 *
 * (the DNAT chain is reached from PREROUTING and OUTPUT for {@code --dst-type LOCAL}). With a {@code hostAddress} the
 * port is published on that host address only ({@code docker run -p 192.0.2.10:8080:80}, CNI's {@code hostIP}): the
 * DNAT rule gets {@code -d HOSTADDRESS/32}, and only in that address's family. Immutable; {@link #toString()} prints
 * docker's notation, e.g. {@code 8080:80/tcp} or {@code 192.0.2.10:8080:80/tcp}.
 *
 * @param protocol      TCP or UDP
 * @param hostPort      the port on the host, 1..65535
 * @param containerPort the port inside the endpoint's namespace, 1..65535
 * @param hostAddress   the one host address to publish on, or {@code null} for all of them
 */
public record PortMapping(Protocol protocol, int hostPort, int containerPort, InetAddress hostAddress) {
    /**
     * @throws IllegalArgumentException naming the port if a port is outside 1..65535, or the host address is a wildcard,
     *     multicast or link-local address
     */
    public PortMapping {
        Objects.requireNonNull(protocol, "protocol == null");
        checkPort("host port", hostPort);
        checkPort("container port", containerPort);
        if (hostAddress != null && (hostAddress.isAnyLocalAddress() || hostAddress.isMulticastAddress()
                || hostAddress.isLinkLocalAddress())) {
            throw new IllegalArgumentException("host address " + IpAddresses.format(hostAddress) + " of port mapping "
                    + hostPort + ":" + containerPort + " is a wildcard, multicast or link-local address; give one of the "
                    + "host's unicast addresses, or none to publish on all of them");
        }
    }

    /** A mapping on every host address. */
    public PortMapping(Protocol protocol, int hostPort, int containerPort) {
        this(protocol, hostPort, containerPort, null);
    }

    /** Whether this mapping and {@code other} claim the same host port (same protocol and port, overlapping addresses). */
    public boolean clashesWith(PortMapping other) {
        return protocol == other.protocol && hostPort == other.hostPort
                && (hostAddress == null || other.hostAddress == null || hostAddress.equals(other.hostAddress));
    }

    /** Whether the mapping applies to the host's addresses of that family ({@code ipv4} or IPv6). */
    public boolean appliesTo(boolean ipv4) {
        return hostAddress == null || (hostAddress instanceof Inet4Address) == ipv4;
    }

    /** A TCP mapping, as {@code docker run -p HOSTPORT:CONTAINERPORT}. */
    public static PortMapping tcp(int hostPort, int containerPort) {
        return new PortMapping(Protocol.TCP, hostPort, containerPort);
    }

    /** A UDP mapping, as {@code docker run -p HOSTPORT:CONTAINERPORT/udp}. */
    public static PortMapping udp(int hostPort, int containerPort) {
        return new PortMapping(Protocol.UDP, hostPort, containerPort);
    }

    static void checkPort(String what, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " out of range: expected 1..65535");
        }
    }

    /** Docker's notation: {@code 8080:80/tcp}, {@code 192.0.2.10:8080:80/tcp}, {@code [fd00::1]:8080:80/tcp}. */
    @Override
    public String toString() {
        String at = hostAddress == null ? "" : hostAddress instanceof Inet4Address ? IpAddresses.format(hostAddress) + ":"
                : "[" + IpAddresses.format(hostAddress) + "]:";
        return at + hostPort + ":" + containerPort + "/" + protocol;
    }

    /** The alias record form: {@code t8080:80,u53:53,t8443:443@192.0.2.10} (empty for none). */
    static String encode(List<PortMapping> mappings) {
        StringBuilder sb = new StringBuilder();
        for (PortMapping m : mappings) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(m.protocol.code()).append(m.hostPort).append(':').append(m.containerPort);
            if (m.hostAddress != null) {
                sb.append('@').append(IpAddresses.format(m.hostAddress));
            }
        }
        return sb.toString();
    }

    /** Parses {@link #encode}'s form ({@code null} or empty: none). */
    static List<PortMapping> decode(String text) {
        List<PortMapping> out = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        for (String entry : text.split(",")) {
            int atSign = entry.indexOf('@');
            String item = atSign < 0 ? entry : entry.substring(0, atSign);
            InetAddress host = atSign < 0 ? null : IpAddresses.parse(entry.substring(atSign + 1));
            int colon = item.indexOf(':');
            if (item.length() < 4 || colon < 2) {
                throw new IllegalArgumentException("bad port mapping \"" + item + "\": expected like t8080:80");
            }
            out.add(new PortMapping(Protocol.ofCode(item.charAt(0)), Integer.parseInt(item.substring(1, colon)),
                    Integer.parseInt(item.substring(colon + 1)), host));
        }
        return List.copyOf(out);
    }
}
