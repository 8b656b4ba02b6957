package io.netkit.iptables;

/** An address type for {@code -m addrtype --src-type T} / {@code --dst-type T}. */
public enum AddressType {
    /** {@code UNSPEC}. */ UNSPEC,
    /** {@code UNICAST}. */ UNICAST,
    /** {@code LOCAL}: an address of this host (namespace); Docker-style DNAT hooks match on it. */ LOCAL,
    /** {@code BROADCAST}. */ BROADCAST,
    /** {@code ANYCAST}. */ ANYCAST,
    /** {@code MULTICAST}. */ MULTICAST,
    /** {@code BLACKHOLE}. */ BLACKHOLE,
    /** {@code UNREACHABLE}. */ UNREACHABLE,
    /** {@code PROHIBIT}. */ PROHIBIT,
    /** {@code THROW}. */ THROW,
    /** {@code NAT}. */ NAT,
    /** {@code XRESOLVE}. */ XRESOLVE
}
