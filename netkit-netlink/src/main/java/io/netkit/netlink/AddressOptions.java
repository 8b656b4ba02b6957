package io.netkit.netlink;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Options for {@link Addresses#add(String, IpPrefix, AddressOptions)}; immutable, every option returns a copy.
 * By default an IPv4 address gets the broadcast address of its prefix (for prefixes up to /30), like
 * {@code ip addr add ADDR brd + dev LINK}.
 *
 * <pre>{@code
 * AddressOptions.defaults().noBroadcast().label("br0:gw");
 * AddressOptions.defaults().noDad();   // IPv6: usable at once, no duplicate address detection
 * }</pre>
 */
public final class AddressOptions {
    private static final AddressOptions DEFAULTS = new AddressOptions(true, null, null, -1, 0);

    final boolean autoBroadcast;
    final InetAddress broadcast;
    final String label;
    final int scope;
    final int flags;

    private AddressOptions(boolean autoBroadcast, InetAddress broadcast, String label, int scope, int flags) {
        this.autoBroadcast = autoBroadcast;
        this.broadcast = broadcast;
        this.label = label;
        this.scope = scope;
        this.flags = flags;
    }

    /** The defaults: automatic IPv4 broadcast, no label, scope chosen by the kernel ({@code global}), no flags. */
    public static AddressOptions defaults() {
        return DEFAULTS;
    }

    /** An explicit IPv4 broadcast address. Equivalent to: {@code ip addr add ... brd IP}. */
    public AddressOptions broadcast(InetAddress broadcast) {
        Objects.requireNonNull(broadcast, "broadcast == null");
        if (!IpAddresses.isIpv4(broadcast)) {
            throw new IllegalArgumentException("broadcast must be IPv4: " + IpAddresses.format(broadcast));
        }
        return new AddressOptions(false, broadcast, label, scope, flags);
    }

    /** No broadcast address at all. Equivalent to: {@code ip addr add ...} without {@code brd}. */
    public AddressOptions noBroadcast() {
        return new AddressOptions(false, null, label, scope, flags);
    }

    /**
     * The IPv4 label ({@code IFA_LABEL}); must be the interface name or start with it followed by ':'
     * (checked against the link when added), at most 15 bytes. Equivalent to: {@code ip addr add ... label L}.
     */
    public AddressOptions label(String label) {
        Objects.requireNonNull(label, "label == null");
        if (label.isEmpty() || label.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 15
                || label.chars().anyMatch(c -> c == 0 || c == '/' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("invalid address label \"" + label
                    + "\": 1..15 bytes, no '/', whitespace or NUL");
        }
        return new AddressOptions(autoBroadcast, broadcast, label, scope, flags);
    }

    /** The scope (0 global, 253 link, 254 host). Equivalent to: {@code ip addr add ... scope S}. */
    public AddressOptions scope(int scope) {
        if (scope < 0 || scope > 255) {
            throw new IllegalArgumentException("scope out of range: " + scope + " (expected 0..255)");
        }
        return new AddressOptions(autoBroadcast, broadcast, label, scope, flags);
    }

    /** IPv6: skip duplicate address detection. Equivalent to: {@code ip addr add ... nodad}. */
    public AddressOptions noDad() {
        return new AddressOptions(autoBroadcast, broadcast, label, scope, flags | Address.IFA_F_NODAD);
    }

    /** Do not create the prefix route. Equivalent to: {@code ip addr add ... noprefixroute}. */
    public AddressOptions noPrefixRoute() {
        return new AddressOptions(autoBroadcast, broadcast, label, scope, flags | Address.IFA_F_NOPREFIXROUTE);
    }
}
