package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_ADDRESS;
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
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_PROMISCUITY;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_QDISC;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_STATS64;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_TXQLEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.codec.IfAddrConstants;
import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NeighbourConstants;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.codec.RtnetlinkConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Decoding of rtnetlink messages without a kernel: fields, kept unknown attributes, corrupted input, allocation. */
class DecodeTest {

    static byte[] linkMessage() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWLINK, 0, 1, 0);
        w.ifInfoMsg(0, 1, 7, Link.IFF_UP | Link.IFF_BROADCAST | Link.IFF_LOWER_UP, 0);
        w.attrString(IFLA_IFNAME, "veth1");
        w.attrU32(IFLA_TXQLEN, 1000);
        w.attrU8(IFLA_OPERSTATE, 6);
        w.attrU32(IFLA_MTU, 1450);
        w.attrU32(IFLA_GROUP, 4242);
        w.attrU32(IFLA_PROMISCUITY, 0);
        w.attrString(IFLA_QDISC, "noqueue");
        w.attrU32(IFLA_MASTER, 3);
        w.attrU32(IFLA_LINK, 8);
        w.attrU32(IFLA_LINK_NETNSID, 0);
        w.attrString(IFLA_IFALIAS, "netkit:net1");
        w.attrBytes(IFLA_ADDRESS, new byte[] {2, 0x42, (byte) 0xac, 0x10, 0, 2});
        w.attrBytes(IFLA_STATS64, new byte[200]);
        w.beginNested(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, "veth").beginNested(IFLA_INFO_DATA).endNested()
                .endNested();
        w.attrU16(99, 0xbeef); // an attribute from a future kernel
        w.endMessage();
        return w.toByteArray();
    }

    static NlMsgReader reader(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        NlMsgReader r = new NlMsgReader(buf);
        assertThat(r.next()).isTrue();
        return r;
    }

    @Test
    void decodesEveryLinkFieldAndKeepsUnknownAttributesRaw() {
        Link l = Links.decode(reader(linkMessage()));
        assertThat(l).isEqualTo(new Link(7, "veth1", "veth", Link.IFF_UP | Link.IFF_BROADCAST | Link.IFF_LOWER_UP,
                1450, MacAddress.parse("02:42:ac:10:00:02"), 3, "netkit:net1", 4242, 0, 8, OperState.UP, 1000, 1,
                l.unknown()));
        assertThat(l.isUp()).isTrue();
        assertThat(l.isLowerUp()).isTrue();
        assertThat(l.unknown().types()).containsExactly(IFLA_PROMISCUITY, IFLA_QDISC, 99);
        assertThat(l.unknown().payload(IFLA_QDISC))
                .hasValueSatisfying(p -> assertThat(new String(p, StandardCharsets.US_ASCII)).isEqualTo("noqueue\0"));
        assertThat(l.unknown().payload(99)).hasValueSatisfying(p -> assertThat(p).hasSize(2));
        assertThat(l.unknown().payload(IFLA_STATS64)).isEmpty();
        assertThat(Links.decode(reader(linkMessage()))).isEqualTo(l);
    }

    @Test
    void linkWithoutOptionalAttributes() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWLINK, 0, 1, 0);
        w.ifInfoMsg(0, 772, 1, Link.IFF_LOOPBACK, 0);
        w.attrString(IFLA_IFNAME, "lo");
        w.endMessage();
        Link lo = Links.decode(reader(w.toByteArray()));
        assertThat(lo.kind()).isNull();
        assertThat(lo.mac()).isNull();
        assertThat(lo.alias()).isNull();
        assertThat(lo.linkNetnsId()).isEqualTo(-1);
        assertThat(lo.operState()).isEqualTo(OperState.UNKNOWN);
        assertThat(lo.unknown()).isSameAs(RawAttributes.EMPTY);
        assertThat(lo.type()).isEqualTo(772);
    }

    @Test
    void decodesAddressesRoutesAndNeighbors() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWADDR, 0, 1, 0);
        w.ifAddrMsg(2, 24, 0x80, 0, 5);
        w.attrBytes(IfAddrConstants.IFA_ADDRESS, new byte[] {(byte) 172, 16, 0, 1});
        w.attrBytes(IfAddrConstants.IFA_LOCAL, new byte[] {(byte) 172, 16, 0, 1});
        w.attrBytes(IfAddrConstants.IFA_BROADCAST, new byte[] {(byte) 172, 16, 0, (byte) 255});
        w.attrString(IfAddrConstants.IFA_LABEL, "br0");
        w.attrU32(IfAddrConstants.IFA_FLAGS, 0x280);
        w.endMessage();
        Address a = Addresses.decode(reader(w.toByteArray()));
        assertThat(a).isEqualTo(new Address(5, 2, IpPrefix.parse("172.16.0.1/24"), IpAddresses.parse("172.16.0.255"),
                0, 0x280, "br0"));

        w.reset();
        w.beginMessage(RTM_NEWROUTE, 0, 1, 0);
        w.rtMsg(10, 48, 0, 0, 254, 3, 0, 1, 0);
        w.attrU32(RtnetlinkConstants.RTA_TABLE, 254);
        w.attrBytes(RtnetlinkConstants.RTA_DST, IpAddresses.parse("fd00:99::").getAddress());
        w.attrBytes(RtnetlinkConstants.RTA_GATEWAY, IpAddresses.parse("fd00:1::1").getAddress());
        w.attrU32(RtnetlinkConstants.RTA_OIF, 4);
        w.attrU32(RtnetlinkConstants.RTA_PRIORITY, 50);
        w.endMessage();
        Route r = Routes.decode(reader(w.toByteArray()));
        assertThat(r).isEqualTo(new Route(10, IpPrefix.parse("fd00:99::/48"), IpAddresses.parse("fd00:1::1"), 4, 254,
                3, 0, 1, 50, null));

        w.reset();
        w.beginMessage(RTM_NEWNEIGH, 0, 1, 0);
        w.ndMsg(7, 9, 0x80, 0x02, 0);
        w.attrBytes(NeighbourConstants.NDA_LLADDR, new byte[6]);
        w.attrBytes(NeighbourConstants.NDA_DST, new byte[] {10, 0, 0, 2});
        w.attrU32(NeighbourConstants.NDA_MASTER, 3);
        w.endMessage();
        Neighbor n = Neighbors.decode(reader(w.toByteArray()));
        assertThat(n).isEqualTo(new Neighbor(9, 7, IpAddresses.parse("10.0.0.2"), MacAddress.parse("00:00:00:00:00:00"),
                0x80, 0x02, 0, 3));
        assertThat(n.isFdb()).isTrue();
    }

    @Test
    void corruptedMessagesOnlyEverFailWithMalformedMessageException() {
        Random rnd = new Random(42);
        byte[] good = linkMessage();
        int decoded = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] b = good.clone();
            int flips = 1 + rnd.nextInt(6);
            for (int i = 0; i < flips; i++) {
                int at = 16 + rnd.nextInt(b.length - 16); // keep the nlmsghdr, corrupt the payload
                b[at] = (byte) rnd.nextInt(256);
            }
            int len = rnd.nextInt(4) == 0 ? 16 + rnd.nextInt(b.length - 16) : b.length;
            ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, len);
            for (Function<NlMsgReader, ?> decoder : java.util.List.<Function<NlMsgReader, ?>>of(Links::decode,
                    Addresses::decode, Routes::decode, Neighbors::decode)) {
                byte[] copy = b.clone();
                ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder()).putShort(4,
                        (short) (decoder == (Object) null ? 0 : typeFor(decoder, round)));
                try {
                    NlMsgReader r = new NlMsgReader(ByteBuffer.wrap(copy, 0, len).order(ByteOrder.nativeOrder()));
                    if (r.next()) {
                        decoder.apply(r);
                        decoded++;
                    }
                } catch (MalformedMessageException expected) {
                    // the only failure allowed
                }
            }
        }
        assertThat(decoded).isPositive();
    }

    private static int typeFor(Function<NlMsgReader, ?> decoder, int round) {
        int[] types = {RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWNEIGH};
        return types[round % 4];
    }

    @Test
    void decodingALinkAllocatesOnlyTheLinkAndItsParts() throws Exception {
        byte[] msg = linkMessage();
        ByteBuffer buf = ByteBuffer.allocateDirect(msg.length).order(ByteOrder.nativeOrder());
        buf.put(msg).flip();
        NlMsgReader r = new NlMsgReader();
        // through reflection: the test is compiled inside module io.netkit.netlink, which does not read java.management
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        long sink = 0;
        for (int i = 0; i < 200_000; i++) { // warm up: let the JIT compile the decoder
            r.reset(buf, 0, msg.length);
            r.next();
            sink += Links.decode(r).mtu();
        }
        int n = 200_000;
        long tid = Thread.currentThread().getId();
        long before = (long) allocated.invoke(mx, tid);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r.reset(buf, 0, msg.length);
            r.next();
            sink += Links.decode(r).mtu();
        }
        long nanos = System.nanoTime() - t0;
        long perLink = ((long) allocated.invoke(mx, tid) - before) / n;
        System.out.printf("decode link: %d bytes allocated per Link, %.0f ns per message (%d)%n", perLink,
                (double) nanos / n, sink);
        // Link (~72 B) + name and alias (String + byte[] each, copied once by the reader: ~200 B)
        // + MacAddress (16 B) + RawAttributes (16 B + one array of ~40 B)
        assertThat(perLink).isLessThan(512);
    }

    @Test
    void encodingAVethCreateAllocatesNothing() throws Exception {
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        LinkSpec spec = LinkSpec.veth("veth123", "eth0").mtu(1450).group(7).up().peerMtu(1450);
        NlMsgWriter w = new NlMsgWriter();
        long sink = 0;
        for (int i = 0; i < 200_000; i++) {
            w.reset();
            w.beginMessage(RTM_NEWLINK, 0x601, i, 0);
            Links.writeCreate(w, spec, 3, 0, 0);
            w.endMessage();
            sink += w.length();
        }
        long tid = Thread.currentThread().getId();
        long before = (long) allocated.invoke(mx, tid);
        for (int i = 0; i < 200_000; i++) {
            w.reset();
            w.beginMessage(RTM_NEWLINK, 0x601, i, 0);
            Links.writeCreate(w, spec, 3, 0, 0);
            w.endMessage();
            sink += w.length();
        }
        long total = (long) allocated.invoke(mx, tid) - before;
        assertThat(sink).isPositive();
        assertThat(total).as("bytes allocated by 200000 veth-create encodings").isLessThan(200_000);
    }
}
