package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_ADDRESS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_AF_SPEC;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFALIAS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINK_NETNSID;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MASTER;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_OPERSTATE;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_STATS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_STATS64;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_TXQLEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;

import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;

/**
 * Decodes {@code RTM_NEWLINK} messages ({@code struct ifinfomsg} and {@code IFLA_*} attributes of
 * {@code include/uapi/linux/if_link.h}) into {@link Link} values, allocating little. Used by {@link Links#decode}.
 */
final class LinkDecoder {
    private LinkDecoder() {
    }

    /** Per-thread cursors so that decoding allocates only the {@link Link} (and its strings/small arrays). */
    private static final class Scratch {
        final NlAttrReader attrs = new NlAttrReader();
        final NlAttrReader info = new NlAttrReader();
        final NlAttrReader data = new NlAttrReader();
        int[] unknown = new int[64];
        byte[] text = new byte[256];
    }

    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>() {
        @Override
        protected Scratch initialValue() {   // not withInitial(Scratch::new): one lambda less on a fresh JVM's first call
            return new Scratch();
        }
    };

    private static final String[] KNOWN_KINDS = {"veth", "bridge", "vxlan", "macvlan", "tun", "dummy", "vlan",
        "ipvlan", "bond", "wireguard", "ifb", "macvtap", "ipip", "gre", "sit", "ip6tnl", "geneve", "vrf", "team",
        "netkit", "nlmon", "vcan", "veth"};

    /**
     * Decodes the {@code RTM_NEWLINK} message {@code m} is positioned on (a reply or one message of a dump).
     * Attributes other than those of {@link Link}'s fields are kept raw in {@link Link#unknown()}, except the
     * bulky statistics and per-protocol state ({@code IFLA_STATS}, {@code IFLA_STATS64}, {@code IFLA_AF_SPEC}).
     * Allocates the {@link Link}, its strings, its {@link MacAddress} and at most one array of raw attributes.
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if the message is malformed
     */
    static Link decode(NlMsgReader m) {
        if (m.type() != RTM_NEWLINK) {
            return null;
        }
        Scratch s = SCRATCH.get();
        int type = m.u16(2);
        int index = m.s32(4);
        int flags = m.s32(8);
        NlAttrReader a = m.attributes(IFINFOMSG_LEN, s.attrs);
        String name = null;
        String kind = null;
        String alias = null;
        MacAddress mac = null;
        int mtu = 0;
        int master = 0;
        int group = 0;
        int netnsId = -1;
        int link = 0;
        int oper = 0;
        int txq = 0;
        LinkInfo linkInfo = null;
        int unknownCount = 0;
        int unknownBytes = 0;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_IFNAME:
                    name = string(a, s);
                    break;
                case IFLA_MTU:
                    mtu = a.u32();
                    break;
                case IFLA_ADDRESS:
                    if (a.payloadLength() == 6) {
                        mac = MacAddress.of(a.buffer(), a.payloadOffset());
                    } else {
                        unknownBytes += (a.payloadLength() + 7) & ~3;
                        unknownCount = keep(s, unknownCount, a);
                    }
                    break;
                case IFLA_MASTER:
                    master = a.u32();
                    break;
                case IFLA_IFALIAS:
                    alias = string(a, s);
                    break;
                case IFLA_GROUP:
                    group = a.u32();
                    break;
                case IFLA_LINK_NETNSID:
                    netnsId = a.u32();
                    break;
                case IFLA_LINK:
                    link = a.u32();
                    break;
                case IFLA_OPERSTATE:
                    oper = a.u8();
                    break;
                case IFLA_TXQLEN:
                    txq = a.u32();
                    break;
                case IFLA_LINKINFO:
                    NlAttrReader info = a.nested(s.info);
                    int dataStart = -1;
                    int dataEnd = -1;
                    boolean more = false;
                    while (info.next()) {
                        if (info.type() == IFLA_INFO_KIND) {
                            kind = kindString(info);
                        } else if (info.type() == IFLA_INFO_DATA && dataStart < 0) {
                            dataStart = info.payloadOffset();
                            dataEnd = dataStart + info.payloadLength();
                        } else {
                            more = true;
                        }
                    }
                    if (LinkInfos.typed(kind)) {
                        linkInfo = dataStart < 0 ? LinkInfos.empty(kind)
                                : LinkInfos.decode(kind, s.data.reset(a.buffer(), dataStart, dataEnd));
                    } else if (dataEnd > dataStart) {
                        more = true;
                    }
                    if (more) {
                        unknownBytes += (a.payloadLength() + 7) & ~3;
                        unknownCount = keep(s, unknownCount, a);
                    }
                    break;
                case IFLA_STATS:
                case IFLA_STATS64:
                case IFLA_AF_SPEC:
                    break;
                default:
                    unknownBytes += (a.payloadLength() + 7) & ~3;
                    unknownCount = keep(s, unknownCount, a);
                    break;
            }
        }
        if (name == null) {
            throw new io.netkit.netlink.codec.MalformedMessageException("RTM_NEWLINK without IFLA_IFNAME", m.offset());
        }
        RawAttributes unknown = RawAttributes.EMPTY;
        if (unknownCount > 0) {
            byte[] raw = new byte[unknownBytes];
            int pos = 0;
            java.nio.ByteBuffer buf = m.buffer();
            for (int i = 0; i < unknownCount; i++) {
                int off = s.unknown[2 * i];
                int len = s.unknown[2 * i + 1];
                buf.get(off, raw, pos, len);
                int alignedLen = (len + 3) & ~3;
                // the padding of a message's last attribute may be missing; it stays zero in the copy
                pos += alignedLen;
            }
            unknown = RawAttributes.wrap(raw);
        }
        return new Link(index, name, kind, flags, mtu, mac, master, alias, group, netnsId, link, OperState.of(oper),
                txq, type, unknown, linkInfo);
    }

    /**
     * Records the current attribute as raw bytes to keep: as a new range, or by extending the previous range when
     * it ends right where this attribute starts (most unknown attributes are adjacent, so few copies are needed).
     *
     * @return the number of ranges
     */
    private static int keep(Scratch s, int ranges, NlAttrReader a) {
        int off = a.offset();
        int len = a.payloadLength() + 4;
        if (ranges > 0) {
            int last = 2 * (ranges - 1);
            if (s.unknown[last] + ((s.unknown[last + 1] + 3) & ~3) == off) {
                s.unknown[last + 1] = ((s.unknown[last + 1] + 3) & ~3) + len;
                return ranges;
            }
        }
        if (2 * ranges + 2 > s.unknown.length) {
            s.unknown = java.util.Arrays.copyOf(s.unknown, s.unknown.length * 2);
        }
        s.unknown[2 * ranges] = off;
        s.unknown[2 * ranges + 1] = len;
        return ranges + 1;
    }

    /** The NUL-terminated UTF-8 payload as a String, copied once (through a per-thread scratch array). */
    private static String string(NlAttrReader a, Scratch s) {
        java.nio.ByteBuffer buf = a.buffer();
        int p = a.payloadOffset();
        int n = a.payloadLength();
        int len = 0;
        while (len < n && buf.get(p + len) != 0) {
            len++;
        }
        if (s.text.length < len) {
            s.text = new byte[Math.max(len, 2 * s.text.length)];
        }
        buf.get(p, s.text, 0, len);
        return new String(s.text, 0, len, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The kind string, without allocating for the kinds the kernel commonly reports. */
    private static String kindString(NlAttrReader a) {
        java.nio.ByteBuffer buf = a.buffer();
        int p = a.payloadOffset();
        int n = a.payloadLength();
        while (n > 0 && buf.get(p + n - 1) == 0) {
            n--;
        }
        outer:
        for (String k : KNOWN_KINDS) {
            if (k.length() != n) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (buf.get(p + i) != k.charAt(i)) {
                    continue outer;
                }
            }
            return k;
        }
        return string(a, SCRATCH.get());
    }
}
