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
 */
public record Address(int index, int family, IpPrefix prefix, InetAddress broadcast, int scope, int flags,
                      String label) {
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

    /** True for IPv4. */
    public boolean isIpv4() {
        return prefix.isIpv4();
    }
}
