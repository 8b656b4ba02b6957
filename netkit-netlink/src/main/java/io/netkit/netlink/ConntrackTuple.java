package io.netkit.netlink;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a conntrack entry ({@code CTA_TUPLE_ORIG} or {@code CTA_TUPLE_REPLY}): what
 * {@code conntrack -L} prints as {@code src=... dst=... sport=... dport=...}.
 *
 * @param protocol the IP protocol number ({@link #TCP} 6, {@link #UDP} 17, {@link #SCTP} 132, ICMP 1, ...)
 * @param source the source address
 * @param destination the destination address
 * @param sourcePort the source port (TCP, UDP, SCTP, ...), 0 when the protocol has none
 * @param destinationPort the destination port, 0 when the protocol has none
 * @param icmpId the ICMP / ICMPv6 echo id, 0 otherwise
 * @param icmpType the ICMP / ICMPv6 type, 0 otherwise
 * @param icmpCode the ICMP / ICMPv6 code, 0 otherwise
 */
public record ConntrackTuple(int protocol, InetAddress source, InetAddress destination, int sourcePort,
                             int destinationPort, int icmpId, int icmpType, int icmpCode) {
    /** {@code IPPROTO_ICMP}. */
    public static final int ICMP = 1;
    /** {@code IPPROTO_TCP}. */
    public static final int TCP = 6;
    /** {@code IPPROTO_UDP}. */
    public static final int UDP = 17;
    /** {@code IPPROTO_ICMPV6}. */
    public static final int ICMPV6 = 58;
    /** {@code IPPROTO_SCTP}. */
    public static final int SCTP = 132;

    public ConntrackTuple {
        Objects.requireNonNull(source, "source == null");
        Objects.requireNonNull(destination, "destination == null");
        if (source.getAddress().length != destination.getAddress().length) {
            throw new IllegalArgumentException("tuple mixes address families: " + source + " -> " + destination);
        }
    }

    /** Whether the protocol is ICMP or ICMPv6 (identified by id, type and code instead of ports). */
    public boolean isIcmp() {
        return protocol == ICMP || protocol == ICMPV6;
    }

    /** As {@code conntrack -L} prints it: {@code src=10.0.0.2 dst=10.0.0.1 sport=40000 dport=53}. */
    @Override
    public String toString() {
        String s = "src=" + IpAddresses.format(source) + " dst=" + IpAddresses.format(destination);
        if (isIcmp()) {
            return s + " type=" + icmpType + " code=" + icmpCode + " id=" + icmpId;
        }
        return s + " sport=" + sourcePort + " dport=" + destinationPort;
    }
}
