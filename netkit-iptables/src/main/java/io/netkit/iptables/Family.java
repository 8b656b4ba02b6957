package io.netkit.iptables;

/** Address family: IPv4 rules go through {@code iptables-*}, IPv6 rules through {@code ip6tables-*}. */
public enum Family {
    /** {@code iptables}, {@code iptables-save}, {@code iptables-restore}. */
    IPV4("iptables"),
    /** {@code ip6tables}, {@code ip6tables-save}, {@code ip6tables-restore}. */
    IPV6("ip6tables");

    private final String command;

    Family(String command) {
        this.command = command;
    }

    /** The base command name: {@code "iptables"} or {@code "ip6tables"}. */
    public String command() {
        return command;
    }

    /** "IPv4" or "IPv6". */
    @Override
    public String toString() {
        return this == IPV4 ? "IPv4" : "IPv6";
    }
}
