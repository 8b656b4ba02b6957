package io.netkit.core;

/**
 * Something netkit made whose network no longer exists (or is half-deleted), found by {@link Leftovers}: netkit's
 * own marks (a record in an interface alias, a {@code netkit:BRIDGE@ID} rule comment, an intent or lock file in
 * {@code /run/netkit}) prove that netkit made it.
 *
 * @param kind    what it is
 * @param name    the link, chain owner, namespace or file name
 * @param network the network it belonged to, as {@code BRIDGE@ID} (or {@code ID} where the bridge name is unknown)
 * @param reason  why it is a leftover, e.g. {@code "no bridge carries network 1a2b3c4d"}
 */
public record Leftover(Kind kind, String name, String network, String reason) {
    /** The kinds of leftovers. */
    public enum Kind {
        /** netkit's iptables rules and chains of one network ({@code iptables-save | grep netkit:BRIDGE@ID}). */
        RULES,
        /** A host-side veth carrying a netkit endpoint or detached record ({@code ip -d link show}). */
        LINK,
        /** A named namespace netkit created for an endpoint ({@code ip netns list}). */
        NAMESPACE,
        /** A network whose teardown was interrupted (its bridge record says {@code del=1}); collecting finishes it. */
        NETWORK,
        /** A lock file or intent directory in {@code /run/netkit}. */
        FILE
    }

    @Override
    public String toString() {
        return kind + " " + name + " (" + network + "): " + reason;
    }
}
