package io.netkit.core;

/**
 * The transport protocol of a published port ({@link PortMapping}), as in {@code docker run -p 8080:80/tcp} or
 * {@code -p 53:53/udp}, and iptables' {@code -p tcp} / {@code -p udp}.
 */
public enum Protocol {
    /** {@code -p tcp}: docker's default ({@code -p 8080:80} is {@code -p 8080:80/tcp}). */
    TCP('t', "tcp"),
    /** {@code -p udp} ({@code docker run -p 53:53/udp}). */
    UDP('u', "udp");

    private final char code;
    private final String protocolName;

    Protocol(char code, String protocolName) {
        this.code = code;
        this.protocolName = protocolName;
    }

    /** One letter in netkit's alias record ({@code t}, {@code u}). */
    char code() {
        return code;
    }

    static Protocol ofCode(char c) {
        for (Protocol p : values()) {
            if (p.code == c) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown protocol code '" + c + "'");
    }

    /** The name iptables and docker use: {@code tcp}, {@code udp}. */
    @Override
    public String toString() {
        return protocolName;
    }
}
