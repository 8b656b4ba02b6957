package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel's extended ack beyond its text: the offending attribute ({@code NLMSGERR_ATTR_OFFS}), missing
 * attributes ({@code MISS_TYPE}/{@code MISS_NEST}) and warnings sent with a successful ack.
 */
class ExtAckTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void missingAttributeWithoutTextIsNamed() {
        NlMsgWriter request = new NlMsgWriter();
        request.beginMessage(RtnetlinkConstants.RTM_NEWLINK, 0, 9, 0);
        request.ifInfoMsg(0, 0, 0, 0, 0);
        request.beginNested(IfLinkConstants.IFLA_LINKINFO).attrString(IfLinkConstants.IFLA_INFO_KIND, "vxlan")
                .endNested();
        request.endMessage();
        // what a newer kernel answers: error, the capped request header, then MISS_TYPE and MISS_NEST, no MSG
        NlMsgWriter ack = new NlMsgWriter();
        ack.beginMessage(NetlinkConstants.NLMSG_ERROR, NetlinkConstants.NLM_F_CAPPED | NetlinkConstants.NLM_F_ACK_TLVS,
                9, 0);
        ack.u32(-Errno.EINVAL);
        ack.bytes(request.toByteArray(), 0, NetlinkConstants.NLMSG_HDRLEN);
        ack.attrU32(NetlinkConstants.NLMSGERR_ATTR_MISS_TYPE, 1);
        ack.attrU32(NetlinkConstants.NLMSGERR_ATTR_MISS_NEST, 32);
        ack.endMessage();
        NlMsgReader r = new NlMsgReader(ByteBuffer.wrap(ack.toByteArray()).order(ByteOrder.nativeOrder()));
        assertThat(r.next()).isTrue();
        assertThat(NetlinkSocket.extAck(r, request, 0))
                .isEqualTo("missing attribute type 1 inside type 18 at byte 32 of the request");
    }

    @Test
    @Privileged
    void offendingAttributeIsNamed() {
        NetNamespace ns = namespaces.create("extack");
        NetlinkSocket s = ns.netlink().socket();
        assertThatThrownBy(() -> s.execute("create link", "bad0", RtnetlinkConstants.RTM_NEWLINK,
                NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL, w -> {
                    w.ifInfoMsg(0, 0, 0, 0, 0);
                    w.attrString(IfLinkConstants.IFLA_IFNAME, "bad0");
                    w.attrU16(IfLinkConstants.IFLA_MTU, 1400);   // IFLA_MTU is a u32: policy validation fails
                })).isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.errnoName()).isIn("EINVAL", "ERANGE");
                    assertThat(e.extAck()).contains("offending attribute: type 4 at byte 44 of the request");
                });
    }

    @Test
    @Privileged
    void warningWithSuccessfulAckIsSurfaced() {
        NetNamespace ns = namespaces.create("warn");
        RtNetlink rt = ns.netlink();
        rt.links().create(LinkSpec.veth("w0", "w1"));
        int index = rt.links().index("w0");
        NetlinkSocket s = rt.socket();
        assertThat(s.lastWarning()).isEmpty();
        // tc qdisc add dev w0 root handle 1: htb
        s.execute("add qdisc", "w0", 36 /* RTM_NEWQDISC */, NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL,
                w -> {
                    tcMsg(w, index, 0x10000, 0xFFFFFFFF);
                    w.attrString(1 /* TCA_KIND */, "htb");
                    w.beginNested(2 /* TCA_OPTIONS */);
                    w.attrBytes(2 /* TCA_HTB_INIT */, glob());
                    w.endNested();
                });
        assertThat(s.lastWarning()).isEmpty();
        // tc class add dev w0 parent 1: classid 1:1 htb rate 10kbit -> "Warning: sch_htb: quantum ... is small"
        s.execute("add class", "w0 1:1", 40 /* RTM_NEWTCLASS */, NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL,
                w -> {
                    tcMsg(w, index, 0x10001, 0x10000);
                    w.attrString(1, "htb");
                    w.beginNested(2);
                    w.attrBytes(1 /* TCA_HTB_PARMS */, htbOpt(1250));
                    w.endNested();
                });
        assertThat(s.lastWarning()).hasValueSatisfying(t -> assertThat(t).startsWith("add class w0 1:1: kernel warning: ")
                .contains("quantum of class 10001 is small"));
    }

    private static void tcMsg(NlMsgWriter w, int ifindex, int handle, int parent) {
        w.u8(0).u8(0).u16(0).u32(ifindex).u32(handle).u32(parent).u32(0);
    }

    /** struct tc_htb_glob: version 3, rate2quantum 10, defcls, debug, direct_pkts. */
    private static byte[] glob() {
        return ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(3).putInt(10).putInt(0).putInt(0)
                .putInt(0).array();
    }

    /** struct tc_htb_opt with rate = ceil = {@code bytesPerSecond}, link layer Ethernet (no rate table needed). */
    private static byte[] htbOpt(int bytesPerSecond) {
        ByteBuffer b = ByteBuffer.allocate(44).order(ByteOrder.nativeOrder());
        for (int i = 0; i < 2; i++) {   // rate, ceil: struct tc_ratespec
            b.put((byte) 0).put((byte) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putInt(bytesPerSecond);
        }
        b.putInt(100000).putInt(100000).putInt(0).putInt(0).putInt(0);   // buffer, cbuffer, quantum, level, prio
        return b.array();
    }
}
