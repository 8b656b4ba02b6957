package io.netkit.iptables;

/**
 * A state for {@code -m conntrack --ctstate S1,S2}. Declaration order is the order iptables-save prints
 * ({@code RELATED,ESTABLISHED}), so rendered rules compare equal to what the kernel reports.
 */
public enum ConntrackState {
    /** {@code INVALID}. */
    INVALID,
    /** {@code NEW}. */
    NEW,
    /** {@code RELATED}. */
    RELATED,
    /** {@code ESTABLISHED}. */
    ESTABLISHED,
    /** {@code UNTRACKED}. */
    UNTRACKED,
    /** {@code SNAT}. */
    SNAT,
    /** {@code DNAT}. */
    DNAT
}
