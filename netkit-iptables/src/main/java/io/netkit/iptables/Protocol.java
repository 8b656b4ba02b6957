package io.netkit.iptables;

/** Layer-4 protocol of {@code -p PROTO}, with the name iptables-save prints. */
public enum Protocol {
    /** {@code -p tcp} (ports via {@code -m tcp}). */
    TCP("tcp", true),
    /** {@code -p udp} (ports via {@code -m udp}). */
    UDP("udp", true),
    /** {@code -p sctp} (ports via {@code -m sctp}). */
    SCTP("sctp", true),
    /** {@code -p icmp}. */
    ICMP("icmp", false),
    /** {@code -p ipv6-icmp} (ip6tables). */
    ICMPV6("ipv6-icmp", false);

    private final String protocolName;
    private final boolean hasPorts;

    Protocol(String protocolName, boolean hasPorts) {
        this.protocolName = protocolName;
        this.hasPorts = hasPorts;
    }

    /** The name in {@code -p NAME}. */
    public String protocolName() {
        return protocolName;
    }

    /** Whether {@code --sport}/{@code --dport} apply. */
    public boolean hasPorts() {
        return hasPorts;
    }

    @Override
    public String toString() {
        return protocolName;
    }
}
