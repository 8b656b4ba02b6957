package io.netkit.netlink;

import static io.netkit.netlink.codec.ConntrackConstants.CTA_ID;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_IP_V4_DST;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_IP_V4_SRC;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_IP_V6_DST;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_IP_V6_SRC;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_MARK;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTOINFO;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTOINFO_TCP;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTOINFO_TCP_STATE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_DST_PORT;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMPV6_CODE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMPV6_ID;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMPV6_TYPE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMP_CODE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMP_ID;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_ICMP_TYPE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_NUM;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_PROTO_SRC_PORT;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_STATUS;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_TIMEOUT;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_TUPLE_IP;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_TUPLE_ORIG;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_TUPLE_PROTO;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_TUPLE_REPLY;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_ZONE;
import static io.netkit.netlink.codec.ConntrackConstants.IPCTNL_MSG_CT_DELETE;
import static io.netkit.netlink.codec.ConntrackConstants.CTA_STATS_GLOBAL_ENTRIES;
import static io.netkit.netlink.codec.ConntrackConstants.IPCTNL_MSG_CT_GET;
import static io.netkit.netlink.codec.ConntrackConstants.IPCTNL_MSG_CT_GET_STATS;
import static io.netkit.netlink.codec.ConntrackConstants.IPCTNL_MSG_CT_NEW;
import static io.netkit.netlink.codec.ConntrackConstants.NFGENMSG_LEN;
import static io.netkit.netlink.codec.ConntrackConstants.NFNETLINK_V0;
import static io.netkit.netlink.codec.ConntrackConstants.ctnetlinkType;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET6;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The connection tracking table of one network namespace over ctnetlink ({@code NETLINK_NETFILTER},
 * subsystem {@code NFNL_SUBSYS_CTNETLINK}), in-process: what the {@code conntrack} tool does.
 *
 * <pre>{@code
 * try (Conntrack ct = Conntrack.open(ns)) {
 *     ct.list();                                                        // conntrack -L
 *     ct.delete(ConntrackFilter.all().protocol(ConntrackTuple.UDP)
 *             .originalDestinationPort(5353));                          // conntrack -D -p udp --orig-port-dst 5353
 *     ct.delete(ConntrackFilter.all().originalDestination(addr));       // conntrack -D -d ADDR
 * }
 * }</pre>
 *
 * <p>After a port mapping or an address goes away, live flows keep the NAT decision that conntrack made for
 * their first packet; deleting their entries makes the next packet be evaluated again (this is what CNI's
 * portmap plugin and kube-proxy do with {@code conntrack -D}). Thread-safe; close it when done. Needs
 * CAP_NET_ADMIN in the namespace's user namespace.
 */
public final class Conntrack implements AutoCloseable {
    private final NetlinkSocket socket;

    private final boolean shared;

    private Conntrack(NetlinkSocket socket) {
        this(socket, false);
    }

    private Conntrack(NetlinkSocket socket, boolean shared) {
        this.socket = socket;
        this.shared = shared;
    }

    /**
     * The conntrack table of {@code namespace} over the namespace handle's shared nfnetlink socket
     * ({@link NetNamespace#socket(int)}): no hand-off to the namespace's thread and no socket to open and close per
     * use. Its {@link #close()} does nothing; the socket closes with the namespace handle.
     */
    public static Conntrack shared(NetNamespace namespace) {
        Objects.requireNonNull(namespace, "namespace == null");
        return new Conntrack(namespace.socket(NetlinkConstants.NETLINK_NETFILTER), true);
    }

    /** Opens the conntrack table of the calling thread's network namespace. The caller closes it. */
    public static Conntrack open() {
        return new Conntrack(NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER));
    }

    /**
     * Opens the conntrack table of {@code namespace} (the socket is created on the namespace's thread and stays
     * bound to it). The caller closes it; closing the namespace does not.
     */
    public static Conntrack open(NetNamespace namespace) {
        Objects.requireNonNull(namespace, "namespace == null");
        return new Conntrack(namespace.call(() -> NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER)));
    }

    /** Every entry (IPv4 and IPv6). Equivalent to: {@code conntrack -L} (and {@code conntrack -L -f ipv6}). */
    public List<ConntrackEntry> list() {
        return socket.dump("list conntrack entries", ctnetlinkType(IPCTNL_MSG_CT_GET),
                w -> nfgenmsg(w, AF_UNSPEC), Conntrack::decode);
    }

    /** The entries {@code filter} selects. Equivalent to: {@code conntrack -L OPTIONS}. */
    public List<ConntrackEntry> list(ConntrackFilter filter) {
        Objects.requireNonNull(filter, "filter == null");
        List<ConntrackEntry> out = new ArrayList<>();
        for (ConntrackEntry e : list()) {
            if (filter.matches(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * How many entries the namespace's table holds, from the kernel's counter ({@code IPCTNL_MSG_CT_GET_STATS}): one
     * small request, where a dump walks every bucket of the host-wide hash table (262144 buckets take ~6 ms) even
     * when the namespace has no entry. Equivalent to: {@code conntrack -C}.
     */
    public long count() {
        Long n = socket.request("count conntrack entries", null, ctnetlinkType(IPCTNL_MSG_CT_GET_STATS), 0,
                w -> nfgenmsg(w, AF_UNSPEC), m -> {
                    NlAttrReader a = m.attributes(NFGENMSG_LEN);
                    return a.seek(CTA_STATS_GLOBAL_ENTRIES) ? Integer.toUnsignedLong(a.be32()) : null;
                });
        if (n == null) {
            throw NetlinkException.withDetail("count conntrack entries", null, Errno.EPROTO,
                    "the kernel's answer carries no CTA_STATS_GLOBAL_ENTRIES", null);
        }
        return n;
    }

    /**
     * Deletes the entries {@code filter} selects and returns how many the kernel removed (an entry that expired
     * or was deleted meanwhile is not counted). An empty table is not dumped ({@link #count()}). Equivalent to:
     * {@code conntrack -D OPTIONS}, for example {@code conntrack -D -d ADDR} or
     * {@code conntrack -D -p udp --orig-port-dst PORT}.
     */
    public int delete(ConntrackFilter filter) {
        Objects.requireNonNull(filter, "filter == null");
        if (count() == 0) {
            return 0;
        }
        int n = 0;
        for (ConntrackEntry e : list(filter)) {
            if (delete(e)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Deletes one entry, identified by its original tuple, zone and id (so a newer entry for the same tuple is
     * left alone). Returns false if it no longer exists. Equivalent to: {@code conntrack -D -p P -s S -d D
     * --sport SP --dport DP}.
     */
    public boolean delete(ConntrackEntry entry) {
        Objects.requireNonNull(entry, "entry == null");
        try {
            socket.execute("delete conntrack entry", entry.original().toString(), ctnetlinkType(IPCTNL_MSG_CT_DELETE),
                    0, w -> {
                        nfgenmsg(w, entry.family());
                        tuple(w, CTA_TUPLE_ORIG, entry.original());
                        if (entry.zone() != 0) {
                            w.attrBe16(CTA_ZONE, entry.zone());
                        }
                        w.attrBe32(CTA_ID, (int) entry.id());
                    });
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** The underlying {@code NETLINK_NETFILTER} socket. */
    public NetlinkSocket socket() {
        return socket;
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        if (!shared) {
            socket.close();
        }
    }

    private static void nfgenmsg(NlMsgWriter w, int family) {
        w.u8(family).u8(NFNETLINK_V0).u16(0);   // res_id 0: the byte order does not matter
    }

    private static void tuple(NlMsgWriter w, int type, ConntrackTuple t) {
        boolean v4 = t.source().getAddress().length == 4;
        w.beginNested(type, true);
        w.beginNested(CTA_TUPLE_IP, true);
        w.attrBytes(v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, t.source().getAddress());
        w.attrBytes(v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, t.destination().getAddress());
        w.endNested();
        w.beginNested(CTA_TUPLE_PROTO, true);
        w.attrU8(CTA_PROTO_NUM, t.protocol());
        if (t.isIcmp()) {
            boolean v6 = t.protocol() == ConntrackTuple.ICMPV6;
            w.attrBe16(v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID, t.icmpId());
            w.attrU8(v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE, t.icmpType());
            w.attrU8(v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE, t.icmpCode());
        } else {
            w.attrBe16(CTA_PROTO_SRC_PORT, t.sourcePort());
            w.attrBe16(CTA_PROTO_DST_PORT, t.destinationPort());
        }
        w.endNested();
        w.endNested();
    }

    /**
     * Decodes the ctnetlink {@code IPCTNL_MSG_CT_NEW} message {@code m} is positioned on (the kind a dump
     * answers with); null for other messages. Unknown attributes are skipped.
     *
     * @throws MalformedMessageException if it is malformed (bad lengths, an address of the wrong size, a
     *     missing tuple): never another exception type
     */
    public static ConntrackEntry decode(NlMsgReader m) {
        if (m.type() != ctnetlinkType(IPCTNL_MSG_CT_NEW)) {
            return null;
        }
        int family = m.u8(0);
        if (family != AF_INET && family != AF_INET6) {
            throw new MalformedMessageException("conntrack entry of unknown family " + family, m.offset());
        }
        ConntrackTuple orig = null, reply = null;
        long id = 0, timeout = 0;
        int status = 0, mark = 0, zone = 0, tcpState = -1;
        NlAttrReader a = m.attributes(NFGENMSG_LEN);
        while (a.next()) {
            switch (a.type()) {
                case CTA_TUPLE_ORIG -> orig = tuple(a.nested(), family, a.offset());
                case CTA_TUPLE_REPLY -> reply = tuple(a.nested(), family, a.offset());
                case CTA_STATUS -> status = a.be32();
                case CTA_TIMEOUT -> timeout = Integer.toUnsignedLong(a.be32());
                case CTA_MARK -> mark = a.be32();
                case CTA_ID -> id = Integer.toUnsignedLong(a.be32());
                case CTA_ZONE -> zone = a.be16();
                case CTA_PROTOINFO -> {
                    NlAttrReader p = a.nested();
                    if (p.seek(CTA_PROTOINFO_TCP)) {
                        NlAttrReader t = p.nested();
                        if (t.seek(CTA_PROTOINFO_TCP_STATE)) {
                            tcpState = t.u8();
                        }
                    }
                }
                default -> { }
            }
        }
        if (orig == null || reply == null) {
            throw new MalformedMessageException("conntrack entry without " + (orig == null ? "CTA_TUPLE_ORIG" : "CTA_TUPLE_REPLY"),
                    m.offset());
        }
        return new ConntrackEntry(family, orig, reply, id, status, timeout, mark, zone, tcpState);
    }

    private static ConntrackTuple tuple(NlAttrReader t, int family, int at) {
        int addrLen = family == AF_INET ? 4 : 16;
        byte[] src = null, dst = null;
        int proto = -1, sport = 0, dport = 0, icmpId = 0, icmpType = 0, icmpCode = 0;
        while (t.next()) {
            if (t.type() == CTA_TUPLE_IP) {
                NlAttrReader ip = t.nested();
                while (ip.next()) {
                    int type = ip.type();
                    boolean isSrc = type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC;
                    boolean isDst = type == CTA_IP_V4_DST || type == CTA_IP_V6_DST;
                    if (!isSrc && !isDst) {
                        continue;
                    }
                    int want = (type == CTA_IP_V4_SRC || type == CTA_IP_V4_DST) ? 4 : 16;
                    if (want != addrLen || ip.payloadLength() != want) {
                        throw new MalformedMessageException("conntrack tuple address attribute " + type + " of "
                                + ip.payloadLength() + " byte(s) in a family " + family + " entry", ip.offset());
                    }
                    if (isSrc) src = ip.bytes(); else dst = ip.bytes();
                }
            } else if (t.type() == CTA_TUPLE_PROTO) {
                NlAttrReader p = t.nested();
                while (p.next()) {
                    switch (p.type()) {
                        case CTA_PROTO_NUM -> proto = p.u8();
                        case CTA_PROTO_SRC_PORT -> sport = p.be16();
                        case CTA_PROTO_DST_PORT -> dport = p.be16();
                        case CTA_PROTO_ICMP_ID, CTA_PROTO_ICMPV6_ID -> icmpId = p.be16();
                        case CTA_PROTO_ICMP_TYPE, CTA_PROTO_ICMPV6_TYPE -> icmpType = p.u8();
                        case CTA_PROTO_ICMP_CODE, CTA_PROTO_ICMPV6_CODE -> icmpCode = p.u8();
                        default -> { }
                    }
                }
            }
        }
        if (src == null || dst == null || proto < 0) {
            throw new MalformedMessageException("conntrack tuple without " + (src == null ? "source address"
                    : dst == null ? "destination address" : "CTA_PROTO_NUM"), at);
        }
        return new ConntrackTuple(proto, IpAddresses.of(src), IpAddresses.of(dst), sport, dport, icmpId, icmpType,
                icmpCode);
    }
}
