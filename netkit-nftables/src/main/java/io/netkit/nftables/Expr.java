package io.netkit.nftables;

import java.util.Objects;

/**
 * One nf_tables expression of a rule, as the kernel sees it (what {@code nft --debug=netlink} prints). Rules
 * are usually built with {@link Rule#builder(Chain)}, which emits the same expression sequences as {@code nft};
 * these values are what a listed rule decodes into, and the building blocks for anything the builder lacks.
 *
 * <p>Registers: {@code 0} is the verdict register, {@code 1..4} the 16-byte registers ({@code NFT_REG_1..4}),
 * {@code 8..23} the 4-byte ones ({@code NFT_REG32_00..15}); the kernel lists a register in that same numbering.
 */
public sealed interface Expr {

    /** The expression's kernel name ({@code NFTA_EXPR_NAME}), e.g. {@code "meta"}. */
    String kernelName();

    /** {@code meta load KEY => reg DREG}: e.g. {@code iifname}, {@code l4proto}, {@code nfproto}. */
    record Meta(MetaKey key, int dreg) implements Expr {
        /** Validates the arguments. */
        public Meta {
            Objects.requireNonNull(key, "key == null");
            Registers.check("dreg", dreg);
        }

        @Override
        public String kernelName() {
            return "meta";
        }
    }

    /** {@code payload load LEN b @ BASE header + OFFSET => reg DREG}. */
    record Payload(PayloadBase base, int offset, int length, int dreg) implements Expr {
        /** Validates the arguments. */
        public Payload {
            Objects.requireNonNull(base, "base == null");
            if (offset < 0 || offset > 0xFFFF) {
                throw new IllegalArgumentException("payload offset " + offset + " out of range 0..65535");
            }
            if (length < 1 || length > Data.MAX_LENGTH) {
                throw new IllegalArgumentException("payload length " + length + " out of range 1..64");
            }
            Registers.check("dreg", dreg);
        }

        @Override
        public String kernelName() {
            return "payload";
        }
    }

    /** {@code cmp OP reg SREG DATA}: compares a register with constant data; no match ends the rule. */
    record Cmp(int sreg, CmpOp op, Data data) implements Expr {
        /** Validates the arguments. */
        public Cmp {
            Registers.check("sreg", sreg);
            Objects.requireNonNull(op, "op == null");
            Objects.requireNonNull(data, "data == null");
        }

        @Override
        public String kernelName() {
            return "cmp";
        }
    }

    /** {@code bitwise reg DREG = (reg=SREG & MASK) ^ XOR}, over {@code length} bytes. */
    record Bitwise(int sreg, int dreg, int length, Data mask, Data xor) implements Expr {
        /** Validates the arguments. */
        public Bitwise {
            Registers.check("sreg", sreg);
            Registers.check("dreg", dreg);
            Objects.requireNonNull(mask, "mask == null");
            Objects.requireNonNull(xor, "xor == null");
            if (mask.length() != length || xor.length() != length) {
                throw new IllegalArgumentException("bitwise over " + length + " bytes needs mask and xor of that length, got "
                        + mask.length() + " and " + xor.length());
            }
        }

        @Override
        public String kernelName() {
            return "bitwise";
        }
    }

    /** {@code ct load KEY => reg DREG}, e.g. {@code ct state}. */
    record Ct(CtKey key, int dreg) implements Expr {
        /** Validates the arguments. */
        public Ct {
            Objects.requireNonNull(key, "key == null");
            Registers.check("dreg", dreg);
        }

        @Override
        public String kernelName() {
            return "ct";
        }
    }

    /**
     * {@code fib daddr type => reg DREG} and the like: a routing (FIB) lookup, e.g. the address type of the
     * destination ({@code fib daddr type local}, iptables' {@code -m addrtype --dst-type LOCAL}).
     *
     * @param result {@code NFT_FIB_RESULT_*} (3 = address type)
     * @param flags {@code NFTA_FIB_F_*} bits (2 = daddr)
     * @param dreg the destination register
     */
    record Fib(int result, int flags, int dreg) implements Expr {
        /** {@code NFT_FIB_RESULT_ADDRTYPE}. */
        public static final int RESULT_ADDRTYPE = 3;
        /** {@code NFTA_FIB_F_DADDR}. */
        public static final int F_DADDR = 2;

        /** Validates the arguments. */
        public Fib {
            Registers.check("dreg", dreg);
            if (result < 1 || result > 4) {
                throw new IllegalArgumentException("fib result " + result + " out of range 1..4");
            }
        }

        @Override
        public String kernelName() {
            return "fib";
        }
    }

    /** {@code counter packets P bytes B}; values written by netkit start at 0. */
    record Counter(long packets, long bytes) implements Expr {
        /** A counter that starts at zero. */
        public static Counter zero() {
            return new Counter(0, 0);
        }

        @Override
        public String kernelName() {
            return "counter";
        }
    }

    /** {@code immediate reg DREG DATA}: loads constant data into a register (e.g. a DNAT address). */
    record Immediate(int dreg, Data data) implements Expr {
        /** Validates the arguments. */
        public Immediate {
            Registers.check("dreg", dreg);
            if (dreg == 0) {
                throw new IllegalArgumentException("immediate data cannot go to the verdict register 0; use Expr.Verdict");
            }
            Objects.requireNonNull(data, "data == null");
        }

        @Override
        public String kernelName() {
            return "immediate";
        }
    }

    /**
     * {@code immediate reg 0 VERDICT}: {@code accept}, {@code drop}, {@code return}, {@code jump CHAIN},
     * {@code goto CHAIN}, {@code continue}.
     *
     * @param code the verdict
     * @param chain the target chain of {@code jump}/{@code goto}, else null
     */
    record Verdict(VerdictCode code, String chain) implements Expr {
        /** Validates the arguments: a chain exactly for jump and goto. */
        public Verdict {
            Objects.requireNonNull(code, "code == null");
            boolean needs = code == VerdictCode.JUMP || code == VerdictCode.GOTO;
            if (needs) {
                Names.check("chain of " + code.nftName(), chain);
            } else if (chain != null) {
                throw new IllegalArgumentException("verdict " + code.nftName() + " takes no chain, got \"" + chain + "\"");
            }
        }

        @Override
        public String kernelName() {
            return "immediate";
        }
    }

    /** {@code masq [to :port-port]}: source NAT to the outgoing interface's address. Registers 0 = none. */
    record Masq(int flags, int protoMinReg, int protoMaxReg) implements Expr {
        /** Plain {@code masquerade}. */
        public static Masq plain() {
            return new Masq(0, 0, 0);
        }

        /** Validates the arguments. */
        public Masq {
            Registers.check("protoMinReg", protoMinReg);
            Registers.check("protoMaxReg", protoMaxReg);
        }

        @Override
        public String kernelName() {
            return "masq";
        }
    }

    /**
     * {@code nat snat|dnat FAMILY addr_min reg A [addr_max reg B] [proto_min reg C] [proto_max reg D] [flags F]}.
     * Registers 0 = not given.
     */
    record Nat(NatType type, Family family, int addrMinReg, int addrMaxReg, int protoMinReg, int protoMaxReg, int flags)
            implements Expr {
        /** Validates the arguments. */
        public Nat {
            Objects.requireNonNull(type, "type == null");
            Objects.requireNonNull(family, "family == null");
            if (family == Family.INET) {
                throw new IllegalArgumentException("nat needs family IP or IP6, not INET");
            }
            Registers.check("addrMinReg", addrMinReg);
            Registers.check("addrMaxReg", addrMaxReg);
            Registers.check("protoMinReg", protoMinReg);
            Registers.check("protoMaxReg", protoMaxReg);
        }

        @Override
        public String kernelName() {
            return "nat";
        }
    }

    /**
     * {@code lookup reg SREG set NAME [dreg DREG] [inverted]}: membership in a set ({@code ip saddr @allowed}), or
     * with a destination register a map lookup ({@code dnat to tcp dport map @published}). dreg 0 = a set lookup.
     */
    record Lookup(String set, int sreg, int dreg, boolean inverted) implements Expr {
        /** Validates the arguments. */
        public Lookup {
            Names.check("set name", set);
            Registers.check("sreg", sreg);
            Registers.check("dreg", dreg);
        }

        @Override
        public String kernelName() {
            return "lookup";
        }
    }

    /**
     * {@code match name NAME rev REV}: an x_tables match run by nf_tables' compat layer ({@code nft_compat}), as
     * {@code iptables-nft} writes {@code -m conntrack --ctstate ...} into its tables. netkit writes one only into
     * iptables-nft's own chains, where a native {@code ct state} would make the table unreadable for
     * {@code iptables-save} ("table is incompatible"); {@code nft list} shows it as {@code ct state ...}.
     *
     * @param name the x_tables match ({@code NFTA_MATCH_NAME}), e.g. {@code conntrack}
     * @param revision its revision ({@code NFTA_MATCH_REV})
     * @param infoHex the match's info struct ({@code NFTA_MATCH_INFO}, already padded to 8 bytes) in hex
     */
    record XtMatch(String name, int revision, String infoHex) implements Expr {
        /** {@code struct xt_conntrack_mtinfo3} padded by {@code XT_ALIGN}: 164 bytes rounded up to 168. */
        private static final int CONNTRACK3_SIZE = 168;
        /** Offset of {@code match_flags} in {@code struct xt_conntrack_mtinfo3} (after 8 addresses, expires, ports). */
        private static final int CONNTRACK3_MATCH_FLAGS = 146;
        /** Offset of {@code state_mask}. */
        private static final int CONNTRACK3_STATE_MASK = 150;
        /** {@code XT_CONNTRACK_STATE} */
        private static final int XT_CONNTRACK_STATE = 1;

        /** Validates the arguments. */
        public XtMatch {
            Names.check("match name", name);
            if (name.length() > 28) {
                throw new IllegalArgumentException("x_tables match name \"" + name + "\" is longer than 28 bytes");
            }
            if (revision < 0 || revision > 255) {
                throw new IllegalArgumentException("match revision " + revision + " out of range 0..255");
            }
            Objects.requireNonNull(infoHex, "infoHex == null");
            java.util.HexFormat.of().parseHex(infoHex);
        }

        /**
         * {@code -m conntrack --ctstate STATES} ({@code xt_conntrack} revision 3, what iptables-nft 1.8 writes for it
         * and for {@code -m state}).
         */
        public static XtMatch conntrackState(CtState... states) {
            if (states.length == 0) {
                throw new IllegalArgumentException("conntrack --ctstate needs at least one state");
            }
            int mask = 0;
            for (CtState s : states) {
                mask |= Objects.requireNonNull(s, "state == null").bit();   // XT_CONNTRACK_STATE_BIT = nft's ct state bit
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(CONNTRACK3_SIZE).order(java.nio.ByteOrder.nativeOrder());
            b.putShort(CONNTRACK3_MATCH_FLAGS, (short) XT_CONNTRACK_STATE);
            b.putShort(CONNTRACK3_STATE_MASK, (short) mask);
            return new XtMatch("conntrack", 3, java.util.HexFormat.of().formatHex(b.array()));
        }

        /** The info struct's bytes. */
        public byte[] info() {
            return java.util.HexFormat.of().parseHex(infoHex);
        }

        @Override
        public String kernelName() {
            return "match";
        }
    }

    /**
     * An expression netkit does not model, kept as listed ({@code NFTA_EXPR_DATA}'s raw attributes) so a listed
     * rule is complete. It cannot be written back.
     *
     * @param name the kernel name
     * @param rawHex the raw {@code NFTA_EXPR_DATA} payload in hex (possibly empty)
     */
    record Unknown(String name, String rawHex) implements Expr {
        /** Validates the arguments. */
        public Unknown {
            Objects.requireNonNull(name, "name == null");
            Objects.requireNonNull(rawHex, "rawHex == null");
        }

        @Override
        public String kernelName() {
            return name;
        }
    }

    /** Keys of {@link Meta} ({@code enum nft_meta_keys}) that netkit uses. */
    enum MetaKey {
        /** {@code meta protocol}: the ethertype. */
        PROTOCOL(1),
        /** {@code meta mark} */
        MARK(3),
        /** {@code iif} (index) */
        IIF(4),
        /** {@code oif} (index) */
        OIF(5),
        /** {@code iifname} */
        IIFNAME(6),
        /** {@code oifname} */
        OIFNAME(7),
        /** {@code meta nfproto}: ipv4 or ipv6 in an inet table. */
        NFPROTO(15),
        /** {@code meta l4proto}: tcp, udp, ... */
        L4PROTO(16);

        private final int code;

        MetaKey(int code) {
            this.code = code;
        }

        /** The kernel's {@code NFT_META_*} value. */
        public int code() {
            return code;
        }

        /** The key with value {@code code}, or null. */
        public static MetaKey ofCode(int code) {
            for (MetaKey k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return null;
        }
    }

    /** Keys of {@link Ct} ({@code enum nft_ct_keys}) that netkit uses. */
    enum CtKey {
        /** {@code ct state} (a host-order u32 of {@link CtState} bits) */
        STATE(0),
        /** {@code ct direction} */
        DIRECTION(1),
        /** {@code ct status} */
        STATUS(2),
        /** {@code ct mark} */
        MARK(3);

        private final int code;

        CtKey(int code) {
            this.code = code;
        }

        /** The kernel's {@code NFT_CT_*} value. */
        public int code() {
            return code;
        }

        /** The key with value {@code code}, or null. */
        public static CtKey ofCode(int code) {
            for (CtKey k : values()) {
                if (k.code == code) {
                    return k;
                }
            }
            return null;
        }
    }

    /** {@code enum nft_cmp_ops}. */
    enum CmpOp {
        /** {@code ==} */
        EQ,
        /** {@code !=} */
        NEQ,
        /** {@code <} */
        LT,
        /** {@code <=} */
        LTE,
        /** {@code >} */
        GT,
        /** {@code >=} */
        GTE
    }

    /** {@code enum nft_payload_bases}. */
    enum PayloadBase {
        /** {@code link layer header} */
        LL_HEADER,
        /** {@code network header} (IP) */
        NETWORK_HEADER,
        /** {@code transport header} (TCP, UDP) */
        TRANSPORT_HEADER
    }

    /** Verdicts ({@code NF_DROP}, {@code NF_ACCEPT}, {@code enum nft_verdicts}). */
    enum VerdictCode {
        /** {@code drop} */
        DROP(0, "drop"),
        /** {@code accept} */
        ACCEPT(1, "accept"),
        /** {@code continue} */
        CONTINUE(-1, "continue"),
        /** {@code jump CHAIN} */
        JUMP(-3, "jump"),
        /** {@code goto CHAIN} */
        GOTO(-4, "goto"),
        /** {@code return} */
        RETURN(-5, "return");

        private final int code;
        private final String nftName;

        VerdictCode(int code, String nftName) {
            this.code = code;
            this.nftName = nftName;
        }

        /** The kernel's verdict value. */
        public int code() {
            return code;
        }

        /** The keyword {@code nft} uses. */
        public String nftName() {
            return nftName;
        }

        /** The verdict with value {@code code}, or null. */
        public static VerdictCode ofCode(int code) {
            for (VerdictCode v : values()) {
                if (v.code == code) {
                    return v;
                }
            }
            return null;
        }
    }

    /** {@code enum nft_nat_types}. */
    enum NatType {
        /** {@code snat} */
        SNAT,
        /** {@code dnat} */
        DNAT
    }
}
