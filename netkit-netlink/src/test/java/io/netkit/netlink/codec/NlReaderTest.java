package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.NetlinkConstants.NLA_F_NESTED;
import static io.netkit.netlink.codec.NetlinkConstants.NLA_F_NET_BYTEORDER;
import static io.netkit.netlink.codec.NetlinkConstants.NLMSG_ERROR;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK_TLVS;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CAPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NlReaderTest {

    private static ByteBuffer nb(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    @Test
    void attributeLengthZeroIsRejectedNotLoopedOn() {
        ByteBuffer b = nb(8);
        b.putShort(0, (short) 0).putShort(2, (short) 1);
        NlAttrReader a = new NlAttrReader(b, 0, 8);
        assertThatThrownBy(a::next).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("attribute length 0").hasMessageContaining("offset 0");
        assertThat(a.next()).isFalse();   // exhausted after the error: a caller loop ends
    }

    @Test
    void attributeLongerThanRegionIsRejectedWithItsOffset() {
        ByteBuffer b = nb(16);
        b.putShort(0, (short) 8).putShort(2, (short) 1);
        b.putShort(8, (short) 9).putShort(10, (short) 2);
        NlAttrReader a = new NlAttrReader(b, 0, 16);
        assertThat(a.next()).isTrue();
        MalformedMessageException e = org.junit.jupiter.api.Assertions.assertThrows(MalformedMessageException.class, a::next);
        assertThat(e.offset()).isEqualTo(8);
    }

    @Test
    void lengthIsReadUnsigned() {
        ByteBuffer b = nb(8);
        b.putShort(0, (short) 0xFFF0).putShort(2, (short) 1);
        assertThatThrownBy(() -> new NlAttrReader(b, 0, 8).next()).hasMessageContaining("65520");
    }

    @Test
    void flagsAreMaskedAndRepeatedAndUnknownAttributesKept() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(0x10, 0, 0, 0);
        w.attrU32(5, 1).attrU32(5, 2).attrU32(999, 3);
        w.attrU16(7 | NLA_F_NET_BYTEORDER, 0x0102);
        w.beginNested(9, true).attrU8(1, 42).endNested();
        w.endMessage();
        NlMsgReader r = new NlMsgReader(w.buffer());
        r.next();
        NlAttrReader a = r.attributes(0);
        List<String> seen = new ArrayList<>();
        while (a.next()) {
            seen.add(a.type() + (a.nestedFlag() ? "N" : "") + (a.netByteOrderFlag() ? "B" : ""));
            if (a.type() == 9) {
                NlAttrReader n = a.nested();
                assertThat(n.next()).isTrue();
                assertThat(n.u8()).isEqualTo(42);
                assertThat(a.rawType()).isEqualTo(9 | NLA_F_NESTED);
            }
        }
        assertThat(seen).containsExactly("5", "5", "999", "7B", "9N");
    }

    @Test
    void accessorsCheckPayloadLength() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(0x10, 0, 0, 0);
        w.attrU16(1, 5).endMessage();
        NlMsgReader r = new NlMsgReader(w.buffer());
        r.next();
        NlAttrReader a = r.attributes(0);
        a.next();
        assertThat(a.u16()).isEqualTo(5);
        assertThat(a.u8()).isEqualTo(5);
        assertThatThrownBy(a::u32).isInstanceOf(MalformedMessageException.class).hasMessageContaining("need 4");
        assertThatThrownBy(a::u64).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> a.nested(16, new NlAttrReader())).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void messageHeaderChecks() {
        ByteBuffer b = nb(20);
        b.putInt(0, 12);   // < 16
        assertThatThrownBy(() -> new NlMsgReader().reset(b, 0, 20).next()).isInstanceOf(MalformedMessageException.class);
        b.putInt(0, 24);   // > remaining
        assertThatThrownBy(() -> new NlMsgReader().reset(b, 0, 20).next()).hasMessageContaining("outside [16, 20]");
        b.putInt(0, 0x80000010); // huge, unsigned
        assertThatThrownBy(() -> new NlMsgReader().reset(b, 0, 20).next()).hasMessageContaining("2147483664");
        assertThatThrownBy(() -> new NlMsgReader().reset(b, 0, 10).next()).hasMessageContaining("truncated nlmsghdr");
        b.putInt(0, 16);
        NlMsgReader r = new NlMsgReader().reset(b, 0, 16);
        assertThat(r.next()).isTrue();
        assertThatThrownBy(() -> r.u32(0)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> r.attributes(16)).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void extAckOfCappedError() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, 1234);
        w.u32(-95);                                    // error = -EOPNOTSUPP
        w.u32(48).u16(16).u16(0x605).u32(5).u32(0);    // echoed request header only (capped)
        w.attrString(NetlinkConstants.NLMSGERR_ATTR_MSG, "Unknown device type");
        w.attrU32(NetlinkConstants.NLMSGERR_ATTR_OFFS, 36);
        w.endMessage();
        NlMsgReader r = new NlMsgReader(w.buffer());
        r.next();
        assertThat(r.errorCode()).isEqualTo(-95);
        assertThat(r.errorRequestSeq()).isEqualTo(5);
        assertThat(r.extAckMessage()).isEqualTo("Unknown device type");
    }

    @Test
    void extAckOfUncappedErrorSkipsTheEchoedRequest() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(NLMSG_ERROR, NLM_F_ACK_TLVS, 5, 1234);
        w.u32(-17);
        w.u32(20).u16(16).u16(5).u32(5).u32(0).u32(0xdeadbeef);  // whole 20-byte request echoed
        w.attrString(NetlinkConstants.NLMSGERR_ATTR_MSG, "exists");
        w.endMessage();
        NlMsgReader r = new NlMsgReader(w.buffer());
        r.next();
        assertThat(r.extAckMessage()).isEqualTo("exists");
        // and a lying echoed length is caught, not followed
        w.reset();
        w.beginMessage(NLMSG_ERROR, NLM_F_ACK_TLVS, 5, 0);
        w.u32(-17).u32(4000).u16(16).u16(5).u32(5).u32(0).endMessage();
        NlMsgReader r2 = new NlMsgReader(w.buffer());
        r2.next();
        assertThatThrownBy(r2::extAckMessage).isInstanceOf(MalformedMessageException.class);
    }

    @Test
    void nonNativeOrderBufferIsNotFlipped() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(0x10, 0, 0, 0);
        w.attrU32(1, 77).endMessage();
        ByteBuffer other = ByteBuffer.allocate(w.length()).order(
                ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        other.put(w.toByteArray()).flip();
        ByteOrder before = other.order();
        NlMsgReader r = new NlMsgReader(other);
        assertThat(r.next()).isTrue();
        NlAttrReader a = r.attributes(0);
        a.next();
        assertThat(a.u32()).isEqualTo(77);
        assertThat(other.order()).isEqualTo(before);
    }
}
