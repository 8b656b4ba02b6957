package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.netlink.codec.RtnetlinkConstants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Input hardening without the kernel: codec lengths, errno names, digits of other scripts, names, timeouts. */
class HardeningTest {
    @Test
    void writerRefusesOverflowingLengthsBeforeWritingAHeader() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(16, 0, 1, 0);
        int before = w.length();
        byte[] small = new byte[8];
        // NLA_HDRLEN + (Integer.MAX_VALUE - 2) overflows to a negative length that passed the 0xFFFF check
        assertThatThrownBy(() -> w.attrBytes(3, small, 0, Integer.MAX_VALUE - 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> w.attrBytes(3, small, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> w.attrBytes(3, new byte[65532])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("65535");
        assertThatThrownBy(() -> w.zeros(-5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> w.bytes(small, 4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(w.length()).as("nothing written by the refused calls").isEqualTo(before);
        w.attrBytes(3, new byte[65531]);   // the largest attribute that fits
        assertThat(w.length()).isEqualTo(before + 65536);
    }

    @Test
    void errnoNameAndTextOfMinValue() {
        assertThat(Errno.name(Integer.MIN_VALUE)).isEqualTo("E2147483648");
        assertThat(Errno.text(Integer.MIN_VALUE)).isEqualTo("Unknown error 2147483648");
        assertThat(Errno.name(-17)).isEqualTo("EEXIST");
        assertThat(Errno.name(Integer.MAX_VALUE)).isEqualTo("E2147483647");
    }

    @Test
    void digitsOfOtherScriptsAreRefused() {
        assertThatThrownBy(() -> MacAddress.parse("\uFF102:42:ac:11:00:02")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MacAddress.parse("02:42:ac:11:00:0\u0662")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpAddresses.parse("fd00::\u0661")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpAddresses.parse("fd00::\uFF41")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpAddresses.parse("10.0.0.\u0661")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/\uFF18")).isInstanceOf(IllegalArgumentException.class);
        assertThat(MacAddress.parse("02:42:AC:11:00:02").toString()).isEqualTo("02:42:ac:11:00:02");
        assertThat(IpAddresses.format(IpAddresses.parse("FD00::A"))).isEqualTo("fd00::a");
    }

    @Test
    void namesNetkitCreatesAreStricterThanNamesItLooksUp() {
        for (String kernelAccepts : new String[] {"a\u2003b", "x\u0001y", "a%b", "\u00e91"}) {
            assertThat(InterfaceNames.validateExisting(kernelAccepts)).isEqualTo(kernelAccepts);
            assertThat(InterfaceNames.isValidExisting(kernelAccepts)).isTrue();
        }
        assertThatThrownBy(() -> InterfaceNames.validate("a\u2003b")).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> InterfaceNames.validate("x\u0001y")).hasMessageContaining("control");
        for (String kernelRefuses : new String[] {"", ".", "..", "a b", "a\tb", "a\u000bb", "a/b", "a:b", "a\u00a0",
            "abcdefghijklmnop"}) {
            assertThatThrownBy(() -> InterfaceNames.validateExisting(kernelRefuses))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid interface name");
        }
    }

    @Test
    void percentIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> InterfaceNames.validate("eth%d")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"eth%d\"").hasMessageContaining("'%'");
        assertThatThrownBy(() -> LinkSpec.veth("v%d", "p0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'%'");
        assertThatThrownBy(() -> LinkSpec.veth("v0", "p%d")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'%'");
        assertThatThrownBy(() -> LinkSpec.bridge("br%%")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subMicrosecondTimeoutsRoundUpInsteadOfBecomingNoTimeout() {
        assertThat(NetlinkSocket.timevalMicros(Duration.ofNanos(1))).isEqualTo(1);
        assertThat(NetlinkSocket.timevalMicros(Duration.ofNanos(999))).isEqualTo(1);
        assertThat(NetlinkSocket.timevalMicros(Duration.ofNanos(1001))).isEqualTo(2);
        assertThat(NetlinkSocket.timevalMicros(Duration.ofSeconds(30))).isEqualTo(30_000_000);
        assertThat(NetlinkSocket.timevalMicros(Duration.ofSeconds(Long.MAX_VALUE))).isPositive();
    }

    @Test
    void multipathDecodesItsHopsAndRefusesBadHopLengths() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(RtnetlinkConstants.RTM_NEWROUTE, 0, 1, 0);
        w.rtMsg(2, 24, 0, 0, 254, 3, 0, 1, 0);
        w.attrBytes(RtnetlinkConstants.RTA_DST, new byte[] {10, 9, 0, 0});
        w.attrU32(RtnetlinkConstants.RTA_PRIORITY, -1);
        w.beginNested(RtnetlinkConstants.RTA_MULTIPATH);
        w.beginNextHop(0, 1, 3).attrBytes(RtnetlinkConstants.RTA_GATEWAY, new byte[] {10, 1, 0, 2}).endNested();
        w.beginNextHop(4, 0, 4).endNested();
        w.endNested();
        w.endMessage();
        byte[] msg = w.toByteArray();
        Route r = Routes.decode(reader(msg));
        assertThat(r.nextHops()).containsExactly(new NextHop(IpAddresses.parse("10.1.0.2"), 3, 2, 0),
                new NextHop(null, 4, 1, 4));
        assertThat(r.gateway()).isNull();
        assertThat(r.metric()).isEqualTo(4294967295L);
        // the first hop's rtnh_len (at 16 + 12 + 8 + 8 + 4 = 48) made longer than the attribute
        ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder()).putShort(48, (short) 200);
        assertThatThrownBy(() -> Routes.decode(reader(msg))).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("rtnexthop length 200");
        ByteBuffer.wrap(msg).order(ByteOrder.nativeOrder()).putShort(48, (short) 3);
        assertThatThrownBy(() -> Routes.decode(reader(msg))).isInstanceOf(MalformedMessageException.class);
    }

    private static NlMsgReader reader(byte[] b) {
        NlMsgReader r = new NlMsgReader(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()));
        assertThat(r.next()).isTrue();
        return r;
    }
}
