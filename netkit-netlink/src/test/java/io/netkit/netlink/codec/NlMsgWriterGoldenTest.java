package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.IfAddrConstants.IFA_ADDRESS;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_BROADCAST;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_LOCAL;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_PORT;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RT_SCOPE_UNIVERSE;
import static io.netkit.netlink.codec.VethConstants.VETH_INFO_PEER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes derived by hand from the uapi layouts (struct nlmsghdr, ifinfomsg, ifaddrmsg, nlattr;
 * NLA_ALIGN to 4), for a little-endian host.
 */
class NlMsgWriterGoldenTest {

    @BeforeAll
    static void littleEndianOnly() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "golden bytes are written for little-endian hosts");
    }

    private static String hex(NlMsgWriter w) {
        return HexFormat.of().formatHex(w.toByteArray());
    }

    /** ip link add veth0 type veth peer name eth0 */
    @Test
    void vethCreateWithNestedPeer() {
        NlMsgWriter w = new NlMsgWriter(32);   // small on purpose: forces growth
        w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, 0);
        w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "veth0");
        w.beginNested(IFLA_LINKINFO);
        w.attrString(IFLA_INFO_KIND, "veth");
        w.beginNested(IFLA_INFO_DATA);
        w.beginNested(VETH_INFO_PEER);
        w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "eth0");
        w.endNested().endNested().endNested();
        w.endMessage();

        String expected = ""
                // nlmsghdr: len 96, type 16 (RTM_NEWLINK), flags 0x605, seq 1, pid 0
                + "60000000" + "1000" + "0506" + "01000000" + "00000000"
                // ifinfomsg: family 0, pad, type 0, index 0, flags 0, change 0
                + "00" + "00" + "0000" + "00000000" + "00000000" + "00000000"
                // IFLA_IFNAME (3) len 10 "veth0\0" + 2 bytes padding
                + "0a00" + "0300" + "7665746830" + "00" + "0000"
                // IFLA_LINKINFO (18) len 52
                + "3400" + "1200"
                //   IFLA_INFO_KIND (1) len 9 "veth\0" + 3 padding
                + "0900" + "0100" + "76657468" + "00" + "000000"
                //   IFLA_INFO_DATA (2) len 36
                + "2400" + "0200"
                //     VETH_INFO_PEER (1) len 32: ifinfomsg + IFLA_IFNAME
                + "2000" + "0100"
                + "00000000" + "00000000" + "00000000" + "00000000"
                //       IFLA_IFNAME (3) len 9 "eth0\0" + 3 padding
                + "0900" + "0300" + "65746830" + "00" + "000000";
        assertThat(hex(w)).isEqualTo(expected);
        assertThat(w.length()).isEqualTo(96);
    }

    /** ip addr add 172.16.0.2/24 broadcast 172.16.0.255 dev ifindex 7 */
    @Test
    void ipv4AddressAdd() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 0x01020304, 0);
        w.ifAddrMsg(AF_INET, 24, 0, RT_SCOPE_UNIVERSE, 7);
        byte[] ip = {(byte) 172, 16, 0, 2};
        w.attrBytes(IFA_LOCAL, ip).attrBytes(IFA_ADDRESS, ip);
        w.attrBytes(IFA_BROADCAST, new byte[] {(byte) 172, 16, 0, (byte) 255});
        w.endMessage();
        String expected = "30000000" + "1400" + "0506" + "04030201" + "00000000"
                + "02" + "18" + "00" + "00" + "07000000"
                + "0800" + "0200" + "ac100002"
                + "0800" + "0100" + "ac100002"
                + "0800" + "0400" + "ac1000ff";
        assertThat(hex(w)).isEqualTo(expected);
    }

    @Test
    void scalarsAndNetworkOrder() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST, 0, 0);
        w.attrU8(1, 0xAB).attrU16(2, 0x1234).attrBe16(IFLA_VXLAN_PORT, 4789).attrU32(IFLA_MTU, 1400)
                .attrU64(5, 0x0102030405060708L).attrFlag(6).attrBe32(7, 0x0A000001);
        w.endMessage();
        String expected = "48000000" + "1000" + "0100" + "00000000" + "00000000"   // len 72 = 16 + 56
                + "0500" + "0100" + "ab000000"
                + "0600" + "0200" + "34120000"
                + "0600" + "0f00" + "12b50000"      // 4789 = 0x12b5, big-endian
                + "0800" + "0400" + "78050000"
                + "0c00" + "0500" + "0807060504030201"
                + "0400" + "0600"
                + "0800" + "0700" + "0a000001";
        assertThat(hex(w)).isEqualTo(expected);
    }

    @Test
    void nestedFlagIsSetOnlyWhenAsked() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWLINK, 0, 0, 0);
        w.beginNested(IFLA_LINKINFO, true).endNested();
        w.endMessage();
        assertThat(hex(w)).endsWith("0400" + "1280");
    }

    @Test
    void batchOfMessagesAndSeqPatch() {
        NlMsgWriter w = new NlMsgWriter();
        int a = w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST, 0, 0);
        w.attrU8(1, 1).endMessage();
        int b = w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST, 0, 0);
        w.attrString(IFLA_IFNAME, "x").endMessage();
        w.patchSeq(a, 7);
        w.patchSeq(b, 8);
        assertThat(a).isZero();
        assertThat(b).isEqualTo(24);
        NlMsgReader r = new NlMsgReader(w.buffer());
        assertThat(r.next()).isTrue();
        assertThat(r.seq()).isEqualTo(7);
        assertThat(r.next()).isTrue();
        assertThat(r.seq()).isEqualTo(8);
        assertThat(r.attributes(0).seek(IFLA_IFNAME)).isTrue();
        assertThat(r.next()).isFalse();
    }

    @Test
    void resetReusesTheBufferAndWritesNoStaleBytes() {
        NlMsgWriter w = new NlMsgWriter(64);
        w.beginMessage(RTM_NEWLINK, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "abcdefghijklmno").endMessage();
        ByteBuffer first = w.rawBuffer();
        w.reset();
        w.beginMessage(RTM_NEWLINK, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "a").endMessage();   // padding must be zero, not "cde" from before
        assertThat(w.rawBuffer()).isSameAs(first);
        assertThat(hex(w)).endsWith("0600" + "0300" + "6100" + "0000");
    }

    @Test
    void misuseIsRejected() {
        NlMsgWriter w = new NlMsgWriter();
        assertThatThrownBy(() -> w.attrU32(1, 1)).isInstanceOf(IllegalStateException.class);
        w.beginMessage(RTM_NEWLINK, 0, 0, 0);
        assertThatThrownBy(() -> w.beginMessage(RTM_NEWLINK, 0, 0, 0)).isInstanceOf(IllegalStateException.class);
        w.beginNested(IFLA_LINKINFO);
        assertThatThrownBy(w::endMessage).hasMessageContaining("nested");
        w.endNested();
        assertThatThrownBy(w::endNested).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.attrString(IFLA_IFNAME, "a\0b")).isInstanceOf(IllegalArgumentException.class);
        w.endMessage();
        assertThat(new NlMsgReader(w.buffer()).next()).isTrue();
    }

    @Test
    void utf8Strings() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RTM_NEWLINK, 0, 0, 0);
        w.ifInfoMsg(0, 0, 0, 0, 0).attrString(20, "grüße").endMessage();
        NlMsgReader r = new NlMsgReader(w.buffer());
        r.next();
        NlAttrReader a = r.attributes(IFINFOMSG_LEN);
        assertThat(a.next()).isTrue();
        assertThat(a.string()).isEqualTo("grüße");
    }
}
