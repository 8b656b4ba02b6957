package io.netkit.netlink;

import java.net.InetAddress;
import java.util.Objects;

/**
 * An interface address as the kernel reports it ({@code RTM_NEWADDR}): one line of {@code ip addr show}.
 *
 * <pre>{@code
 * for (Address a : ns.netlink().addresses().list("br0")) {
 *     System.out.println(a.prefix() + " brd " + a.broadcast());   // 172.16.0.1/24 brd 172.16.0.255
 * }
 * }</pre>
 *
 * @param index the interface index ({@code ifa_index})
 * @param family {@code AF_INET} (2) or {@code AF_INET6} (10)
 * @param prefix the local address ({@code IFA_LOCAL}, else {@code IFA_ADDRESS}) with {@code ifa_prefixlen}
 * @param broadcast {@code IFA_BROADCAST}, or null when none (always null for IPv6)
 * @param scope {@code ifa_scope}: 0 global ({@code RT_SCOPE_UNIVERSE}), 253 link, 254 host
 * @param flags {@code IFA_FLAGS} (or {@code ifa_flags}): {@code IFA_F_PERMANENT} (0x80), {@code IFA_F_NODAD} (0x2), ...
 * @param label {@code IFA_LABEL} (IPv4 only, usually the interface name), or null
 * @param peer the point-to-point peer ({@code IFA_ADDRESS} when it differs from {@code IFA_LOCAL}, what
 *     {@code ip addr add LOCAL peer PEER} sets), or null
 * @param validLifetime {@code IFA_CACHEINFO ifa_valid} in seconds ({@code valid_lft}), {@link #FOREVER} for
 *     forever or when the kernel did not say
 * @param preferredLifetime {@code IFA_CACHEINFO ifa_prefered} in seconds ({@code preferred_lft}),
 *     {@link #FOREVER} for forever or when the kernel did not say
 */
public record Address(int index, int family, IpPrefix prefix, InetAddress broadcast, int scope, int flags,
                      String label, InetAddress peer, long validLifetime, long preferredLifetime) {
    /** {@code INFINITY_LIFE_TIME} (0xFFFFFFFF): a lifetime of {@code forever}. */
    public static final long FOREVER = 0xFFFFFFFFL;

    /** {@code IFA_F_NODAD} from {@code include/uapi/linux/if_addr.h}. */
    public static final int IFA_F_NODAD = 0x02;
    /** {@code IFA_F_TENTATIVE}. */
    public static final int IFA_F_TENTATIVE = 0x40;
    /** {@code IFA_F_PERMANENT}. */
    public static final int IFA_F_PERMANENT = 0x80;
    /** {@code IFA_F_NOPREFIXROUTE}. */
    public static final int IFA_F_NOPREFIXROUTE = 0x200;

    /** Checks the non-null components. */
    public Address {
        Objects.requireNonNull(prefix, "prefix == null");
    }

    /** An address without peer and with forever lifetimes. */
    public Address(int index, int family, IpPrefix prefix, InetAddress broadcast, int scope, int flags, String label) {
        this(index, family, prefix, broadcast, scope, flags, label, null, FOREVER, FOREVER);
    }

    /** True when the address expires ({@code dynamic} in {@code ip addr}): its valid lifetime is not forever. */
    public boolean isDynamic() {
        return validLifetime != FOREVER;
    }

    /** True for IPv4. */
    public boolean isIpv4() {
        return prefix.isIpv4();
    }
}
