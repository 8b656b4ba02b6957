package io.netkit.netlink;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Which conntrack entries {@link Conntrack#list(ConntrackFilter)} and {@link Conntrack#delete(ConntrackFilter)}
 * select, as the options of {@code conntrack -L/-D} do; every condition set must hold. Immutable; each method
 * returns a copy with one more condition.
 *
 * <pre>{@code
 * ConntrackFilter.all().protocol(ConntrackTuple.UDP).originalDestinationPort(5353)  // -p udp --orig-port-dst 5353
 * ConntrackFilter.all().originalDestination(addr)                                   // -d ADDR
 * ConntrackFilter.all().replySource(addr)                                           // -r ADDR (after DNAT: the container)
 * ConntrackFilter.all().involving(addr)                                             // ADDR in any of the four places
 * }</pre>
 */
public final class ConntrackFilter {
    private static final ConntrackFilter ALL = new ConntrackFilter(-1, null, null, null, null, null, -1, -1, -1);

    private final int protocol;
    private final InetAddress origSrc, origDst, replySrc, replyDst, involving;
    private final int origSrcPort, origDstPort, replySrcPort;

    private ConntrackFilter(int protocol, InetAddress origSrc, InetAddress origDst, InetAddress replySrc,
                            InetAddress replyDst, InetAddress involving, int origSrcPort, int origDstPort,
                            int replySrcPort) {
        this.protocol = protocol;
        this.origSrc = origSrc;
        this.origDst = origDst;
        this.replySrc = replySrc;
        this.replyDst = replyDst;
        this.involving = involving;
        this.origSrcPort = origSrcPort;
        this.origDstPort = origDstPort;
        this.replySrcPort = replySrcPort;
    }

    /** Every entry (plain {@code conntrack -L} / {@code conntrack -F}). */
    public static ConntrackFilter all() {
        return ALL;
    }

    /** {@code -p PROTO}: the IP protocol number ({@link ConntrackTuple#TCP}, {@link ConntrackTuple#UDP}, ...). */
    public ConntrackFilter protocol(int ipProtocol) {
        if (ipProtocol < 0 || ipProtocol > 255) {
            throw new IllegalArgumentException("IP protocol " + ipProtocol + " is out of range 0..255");
        }
        return new ConntrackFilter(ipProtocol, origSrc, origDst, replySrc, replyDst, involving, origSrcPort,
                origDstPort, replySrcPort);
    }

    /** {@code -s ADDR} ({@code --orig-src}). */
    public ConntrackFilter originalSource(InetAddress a) {
        return new ConntrackFilter(protocol, req(a, "original source"), origDst, replySrc, replyDst, involving,
                origSrcPort, origDstPort, replySrcPort);
    }

    /** {@code -d ADDR} ({@code --orig-dst}): where the first packet was sent, before any DNAT. */
    public ConntrackFilter originalDestination(InetAddress a) {
        return new ConntrackFilter(protocol, origSrc, req(a, "original destination"), replySrc, replyDst, involving,
                origSrcPort, origDstPort, replySrcPort);
    }

    /** {@code -r ADDR} ({@code --reply-src}): who answers; after a DNAT, the translated destination. */
    public ConntrackFilter replySource(InetAddress a) {
        return new ConntrackFilter(protocol, origSrc, origDst, req(a, "reply source"), replyDst, involving,
                origSrcPort, origDstPort, replySrcPort);
    }

    /** {@code -q ADDR} ({@code --reply-dst}): where replies go; after a SNAT/MASQUERADE, the translated source. */
    public ConntrackFilter replyDestination(InetAddress a) {
        return new ConntrackFilter(protocol, origSrc, origDst, replySrc, req(a, "reply destination"), involving,
                origSrcPort, origDstPort, replySrcPort);
    }

    /**
     * Entries in which {@code a} appears anywhere (original or reply, source or destination): everything a
     * reused address could inherit. {@code conntrack} needs four {@code -D} runs ({@code -s}, {@code -d},
     * {@code -r}, {@code -q}) for this.
     */
    public ConntrackFilter involving(InetAddress a) {
        return new ConntrackFilter(protocol, origSrc, origDst, replySrc, replyDst, req(a, "address"), origSrcPort,
                origDstPort, replySrcPort);
    }

    /** {@code --orig-port-src PORT} (needs a port protocol to mean anything). */
    public ConntrackFilter originalSourcePort(int port) {
        return new ConntrackFilter(protocol, origSrc, origDst, replySrc, replyDst, involving, port(port), origDstPort,
                replySrcPort);
    }

    /** {@code --orig-port-dst PORT}: for a published port, the host port. */
    public ConntrackFilter originalDestinationPort(int port) {
        return new ConntrackFilter(protocol, origSrc, origDst, replySrc, replyDst, involving, origSrcPort, port(port),
                replySrcPort);
    }

    /** {@code --reply-port-src PORT}: for a published port, the container port. */
    public ConntrackFilter replySourcePort(int port) {
        return new ConntrackFilter(protocol, origSrc, origDst, replySrc, replyDst, involving, origSrcPort, origDstPort,
                port(port));
    }

    /** Whether {@code e} meets every condition. */
    public boolean matches(ConntrackEntry e) {
        ConntrackTuple o = e.original();
        ConntrackTuple r = e.reply();
        if (protocol >= 0 && o.protocol() != protocol) return false;
        if (origSrc != null && !origSrc.equals(o.source())) return false;
        if (origDst != null && !origDst.equals(o.destination())) return false;
        if (replySrc != null && !replySrc.equals(r.source())) return false;
        if (replyDst != null && !replyDst.equals(r.destination())) return false;
        if (involving != null && !involving.equals(o.source()) && !involving.equals(o.destination())
                && !involving.equals(r.source()) && !involving.equals(r.destination())) return false;
        if (origSrcPort >= 0 && (o.isIcmp() || o.sourcePort() != origSrcPort)) return false;
        if (origDstPort >= 0 && (o.isIcmp() || o.destinationPort() != origDstPort)) return false;
        return replySrcPort < 0 || (!r.isIcmp() && r.sourcePort() == replySrcPort);
    }

    private static InetAddress req(InetAddress a, String what) {
        return Objects.requireNonNull(a, what + " == null");
    }

    private static int port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range 0..65535");
        }
        return port;
    }

    /** The filter as {@code conntrack} options, e.g. {@code -p 17 --orig-port-dst 5353}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (protocol >= 0) sb.append(" -p ").append(protocol);
        if (origSrc != null) sb.append(" -s ").append(IpAddresses.format(origSrc));
        if (origDst != null) sb.append(" -d ").append(IpAddresses.format(origDst));
        if (replySrc != null) sb.append(" -r ").append(IpAddresses.format(replySrc));
        if (replyDst != null) sb.append(" -q ").append(IpAddresses.format(replyDst));
        if (involving != null) sb.append(" (any) ").append(IpAddresses.format(involving));
        if (origSrcPort >= 0) sb.append(" --orig-port-src ").append(origSrcPort);
        if (origDstPort >= 0) sb.append(" --orig-port-dst ").append(origDstPort);
        if (replySrcPort >= 0) sb.append(" --reply-port-src ").append(replySrcPort);
        return sb.length() == 0 ? "(all)" : sb.substring(1);
    }
}
