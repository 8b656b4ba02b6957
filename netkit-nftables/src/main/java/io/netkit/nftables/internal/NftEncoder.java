package io.netkit.nftables.internal;

import static io.netkit.nftables.internal.NftConstants.*;

import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.nftables.Chain;
import io.netkit.nftables.Data;
import io.netkit.nftables.Expr;
import io.netkit.nftables.NftSet;
import io.netkit.nftables.Rule;
import io.netkit.nftables.SetElement;
import io.netkit.nftables.Table;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the bodies (after the {@code nlmsghdr}) of nf_tables messages: {@code struct nfgenmsg}, then the
 * attributes, as {@code nft} (libnftnl) writes them: numbers big-endian, nests flagged {@code NLA_F_NESTED}.
 */
public final class NftEncoder {
    private NftEncoder() {}

    /** {@code struct nfgenmsg} of an nf_tables request: family, {@code NFNETLINK_V0}, res_id 0. */
    public static void nfgenmsg(NlMsgWriter w, int family) {
        w.u8(family).u8(NFNETLINK_V0).u8(0).u8(0);
    }

    /** Body of {@code NFNL_MSG_BATCH_BEGIN}/{@code END}: family unspec, res_id = {@code NFNL_SUBSYS_NFTABLES}, big-endian. */
    public static void batchHeader(NlMsgWriter w) {
        w.u8(0).u8(NFNETLINK_V0).u8(NFNL_SUBSYS_NFTABLES >>> 8).u8(NFNL_SUBSYS_NFTABLES & 0xFF);
    }

    /** Body of {@code NFNL_MSG_BATCH_BEGIN} valid only while the ruleset generation is {@code generation}. */
    public static void batchHeader(NlMsgWriter w, long generation) {
        batchHeader(w);
        w.attrBe32(NFNL_BATCH_GENID, (int) generation);
    }

    /** {@code NFT_MSG_NEWTABLE} / {@code DELTABLE}. */
    public static void table(NlMsgWriter w, Table t) {
        nfgenmsg(w, t.family().code());
        w.attrString(NFTA_TABLE_NAME, t.name());
        w.attrBe32(NFTA_TABLE_FLAGS, 0);
    }

    /** {@code NFT_MSG_DELTABLE}. */
    public static void tableRef(NlMsgWriter w, Table t) {
        nfgenmsg(w, t.family().code());
        w.attrString(NFTA_TABLE_NAME, t.name());
    }

    /** {@code NFT_MSG_NEWCHAIN}. */
    public static void chain(NlMsgWriter w, Chain c) {
        nfgenmsg(w, c.table().family().code());
        w.attrString(NFTA_CHAIN_TABLE, c.table().name());
        w.attrString(NFTA_CHAIN_NAME, c.name());
        if (c.base().isPresent()) {
            Chain.Base b = c.base().get();
            w.beginNested(NFTA_CHAIN_HOOK, true);
            w.attrBe32(NFTA_HOOK_HOOKNUM, b.hook().code());
            w.attrBe32(NFTA_HOOK_PRIORITY, b.priority());
            w.endNested();
            w.attrBe32(NFTA_CHAIN_POLICY, b.policy() == Chain.Policy.ACCEPT ? NF_ACCEPT : NF_DROP);
            w.attrString(NFTA_CHAIN_TYPE, b.type().nftName());
        }
    }

    /** {@code NFT_MSG_DELCHAIN}, or {@code NFT_MSG_DELRULE} of all rules of a chain (a flush). */
    public static void chainRef(NlMsgWriter w, Table t, String chain, boolean forRules) {
        nfgenmsg(w, t.family().code());
        w.attrString(forRules ? NFTA_RULE_TABLE : NFTA_CHAIN_TABLE, t.name());
        w.attrString(forRules ? NFTA_RULE_CHAIN : NFTA_CHAIN_NAME, chain);
    }

    /** {@code NFT_MSG_DELRULE} of one rule by handle. */
    public static void ruleRef(NlMsgWriter w, Rule r) {
        nfgenmsg(w, r.table().family().code());
        w.attrString(NFTA_RULE_TABLE, r.table().name());
        w.attrString(NFTA_RULE_CHAIN, r.chain());
        be64(w, NFTA_RULE_HANDLE, r.handle());
    }

    /** {@code NFT_MSG_NEWRULE}: table, chain, expressions and the comment as user data. */
    public static void rule(NlMsgWriter w, Rule r) {
        rule(w, r, null);
    }

    /**
     * {@code NFT_MSG_NEWRULE}, recording in {@code exprStarts} (if not null; one slot per expression, plus one for
     * the end of the list) the buffer offset where each expression's {@code NFTA_LIST_ELEM} starts.
     */
    public static void rule(NlMsgWriter w, Rule r, int[] exprStarts) {
        nfgenmsg(w, r.table().family().code());
        w.attrString(NFTA_RULE_TABLE, r.table().name());
        w.attrString(NFTA_RULE_CHAIN, r.chain());
        w.beginNested(NFTA_RULE_EXPRESSIONS, true);
        int k = 0;
        for (Expr e : r.expressions()) {
            if (exprStarts != null) {
                exprStarts[k++] = w.length();
            }
            w.beginNested(NFTA_LIST_ELEM, true);
            w.attrString(NFTA_EXPR_NAME, e.kernelName());
            w.beginNested(NFTA_EXPR_DATA, true);
            expr(w, e);
            w.endNested();
            w.endNested();
        }
        if (exprStarts != null) {
            exprStarts[k] = w.length();
        }
        w.endNested();
        if (!r.comment().isEmpty()) {
            w.attrBytes(NFTA_RULE_USERDATA, commentUserData(r.comment()));
        }
    }

    /** The user data TLV {@code nft} writes for a comment: type {@code NFTNL_UDATA_RULE_COMMENT}, length, text, NUL. */
    public static byte[] commentUserData(String comment) {
        byte[] text = comment.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 3];
        out[0] = (byte) NFTNL_UDATA_RULE_COMMENT;
        out[1] = (byte) (text.length + 1);
        System.arraycopy(text, 0, out, 2, text.length);
        return out;
    }

    /** {@code NFT_MSG_NEWSET}; {@code id} is the set's id within the transaction ({@code NFTA_SET_ID}). */
    public static void set(NlMsgWriter w, NftSet s, int id) {
        nfgenmsg(w, s.table().family().code());
        w.attrString(NFTA_SET_TABLE, s.table().name());
        w.attrString(NFTA_SET_NAME, s.name());
        w.attrBe32(NFTA_SET_FLAGS, s.isMap() ? NFT_SET_MAP : 0);
        w.attrBe32(NFTA_SET_KEY_TYPE, s.keyType().id());
        w.attrBe32(NFTA_SET_KEY_LEN, s.keyType().length());
        if (s.isMap()) {
            w.attrBe32(NFTA_SET_DATA_TYPE, s.dataType().get().id());
            w.attrBe32(NFTA_SET_DATA_LEN, s.dataType().get().length());
        }
        w.attrBe32(NFTA_SET_ID, id);
    }

    /** {@code NFT_MSG_DELSET}. */
    public static void setRef(NlMsgWriter w, NftSet s) {
        nfgenmsg(w, s.table().family().code());
        w.attrString(NFTA_SET_TABLE, s.table().name());
        w.attrString(NFTA_SET_NAME, s.name());
    }

    /** {@code NFT_MSG_NEWSETELEM}/{@code DELSETELEM} of {@code elements} ({@code withValues}: write map values). */
    public static void elements(NlMsgWriter w, NftSet s, List<SetElement> elements, boolean withValues) {
        nfgenmsg(w, s.table().family().code());
        w.attrString(NFTA_SET_ELEM_LIST_TABLE, s.table().name());
        w.attrString(NFTA_SET_ELEM_LIST_SET, s.name());
        w.beginNested(NFTA_SET_ELEM_LIST_ELEMENTS, true);
        for (SetElement e : elements) {
            w.beginNested(NFTA_LIST_ELEM, true);
            data(w, NFTA_SET_ELEM_KEY, e.key());
            if (withValues && e.value().isPresent()) {
                data(w, NFTA_SET_ELEM_DATA, e.value().get());
            }
            w.endNested();
        }
        w.endNested();
    }

    /** The {@code NFTA_EXPR_DATA} attributes of one expression. */
    static void expr(NlMsgWriter w, Expr e) {
        if (e instanceof Expr.Meta m) {
            w.attrBe32(NFTA_META_DREG, m.dreg());
            w.attrBe32(NFTA_META_KEY, m.key().code());
        } else if (e instanceof Expr.Payload p) {
            w.attrBe32(NFTA_PAYLOAD_DREG, p.dreg());
            w.attrBe32(NFTA_PAYLOAD_BASE, p.base().ordinal());
            w.attrBe32(NFTA_PAYLOAD_OFFSET, p.offset());
            w.attrBe32(NFTA_PAYLOAD_LEN, p.length());
        } else if (e instanceof Expr.Cmp c) {
            w.attrBe32(NFTA_CMP_SREG, c.sreg());
            w.attrBe32(NFTA_CMP_OP, c.op().ordinal());
            data(w, NFTA_CMP_DATA, c.data());
        } else if (e instanceof Expr.Bitwise b) {
            w.attrBe32(NFTA_BITWISE_SREG, b.sreg());
            w.attrBe32(NFTA_BITWISE_DREG, b.dreg());
            w.attrBe32(NFTA_BITWISE_LEN, b.length());
            data(w, NFTA_BITWISE_MASK, b.mask());
            data(w, NFTA_BITWISE_XOR, b.xor());
        } else if (e instanceof Expr.Ct c) {
            w.attrBe32(NFTA_CT_DREG, c.dreg());
            w.attrBe32(NFTA_CT_KEY, c.key().code());
        } else if (e instanceof Expr.Fib f) {
            w.attrBe32(NFTA_FIB_DREG, f.dreg());
            w.attrBe32(NFTA_FIB_RESULT, f.result());
            w.attrBe32(NFTA_FIB_FLAGS, f.flags());
        } else if (e instanceof Expr.Counter c) {
            be64(w, NFTA_COUNTER_BYTES, c.bytes());
            be64(w, NFTA_COUNTER_PACKETS, c.packets());
        } else if (e instanceof Expr.Immediate i) {
            w.attrBe32(NFTA_IMMEDIATE_DREG, i.dreg());
            data(w, NFTA_IMMEDIATE_DATA, i.data());
        } else if (e instanceof Expr.Verdict v) {
            w.attrBe32(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
            w.beginNested(NFTA_IMMEDIATE_DATA, true);
            w.beginNested(NFTA_DATA_VERDICT, true);
            w.attrBe32(NFTA_VERDICT_CODE, v.code().code());
            if (v.chain() != null) {
                w.attrString(NFTA_VERDICT_CHAIN, v.chain());
            }
            w.endNested();
            w.endNested();
        } else if (e instanceof Expr.Masq m) {
            if (m.flags() != 0) {
                w.attrBe32(NFTA_MASQ_FLAGS, m.flags());
            }
            if (m.protoMinReg() != 0) {
                w.attrBe32(NFTA_MASQ_REG_PROTO_MIN, m.protoMinReg());
            }
            if (m.protoMaxReg() != 0) {
                w.attrBe32(NFTA_MASQ_REG_PROTO_MAX, m.protoMaxReg());
            }
        } else if (e instanceof Expr.Nat n) {
            w.attrBe32(NFTA_NAT_TYPE, n.type().ordinal());
            w.attrBe32(NFTA_NAT_FAMILY, n.family().code());
            if (n.addrMinReg() != 0) {
                w.attrBe32(NFTA_NAT_REG_ADDR_MIN, n.addrMinReg());
            }
            if (n.addrMaxReg() != 0) {
                w.attrBe32(NFTA_NAT_REG_ADDR_MAX, n.addrMaxReg());
            }
            if (n.protoMinReg() != 0) {
                w.attrBe32(NFTA_NAT_REG_PROTO_MIN, n.protoMinReg());
            }
            if (n.protoMaxReg() != 0) {
                w.attrBe32(NFTA_NAT_REG_PROTO_MAX, n.protoMaxReg());
            }
            if (n.flags() != 0) {
                w.attrBe32(NFTA_NAT_FLAGS, n.flags());
            }
        } else if (e instanceof Expr.Lookup l) {
            w.attrString(NFTA_LOOKUP_SET, l.set());
            w.attrBe32(NFTA_LOOKUP_SREG, l.sreg());
            if (l.dreg() != 0) {
                w.attrBe32(NFTA_LOOKUP_DREG, l.dreg());
            }
            if (l.inverted()) {
                w.attrBe32(NFTA_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
            }
        } else if (e instanceof Expr.XtMatch x) {
            w.attrString(NFTA_MATCH_NAME, x.name());
            w.attrBe32(NFTA_MATCH_REV, x.revision());
            w.attrBytes(NFTA_MATCH_INFO, x.info());
        } else if (e instanceof Expr.Unknown u) {
            throw new IllegalArgumentException("expression \"" + u.name() + "\" was listed but is not modelled by netkit;"
                    + " it cannot be written back");
        }
    }

    private static void data(NlMsgWriter w, int type, Data d) {
        w.beginNested(type, true);
        w.attrBytes(NFTA_DATA_VALUE, d.bytes());
        w.endNested();
    }

    private static void be64(NlMsgWriter w, int type, long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (56 - 8 * i));
        }
        w.attrBytes(type, b);
    }
}
