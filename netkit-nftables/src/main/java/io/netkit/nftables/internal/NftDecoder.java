package io.netkit.nftables.internal;

import static io.netkit.nftables.internal.NftConstants.*;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.nftables.Chain;
import io.netkit.nftables.Data;
import io.netkit.nftables.Expr;
import io.netkit.nftables.Family;
import io.netkit.nftables.Hook;
import io.netkit.nftables.NftSet;
import io.netkit.nftables.Rule;
import io.netkit.nftables.SetElement;
import io.netkit.nftables.SetType;
import io.netkit.nftables.Table;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads nf_tables messages the kernel sends ({@code NFT_MSG_NEWTABLE}, {@code NEWCHAIN}, {@code NEWRULE},
 * {@code NEWSET}, {@code NEWSETELEM}, {@code NEWGEN}) into values. Kernel records are untrusted input: every
 * read is bounds-checked, and anything malformed (a missing name, a short attribute, a value out of range)
 * becomes a {@link MalformedMessageException}; no other exception leaves these methods.
 *
 * <p>Objects of families or kinds netkit does not model (an {@code arp} table, a {@code netdev} chain) decode to
 * null so a caller can skip them; unknown expressions decode to {@link Expr.Unknown}.
 */
public final class NftDecoder {
    private NftDecoder() {}

    /** A table, or null for a family netkit does not model. */
    public static Table table(NlMsgReader m) {
        return guarded(m, () -> {
            Family f = Family.ofCode(m.u8(0));
            if (f == null) {
                return null;
            }
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            String name = null;
            while (a.next()) {
                if (a.type() == NFTA_TABLE_NAME) {
                    name = a.string();
                }
            }
            return new Table(f, required(name, "NFTA_TABLE_NAME", m));
        });
    }

    /** A chain, or null for a family or hook netkit does not model. */
    public static Chain chain(NlMsgReader m) {
        return guarded(m, () -> {
            Family f = Family.ofCode(m.u8(0));
            if (f == null) {
                return null;
            }
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            String table = null;
            String name = null;
            String type = null;
            int hook = -1;
            int priority = 0;
            int policy = NF_ACCEPT;
            while (a.next()) {
                switch (a.type()) {
                    case NFTA_CHAIN_TABLE -> table = a.string();
                    case NFTA_CHAIN_NAME -> name = a.string();
                    case NFTA_CHAIN_TYPE -> type = a.string();
                    case NFTA_CHAIN_POLICY -> policy = a.be32();
                    case NFTA_CHAIN_HOOK -> {
                        NlAttrReader h = a.nested();
                        while (h.next()) {
                            if (h.type() == NFTA_HOOK_HOOKNUM) {
                                hook = h.be32();
                            } else if (h.type() == NFTA_HOOK_PRIORITY) {
                                priority = h.be32();
                            }
                        }
                    }
                    default -> { }
                }
            }
            Table t = new Table(f, required(table, "NFTA_CHAIN_TABLE", m));
            required(name, "NFTA_CHAIN_NAME", m);
            if (hook < 0) {
                return Chain.regular(t, name);
            }
            Hook h = Hook.ofCode(hook);
            Chain.Type ct = Chain.Type.ofName(type);
            if (h == null || ct == null) {
                return null;
            }
            Chain.Policy p = policy == NF_DROP ? Chain.Policy.DROP : Chain.Policy.ACCEPT;
            return Chain.base(t, name, ct, h, priority, p);
        });
    }

    /** A rule, or null for a family netkit does not model. */
    public static Rule rule(NlMsgReader m) {
        return guarded(m, () -> {
            Family f = Family.ofCode(m.u8(0));
            if (f == null) {
                return null;
            }
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            String table = null;
            String chain = null;
            long handle = 0;
            String comment = "";
            List<Expr> exprs = new ArrayList<>();
            while (a.next()) {
                switch (a.type()) {
                    case NFTA_RULE_TABLE -> table = a.string();
                    case NFTA_RULE_CHAIN -> chain = a.string();
                    case NFTA_RULE_HANDLE -> handle = be64(a);
                    case NFTA_RULE_USERDATA -> comment = comment(a);
                    case NFTA_RULE_EXPRESSIONS -> {
                        NlAttrReader list = a.nested();
                        while (list.next()) {
                            if (list.type() == NFTA_LIST_ELEM) {
                                exprs.add(expr(list.nested()));
                            }
                        }
                    }
                    default -> { }
                }
            }
            return new Rule(new Table(f, required(table, "NFTA_RULE_TABLE", m)), required(chain, "NFTA_RULE_CHAIN", m),
                    exprs, comment, handle);
        });
    }

    /** A named set or map, or null for an anonymous set or a family netkit does not model. */
    public static NftSet set(NlMsgReader m) {
        return guarded(m, () -> {
            Family f = Family.ofCode(m.u8(0));
            if (f == null) {
                return null;
            }
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            String table = null;
            String name = null;
            int flags = 0;
            int keyType = 0;
            int keyLen = -1;
            int dataType = 0;
            int dataLen = 0;
            while (a.next()) {
                switch (a.type()) {
                    case NFTA_SET_TABLE -> table = a.string();
                    case NFTA_SET_NAME -> name = a.string();
                    case NFTA_SET_FLAGS -> flags = a.be32();
                    case NFTA_SET_KEY_TYPE -> keyType = a.be32();
                    case NFTA_SET_KEY_LEN -> keyLen = a.be32();
                    case NFTA_SET_DATA_TYPE -> dataType = a.be32();
                    case NFTA_SET_DATA_LEN -> dataLen = a.be32();
                    default -> { }
                }
            }
            if ((flags & NFT_SET_ANONYMOUS) != 0) {
                return null;
            }
            Table t = new Table(f, required(table, "NFTA_SET_TABLE", m));
            required(name, "NFTA_SET_NAME", m);
            if (keyLen < 0) {
                throw new IllegalArgumentException("set " + name + " has no NFTA_SET_KEY_LEN");
            }
            SetType key = setType(keyType, keyLen);
            if ((flags & NFT_SET_MAP) != 0) {
                return NftSet.map(t, name, key, setType(dataType, dataType == NFT_DATA_VERDICT ? 0 : dataLen));
            }
            return NftSet.set(t, name, key);
        });
    }

    /** The elements in one {@code NFT_MSG_NEWSETELEM} message. */
    public static List<SetElement> elements(NlMsgReader m) {
        return guarded(m, () -> {
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            List<SetElement> out = new ArrayList<>();
            while (a.next()) {
                if (a.type() != NFTA_SET_ELEM_LIST_ELEMENTS) {
                    continue;
                }
                NlAttrReader list = a.nested();
                while (list.next()) {
                    if (list.type() != NFTA_LIST_ELEM) {
                        continue;
                    }
                    NlAttrReader e = list.nested();
                    Data key = null;
                    Data value = null;
                    while (e.next()) {
                        if (e.type() == NFTA_SET_ELEM_KEY) {
                            key = dataValue(e);
                        } else if (e.type() == NFTA_SET_ELEM_DATA) {
                            value = dataValue(e);
                        }
                    }
                    if (key != null) {
                        out.add(new SetElement(key, Optional.ofNullable(value)));
                    }
                }
            }
            return out;
        });
    }

    /** The ruleset generation of an {@code NFT_MSG_NEWGEN} message. */
    public static long generation(NlMsgReader m) {
        Long g = guarded(m, () -> {
            NlAttrReader a = m.attributes(NFGENMSG_LEN);
            if (!a.seek(NFTA_GEN_ID)) {
                throw new MalformedMessageException("NFT_MSG_NEWGEN without NFTA_GEN_ID", m.offset());
            }
            return Integer.toUnsignedLong(a.be32());
        });
        return g;
    }

    // ---- expressions ----

    static Expr expr(NlAttrReader e) {
        String name = null;
        NlAttrReader data = null;
        byte[] raw = new byte[0];
        while (e.next()) {
            if (e.type() == NFTA_EXPR_NAME) {
                name = e.string();
            } else if (e.type() == NFTA_EXPR_DATA) {
                data = e.nested();
                raw = e.bytes();
            }
        }
        if (name == null) {
            throw new MalformedMessageException("expression without NFTA_EXPR_NAME", e.offset());
        }
        if (data == null) {
            data = new NlAttrReader(e.buffer(), 0, 0);
        }
        if (name.equals("match")) {
            Expr x = xtMatch(data);
            if (x != null) {
                return x;
            }
            data = data.rewind();
        }
        Expr known = known(name, data);
        return known != null ? known : new Expr.Unknown(name, HexFormat.of().formatHex(raw));
    }

    /** An x_tables match ({@code nft_compat}), or null when an attribute is missing or out of range. */
    private static Expr xtMatch(NlAttrReader d) {
        String name = null;
        int rev = -1;
        byte[] info = null;
        while (d.next()) {
            switch (d.type()) {
                case NFTA_MATCH_NAME -> name = d.string();
                case NFTA_MATCH_REV -> rev = d.be32();
                case NFTA_MATCH_INFO -> info = d.bytes();
                default -> { }
            }
        }
        if (name == null || info == null || rev < 0 || rev > 255 || name.isEmpty() || name.length() > 28
                || name.indexOf(0) >= 0) {
            return null;
        }
        return new Expr.XtMatch(name, rev, HexFormat.of().formatHex(info));
    }

    private static Expr known(String name, NlAttrReader d) {
        int[] v = new int[8];
        boolean[] has = new boolean[8];
        Data[] datas = new Data[8];
        int verdict = Integer.MIN_VALUE;
        String verdictChain = null;
        String setName = null;
        long[] counter = new long[3];
        while (d.next()) {
            int t = d.type();
            if (t >= has.length) {
                continue;
            }
            switch (name) {
                case "cmp" -> {
                    if (t == NFTA_CMP_DATA) {
                        datas[t] = dataValue(d);
                    } else {
                        v[t] = d.be32();
                    }
                }
                case "bitwise" -> {
                    if (t == NFTA_BITWISE_MASK || t == NFTA_BITWISE_XOR) {
                        datas[t] = dataValue(d);
                    } else if (t != NFTA_BITWISE_DATA_ATTR) {
                        v[t] = d.be32();
                    }
                }
                case "immediate" -> {
                    if (t == NFTA_IMMEDIATE_DATA) {
                        NlAttrReader n = d.nested();
                        while (n.next()) {
                            if (n.type() == NFTA_DATA_VALUE) {
                                datas[t] = data(n);
                            } else if (n.type() == NFTA_DATA_VERDICT) {
                                NlAttrReader vr = n.nested();
                                while (vr.next()) {
                                    if (vr.type() == NFTA_VERDICT_CODE) {
                                        verdict = vr.be32();
                                    } else if (vr.type() == NFTA_VERDICT_CHAIN) {
                                        verdictChain = vr.string();
                                    }
                                }
                            }
                        }
                    } else {
                        v[t] = d.be32();
                    }
                }
                case "counter" -> {
                    if (t == NFTA_COUNTER_BYTES || t == NFTA_COUNTER_PACKETS) {
                        counter[t] = be64(d);
                    }
                }
                case "lookup" -> {
                    if (t == NFTA_LOOKUP_SET) {
                        setName = d.string();
                    } else {
                        v[t] = d.be32();
                    }
                }
                case "ct" -> {
                    if (t == NFTA_CT_DIRECTION) {
                        v[t] = d.u8();
                    } else {
                        v[t] = d.be32();
                    }
                }
                case "meta", "payload", "masq", "nat", "fib" -> v[t] = d.be32();
                default -> {
                    return null;
                }
            }
            has[t] = true;
        }
        switch (name) {
            case "meta": {
                Expr.MetaKey k = Expr.MetaKey.ofCode(v[NFTA_META_KEY]);
                if (!has[NFTA_META_DREG] || !has[NFTA_META_KEY] || k == null) {
                    return null;   // a meta set, or a key netkit does not model
                }
                return new Expr.Meta(k, v[NFTA_META_DREG]);
            }
            case "payload": {
                if (!has[NFTA_PAYLOAD_DREG] || has[NFTA_PAYLOAD_SREG] || v[NFTA_PAYLOAD_BASE] < 0
                        || v[NFTA_PAYLOAD_BASE] > 2) {
                    return null;   // a payload write or an inner header
                }
                return new Expr.Payload(Expr.PayloadBase.values()[v[NFTA_PAYLOAD_BASE]], v[NFTA_PAYLOAD_OFFSET],
                        v[NFTA_PAYLOAD_LEN], v[NFTA_PAYLOAD_DREG]);
            }
            case "cmp": {
                if (v[NFTA_CMP_OP] < 0 || v[NFTA_CMP_OP] > 5) {
                    throw new IllegalArgumentException("cmp op " + v[NFTA_CMP_OP] + " unknown");
                }
                return new Expr.Cmp(v[NFTA_CMP_SREG], Expr.CmpOp.values()[v[NFTA_CMP_OP]],
                        requiredData(datas[NFTA_CMP_DATA], "NFTA_CMP_DATA"));
            }
            case "bitwise": {
                if (v[NFTA_BITWISE_OP] != NFT_BITWISE_BOOL || datas[NFTA_BITWISE_MASK] == null) {
                    return null;   // a shift, or a form netkit does not model
                }
                return new Expr.Bitwise(v[NFTA_BITWISE_SREG], v[NFTA_BITWISE_DREG], v[NFTA_BITWISE_LEN],
                        datas[NFTA_BITWISE_MASK], requiredData(datas[NFTA_BITWISE_XOR], "NFTA_BITWISE_XOR"));
            }
            case "ct": {
                Expr.CtKey k = Expr.CtKey.ofCode(v[NFTA_CT_KEY]);
                if (!has[NFTA_CT_DREG] || k == null || has[NFTA_CT_DIRECTION]) {
                    return null;
                }
                return new Expr.Ct(k, v[NFTA_CT_DREG]);
            }
            case "fib": {
                if (!has[NFTA_FIB_DREG] || v[NFTA_FIB_RESULT] < 1 || v[NFTA_FIB_RESULT] > 4) {
                    return null;
                }
                return new Expr.Fib(v[NFTA_FIB_RESULT], v[NFTA_FIB_FLAGS], v[NFTA_FIB_DREG]);
            }
            case "counter":
                return new Expr.Counter(counter[NFTA_COUNTER_PACKETS], counter[NFTA_COUNTER_BYTES]);
            case "immediate": {
                if (v[NFTA_IMMEDIATE_DREG] == NFT_REG_VERDICT) {
                    Expr.VerdictCode c = Expr.VerdictCode.ofCode(verdict);
                    if (c == null) {
                        return null;
                    }
                    return new Expr.Verdict(c, verdictChain);
                }
                return new Expr.Immediate(v[NFTA_IMMEDIATE_DREG], requiredData(datas[NFTA_IMMEDIATE_DATA], "NFTA_DATA_VALUE"));
            }
            case "masq":
                return new Expr.Masq(v[NFTA_MASQ_FLAGS], v[NFTA_MASQ_REG_PROTO_MIN], v[NFTA_MASQ_REG_PROTO_MAX]);
            case "nat": {
                Family f = Family.ofCode(v[NFTA_NAT_FAMILY]);
                if (v[NFTA_NAT_TYPE] < 0 || v[NFTA_NAT_TYPE] > 1 || f == null || f == Family.INET) {
                    return null;
                }
                return new Expr.Nat(Expr.NatType.values()[v[NFTA_NAT_TYPE]], f, v[NFTA_NAT_REG_ADDR_MIN],
                        v[NFTA_NAT_REG_ADDR_MAX], v[NFTA_NAT_REG_PROTO_MIN], v[NFTA_NAT_REG_PROTO_MAX], v[NFTA_NAT_FLAGS]);
            }
            case "lookup":
                return new Expr.Lookup(setName, v[NFTA_LOOKUP_SREG], v[NFTA_LOOKUP_DREG],
                        (v[NFTA_LOOKUP_FLAGS] & NFT_LOOKUP_F_INV) != 0);
            default:
                return null;
        }
    }

    /** {@code NFTA_BITWISE_DATA} (shift amount), read as nested data rather than a number. */
    private static final int NFTA_BITWISE_DATA_ATTR = 7;

    // ---- helpers ----

    private static Data dataValue(NlAttrReader a) {
        NlAttrReader n = a.nested();
        while (n.next()) {
            if (n.type() == NFTA_DATA_VALUE) {
                return data(n);
            }
        }
        return null;
    }

    private static Data data(NlAttrReader a) {
        int len = a.payloadLength();
        if (len < 1 || len > Data.MAX_LENGTH) {
            throw new MalformedMessageException("NFTA_DATA_VALUE of " + len + " bytes (need 1..64)", a.offset());
        }
        return Data.of(a.bytes());
    }

    private static Data requiredData(Data d, String what) {
        if (d == null) {
            throw new IllegalArgumentException("expression without " + what);
        }
        return d;
    }

    /** The comment in a rule's user data (TLVs of u8 type, u8 length, value), or "" without one. */
    static String comment(NlAttrReader a) {
        byte[] ud = a.bytes();
        int p = 0;
        while (p + 2 <= ud.length) {
            int type = ud[p] & 0xFF;
            int len = ud[p + 1] & 0xFF;
            if (p + 2 + len > ud.length) {
                throw new MalformedMessageException("rule user data TLV of " + len + " bytes overruns its "
                        + ud.length + "-byte attribute", a.offset());
            }
            if (type == NFTNL_UDATA_RULE_COMMENT) {
                int n = 0;
                while (n < len && ud[p + 2 + n] != 0) {
                    n++;
                }
                return new String(ud, p + 2, n, StandardCharsets.UTF_8);
            }
            p += 2 + len;
        }
        return "";
    }

    private static long be64(NlAttrReader a) {
        if (a.payloadLength() < 8) {
            throw new MalformedMessageException("64-bit attribute type " + a.type() + " of " + a.payloadLength()
                    + " bytes", a.offset());
        }
        long hi = Integer.toUnsignedLong(a.be32());
        byte[] b = a.bytes();
        long lo = ((b[4] & 0xFFL) << 24) | ((b[5] & 0xFFL) << 16) | ((b[6] & 0xFFL) << 8) | (b[7] & 0xFFL);
        return hi << 32 | lo;
    }

    private static SetType setType(int id, int len) {
        for (SetType t : List.of(SetType.IPV4_ADDR, SetType.IPV6_ADDR, SetType.INET_PROTO, SetType.INET_SERVICE,
                SetType.IFNAME, SetType.IPV4_ADDR_SERVICE)) {
            if (t.id() == id && t.length() == len) {
                return t;
            }
        }
        return new SetType(id, len, id == NFT_DATA_VERDICT ? "verdict" : "datatype " + Integer.toUnsignedString(id));
    }

    private static String required(String value, String attr, NlMsgReader m) {
        if (value == null) {
            throw new MalformedMessageException("message type " + m.type() + " without " + attr, m.offset());
        }
        return value;
    }

    /** Runs a decode step; any validation failure of the values becomes a MalformedMessageException. */
    private static <T> T guarded(NlMsgReader m, Supplier<T> step) {
        try {
            return step.get();
        } catch (MalformedMessageException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException | IllegalStateException
                 | IndexOutOfBoundsException e) {
            throw new MalformedMessageException("nf_tables message type " + (m.type() & 0xFF) + ": " + e.getMessage(),
                    m.offset());
        }
    }
}
