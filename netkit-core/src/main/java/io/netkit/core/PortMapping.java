package io.netkit.core;

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
 * (the DNAT chain is reached from PREROUTING and OUTPUT for {@code --dst-type LOCAL}). Immutable;
 * {@link #toString()} prints docker's notation, e.g. {@code 8080:80/tcp}.
 *
 * @param protocol      TCP or UDP
 * @param hostPort      the port on the host, 1..65535
 * @param containerPort the port inside the endpoint's namespace, 1..65535
 */
public record PortMapping(Protocol protocol, int hostPort, int containerPort) {
    /**
     * @throws IllegalArgumentException naming the port if a port is outside 1..65535
     */
    public PortMapping {
        Objects.requireNonNull(protocol, "protocol == null");
        checkPort("host port", hostPort);
        checkPort("container port", containerPort);
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

    /** Docker's notation: {@code 8080:80/tcp}. */
    @Override
    public String toString() {
        return hostPort + ":" + containerPort + "/" + protocol;
    }

    /** The alias record form: {@code t8080:80,u53:53} (empty for none). */
    static String encode(List<PortMapping> mappings) {
        StringBuilder sb = new StringBuilder();
        for (PortMapping m : mappings) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(m.protocol.code()).append(m.hostPort).append(':').append(m.containerPort);
        }
        return sb.toString();
    }

    /** Parses {@link #encode}'s form ({@code null} or empty: none). */
    static List<PortMapping> decode(String text) {
        List<PortMapping> out = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        for (String item : text.split(",")) {
            int colon = item.indexOf(':');
            if (item.length() < 4 || colon < 2) {
                throw new IllegalArgumentException("bad port mapping \"" + item + "\": expected like t8080:80");
            }
            out.add(new PortMapping(Protocol.ofCode(item.charAt(0)), Integer.parseInt(item.substring(1, colon)),
                    Integer.parseInt(item.substring(colon + 1))));
        }
        return List.copyOf(out);
    }
}
