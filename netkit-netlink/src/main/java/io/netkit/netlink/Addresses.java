package io.netkit.netlink;

import static io.netkit.netlink.codec.IfAddrConstants.IFA_ADDRESS;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_BROADCAST;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_CACHEINFO;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_FLAGS;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_LABEL;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_LOCAL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET6;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFADDRMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Address operations of one {@link RtNetlink} handle, i.e. {@code ip addr} in that handle's namespace.
 *
 * <pre>{@code
 * Addresses addrs = host.netlink().addresses();
 * addrs.add("br0", IpPrefix.parse("172.16.0.1/24"));   // ip addr add 172.16.0.1/24 brd + dev br0
 * addrs.list("br0");   // [Address[index=3, family=2, prefix=172.16.0.1/24, broadcast=/172.16.0.255, ...]]
 * }</pre>
 *
 * <p>Thread-safe. A missing link is a {@link LinkNotFoundException}.
 */
public final class Addresses {
    private final RtNetlink rt;

    Addresses(RtNetlink rt) {
        this.rt = rt;
    }

    /**
     * Watches this namespace's addresses: a snapshot, then every change as an {@link RtEvent.AddressEvent}, with a
     * {@link RtEvent.Resynced} after an overrun. Shorthand for {@code watch(WatchSpec.of(RtTopic.ADDRESSES), listener)};
     * see {@link RtNetlink#watch(WatchSpec, RtListener)}. Equivalent to: {@code ip monitor address}.
     */
    public RtWatch watch(RtListener listener) {
        return rt.watch(WatchSpec.of(RtTopic.ADDRESSES), listener);
    }

    /**
     * Adds {@code address} to {@code link}; an IPv4 address up to /30 gets its broadcast address.
     * Equivalent to: {@code ip addr add ADDRESS brd + dev LINK} (IPv6: {@code ip addr add ADDRESS dev LINK}).
     *
     * @throws NetlinkException with {@code EEXIST} if the link already has the address
     */
    public void add(String link, IpPrefix address) {
        add(link, address, AddressOptions.defaults());
    }

    /**
     * Adds {@code address} to {@code link} with {@code options} (broadcast, label, scope, nodad, noprefixroute).
     * Equivalent to: {@code ip addr add ADDRESS [brd B] [label L] [scope S] [nodad] [noprefixroute] dev LINK}.
     */
    public void add(String link, IpPrefix address, AddressOptions options) {
        Objects.requireNonNull(address, "address == null");
        Objects.requireNonNull(options, "options == null");
        InterfaceNames.validateExisting(link);
        if (options.label != null && !(options.label.equals(link) || options.label.startsWith(link + ":"))) {
            throw new IllegalArgumentException("invalid address label \"" + options.label + "\": must be \"" + link
                    + "\" or start with \"" + link + ":\"");
        }
        if (options.label != null && !address.isIpv4()) {
            throw new IllegalArgumentException("address labels are IPv4 only: " + address);
        }
        if (options.broadcast != null && !address.isIpv4()) {
            throw new IllegalArgumentException("broadcast is IPv4 only: " + address);
        }
        int index = rt.links().index(link);
        InetAddress broadcast = options.broadcast;
        if (broadcast == null && options.autoBroadcast && address.isIpv4() && address.prefixLength() <= 30) {
            broadcast = address.broadcast();
        }
        InetAddress brd = broadcast;
        int scope = options.scope >= 0 ? options.scope
                : (address.isIpv4() && (address.address().getAddress()[0] == 127) ? Route.SCOPE_HOST : 0);
        rt.socket().execute("add address", address + " dev " + link, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, w -> {
            w.ifAddrMsg(address.family(), address.prefixLength(), options.flags & 0xff, scope, index);
            byte[] a = address.address().getAddress();
            w.attrBytes(IFA_LOCAL, a);
            w.attrBytes(IFA_ADDRESS, a);
            if (brd != null) {
                w.attrBytes(IFA_BROADCAST, brd.getAddress());
            }
            if (options.label != null) {
                w.attrString(IFA_LABEL, options.label);
            }
            if (options.flags != 0) {
                w.attrU32(IFA_FLAGS, options.flags);
            }
        });
    }

    /**
     * Removes {@code address} from {@code link}. Equivalent to: {@code ip addr del ADDRESS dev LINK}.
     *
     * @throws NetlinkException with {@code EADDRNOTAVAIL} if the link does not have it
     */
    public void delete(String link, IpPrefix address) {
        Objects.requireNonNull(address, "address == null");
        InterfaceNames.validateExisting(link);
        int index = rt.links().index(link);
        rt.socket().execute("delete address", address + " dev " + link, RTM_DELADDR, 0, w -> {
            w.ifAddrMsg(address.family(), address.prefixLength(), 0, 0, index);
            w.attrBytes(IFA_LOCAL, address.address().getAddress());
        });
    }

    /**
     * Removes every address of {@code family} ({@code AF_INET} 2, {@code AF_INET6} 10, or 0 for both) from
     * {@code link}. Equivalent to: {@code ip addr flush dev LINK}.
     */
    public void flush(String link, int family) {
        for (Address a : list(link)) {
            if (family == AF_UNSPEC || a.family() == family) {
                try {
                    delete(link, a.prefix());
                } catch (NetlinkException e) {
                    if (e.errno() != Errno.EADDRNOTAVAIL) {
                        throw e;
                    }
                }
            }
        }
    }

    /** All IPv4 and IPv6 addresses of the namespace: one dump. Equivalent to: {@code ip addr show}. */
    public List<Address> list() {
        return rt.socket().dump("list addresses", RTM_GETADDR, w -> w.ifAddrMsg(AF_UNSPEC, 0, 0, 0, 0),
                Addresses::decode);
    }

    /** The addresses of {@code link}. Equivalent to: {@code ip addr show dev LINK}. */
    public List<Address> list(String link) {
        InterfaceNames.validateExisting(link);
        int index = rt.links().index(link);
        List<Address> out = new ArrayList<>();
        for (Address a : rt.socket().dump("list addresses", RTM_GETADDR, w -> w.ifAddrMsg(AF_UNSPEC, 0, 0, 0, index),
                Addresses::decode)) {
            if (a.index() == index) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * Decodes the {@code RTM_NEWADDR} message {@code m} is positioned on; null for other messages and families.
     *
     * @throws MalformedMessageException if it is malformed
     */
    public static Address decode(NlMsgReader m) {
        if (m.type() != RTM_NEWADDR) {
            return null;
        }
        int family = m.u8(0);
        if (family != AF_INET && family != AF_INET6) {
            return null;
        }
        int prefixLen = m.u8(1);
        int flags = m.u8(2);
        int scope = m.u8(3);
        int index = m.s32(4);
        int size = family == AF_INET ? 4 : 16;
        InetAddress local = null;
        InetAddress address = null;
        InetAddress broadcast = null;
        String label = null;
        long valid = Address.FOREVER;
        long preferred = Address.FOREVER;
        NlAttrReader a = m.attributes(IFADDRMSG_LEN);
        while (a.next()) {
            switch (a.type()) {
                case IFA_LOCAL:
                    local = ip(a, size);
                    break;
                case IFA_ADDRESS:
                    address = ip(a, size);
                    break;
                case IFA_BROADCAST:
                    broadcast = ip(a, size);
                    break;
                case IFA_LABEL:
                    label = a.string();
                    break;
                case IFA_FLAGS:
                    flags = a.u32();
                    break;
                case IFA_CACHEINFO:
                    if (a.payloadLength() < 8) {
                        throw new MalformedMessageException("IFA_CACHEINFO of " + a.payloadLength()
                                + " byte(s), expected 16", a.offset());
                    }
                    preferred = Integer.toUnsignedLong(a.buffer().getInt(a.payloadOffset()));
                    valid = Integer.toUnsignedLong(a.buffer().getInt(a.payloadOffset() + 4));
                    break;
                default:
                    break;
            }
        }
        InetAddress ip = local != null ? local : address;
        if (ip == null) {
            throw new MalformedMessageException("RTM_NEWADDR without IFA_LOCAL or IFA_ADDRESS", m.offset());
        }
        int max = family == AF_INET ? 32 : 128;
        if (prefixLen > max) {
            throw new MalformedMessageException("RTM_NEWADDR prefix length " + prefixLen, m.offset());
        }
        InetAddress peer = local != null && address != null && !local.equals(address) ? address : null;
        return new Address(index, family, new IpPrefix(ip, prefixLen), broadcast, scope, flags, label, peer, valid,
                preferred);
    }

    static InetAddress ip(NlAttrReader a, int size) {
        if (a.payloadLength() != size) {
            throw new MalformedMessageException("address attribute " + a.type() + " of " + a.payloadLength()
                    + " byte(s), expected " + size, a.offset());
        }
        return IpAddresses.of(a.bytes());
    }
}
