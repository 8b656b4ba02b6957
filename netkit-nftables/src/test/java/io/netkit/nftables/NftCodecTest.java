package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.nftables.internal.NftConstants;
import io.netkit.nftables.internal.NftDecoder;
import io.netkit.nftables.internal.NftEncoder;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Golden bytes of the encoder, and encode-then-decode round trips of every value, without a kernel. */
class NftCodecTest {

    @Test
    void tablesAndChainsAreEqualByValue() {
        Table t = Table.of(Family.INET, "netkit");
        assertThat(Table.of(Family.INET, "netkit")).isEqualTo(t).hasSameHashCodeAs(t)
                .isNotEqualTo(Table.of(Family.IP, "netkit")).isNotEqualTo(Table.of(Family.INET, "other"));
        Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
        assertThat(Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT))
                .isEqualTo(fwd).hasSameHashCodeAs(fwd)
                .isNotEqualTo(Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.DROP))
                .isNotEqualTo(Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 10, Chain.Policy.ACCEPT))
                .isNotEqualTo(Chain.regular(t, "forward"));
        assertThat(Chain.regular(t, "fwd-1")).isEqualTo(Chain.regular(Table.of(Family.INET, "netkit"), "fwd-1"))
                .isNotEqualTo(Chain.regular(t, "fwd-2"));
    }

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void commentUserDataIsTheTlvNftWrites() {
        // libnftnl: u8 type NFTNL_UDATA_RULE_COMMENT (0), u8 length including the NUL, the text, NUL.
        assertThat(HEX.formatHex(NftEncoder.commentUserData("netkit:br0"))).isEqualTo("000b6e65746b69743a62723000");
    }

    @Test
    void batchBeginCarriesTheSubsystemBigEndian() {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(NftConstants.NFNL_MSG_BATCH_BEGIN, 1, 7, 0);
        NftEncoder.batchHeader(w);
        w.endMessage();
        byte[] b = w.toByteArray();
        assertThat(b).hasSize(20);
        assertThat(HEX.formatHex(b, 16, 20)).isEqualTo("0000000a");   // family 0, version 0, res_id htons(10)
    }

    @Test
    void aMetaCmpRuleHasTheAttributesNftSends() {
        Table t = Table.of(Family.INET, "t");
        Rule r = Rule.builder(Chain.regular(t, "c")).iifname("br0").build();
        byte[] b = message(NftConstants.msgType(NftConstants.NFT_MSG_NEWRULE), w -> NftEncoder.rule(w, r));
        String hex = HEX.formatHex(b);
        // nfgenmsg: inet(1), v0, res_id 0
        assertThat(hex.substring(32, 40)).isEqualTo("01000000");
        // NFTA_RULE_TABLE "t": len 6, type 1
        assertThat(hex.substring(40, 56)).isEqualTo("0600010074000000");
        // the expression list is nested and flagged NLA_F_NESTED (0x8004), its first element a "meta" expression
        assertThat(hex).contains("04800000".substring(0, 4) + "").contains("6d65746100");   // "meta\0"
        // NFTA_META_KEY = be32 6 (iifname), NFTA_META_DREG = be32 1
        assertThat(hex).contains("0800020000000006").contains("0800010000000001");
        // cmp data: "br0" padded to IFNAMSIZ
        assertThat(hex).contains("62723000000000000000000000000000");
    }

    @Test
    void everyValueRoundTripsThroughTheCodec() throws Exception {
        Table t = Table.of(Family.INET, "netkit");
        Chain base = Chain.base(t, "f", Chain.Type.FILTER, Hook.FORWARD, -5, Chain.Policy.DROP);
        Chain reg = Chain.regular(t, "r");
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWTABLE, w -> NftEncoder.table(w, t), NftDecoder::table)).isEqualTo(t);
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWCHAIN, w -> NftEncoder.chain(w, base), NftDecoder::chain)).isEqualTo(base);
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWCHAIN, w -> NftEncoder.chain(w, reg), NftDecoder::chain)).isEqualTo(reg);
        List<Rule> rules = List.of(
                Rule.builder(base).iifnameNot("eth0").saddr(IpPrefix.parse("10.0.0.0/9")).daddrNot(IpPrefix.parse("fd00::/56"))
                        .sport(RuleBuilder.UDP, 53).ctState(CtState.NEW, CtState.UNTRACKED).counter().jump("r").comment("ü ok").build(),
                Rule.builder(reg).dnat(InetAddress.getByName("fd00::2"), 443).build(),
                Rule.builder(reg).snat(InetAddress.getByName("192.0.2.1"), 1000).build(),
                Rule.builder(reg).dportIn(RuleBuilder.TCP, "s").goTo("x").build(),
                Rule.builder(reg).expr(new Expr.Lookup("s", 1, 0, true), new Expr.Masq(4, 1, 2)).ret().build());
        for (Rule r : rules) {
            assertThat(roundTrip(NftConstants.NFT_MSG_NEWRULE, w -> NftEncoder.rule(w, r), NftDecoder::rule)).isEqualTo(r);
        }
        NftSet map = NftSet.map(t, "m", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWSET, w -> NftEncoder.set(w, map, 1), NftDecoder::set)).isEqualTo(map);
        List<SetElement> els = List.of(SetElement.portToIpv4(1, InetAddress.getByName("10.0.0.1"), 2));
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWSETELEM, w -> NftEncoder.elements(w, map, els, true), NftDecoder::elements))
                .isEqualTo(els);
    }

    @Test
    void aRuleWithoutItsTableIsMalformedNotAnNpe() {
        byte[] b = message(NftConstants.msgType(NftConstants.NFT_MSG_NEWRULE), w -> {
            NftEncoder.nfgenmsg(w, 1);
            w.attrString(NftConstants.NFTA_RULE_CHAIN, "c");
        });
        NlMsgReader r = reader(b);
        assertThatThrownBy(() -> NftDecoder.rule(r)).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("NFTA_RULE_TABLE");
    }

    @Test
    void userDataThatOverrunsIsMalformed() {
        byte[] b = message(NftConstants.msgType(NftConstants.NFT_MSG_NEWRULE), w -> {
            NftEncoder.nfgenmsg(w, 1);
            w.attrString(NftConstants.NFTA_RULE_TABLE, "t");
            w.attrString(NftConstants.NFTA_RULE_CHAIN, "c");
            w.attrBytes(NftConstants.NFTA_RULE_USERDATA, new byte[] {0, 40, 'x'});
        });
        NlMsgReader r = reader(b);
        assertThatThrownBy(() -> NftDecoder.rule(r)).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("overruns");
    }

    @Test
    void theConntrackMatchIsXtConntrackRevision3WithTheStateMaskIptablesWrites() {
        Expr.XtMatch m = Expr.XtMatch.conntrackState(CtState.ESTABLISHED, CtState.RELATED);
        byte[] info = m.info();
        assertThat(m.name()).isEqualTo("conntrack");
        assertThat(m.revision()).isEqualTo(3);
        // struct xt_conntrack_mtinfo3: 164 bytes, XT_ALIGN'ed to 168; match_flags (offset 146) = XT_CONNTRACK_STATE,
        // state_mask (offset 150) = XT_CONNTRACK_STATE_BIT(ESTABLISHED) | ..._BIT(RELATED) = 2 | 4, host order.
        assertThat(info).hasSize(168);
        ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder());
        assertThat(b.getShort(146)).isEqualTo((short) 1);
        assertThat(b.getShort(150)).isEqualTo((short) 6);
        Table t = Table.of(Family.IP, "filter");
        Rule r = Rule.builder(Chain.regular(t, "FORWARD")).oifname("br0").expr(m).accept().comment("netkit:x").build();
        assertThat(roundTrip(NftConstants.NFT_MSG_NEWRULE, w -> NftEncoder.rule(w, r), NftDecoder::rule)).isEqualTo(r);
        assertThat(HEX.formatHex(message(NftConstants.msgType(NftConstants.NFT_MSG_NEWRULE), w -> NftEncoder.rule(w, r))))
                .contains(HEX.formatHex("match\0".getBytes())).contains(HEX.formatHex("conntrack\0".getBytes()));
    }

    private static <T> T roundTrip(int msg, Consumer<NlMsgWriter> body, Function<NlMsgReader, T> decode) {
        return decode.apply(reader(message(NftConstants.msgType(msg), body)));
    }

    private static byte[] message(int type, Consumer<NlMsgWriter> body) {
        NlMsgWriter w = new NlMsgWriter();
        w.beginMessage(type, 0, 1, 0);
        body.accept(w);
        w.endMessage();
        return w.toByteArray();
    }

    private static NlMsgReader reader(byte[] b) {
        ByteBuffer buf = ByteBuffer.allocateDirect(b.length).order(ByteOrder.nativeOrder());
        buf.put(b).flip();
        NlMsgReader r = new NlMsgReader(buf);
        assertThat(r.next()).isTrue();
        return r;
    }
}
