package io.netkit.nftables.internal;

/**
 * Constants of nfnetlink and nf_tables, with the kernel's names.
 *
 * <p>Sources: {@code include/uapi/linux/netfilter/nfnetlink.h}, {@code include/uapi/linux/netfilter/nf_tables.h},
 * {@code include/uapi/linux/netfilter.h}, {@code include/uapi/linux/netfilter/nf_nat.h} (kernel 6.x), and
 * libnftnl's {@code include/libnftnl/udata.h} for the user-data TLV types that {@code nft} reads.
 */
public final class NftConstants {
    private NftConstants() {}

    // nfnetlink.h
    /** Size of {@code struct nfgenmsg}: u8 nfgen_family, u8 version, __be16 res_id. */
    public static final int NFGENMSG_LEN = 4;
    public static final int NFNETLINK_V0 = 0;
    public static final int NFNL_SUBSYS_NFTABLES = 10;
    public static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    public static final int NFNL_MSG_BATCH_END = 0x11;
    /** {@code enum nfnl_batch_attributes}: the generation a batch is valid for (be32). */
    public static final int NFNL_BATCH_GENID = 1;

    /** The nlmsg_type of nf_tables message {@code msg}: {@code NFNL_SUBSYS_NFTABLES << 8 | msg}. */
    public static int msgType(int msg) {
        return NFNL_SUBSYS_NFTABLES << 8 | msg;
    }

    // enum nf_tables_msg_types
    public static final int NFT_MSG_NEWTABLE = 0;
    public static final int NFT_MSG_GETTABLE = 1;
    public static final int NFT_MSG_DELTABLE = 2;
    public static final int NFT_MSG_NEWCHAIN = 3;
    public static final int NFT_MSG_GETCHAIN = 4;
    public static final int NFT_MSG_DELCHAIN = 5;
    public static final int NFT_MSG_NEWRULE = 6;
    public static final int NFT_MSG_GETRULE = 7;
    public static final int NFT_MSG_DELRULE = 8;
    public static final int NFT_MSG_NEWSET = 9;
    public static final int NFT_MSG_GETSET = 10;
    public static final int NFT_MSG_DELSET = 11;
    public static final int NFT_MSG_NEWSETELEM = 12;
    public static final int NFT_MSG_GETSETELEM = 13;
    public static final int NFT_MSG_DELSETELEM = 14;
    public static final int NFT_MSG_NEWGEN = 15;
    public static final int NFT_MSG_GETGEN = 16;
    /** Linux 6.3+: delete, and no error if it does not exist ({@code nft destroy ...}). */
    public static final int NFT_MSG_DESTROYTABLE = 26;
    public static final int NFT_MSG_DESTROYCHAIN = 27;

    // netfilter.h
    public static final int NF_DROP = 0;
    public static final int NF_ACCEPT = 1;
    public static final int NFPROTO_INET = 1;
    public static final int NFPROTO_IPV4 = 2;
    public static final int NFPROTO_IPV6 = 10;

    // enum nft_list_attributes
    public static final int NFTA_LIST_ELEM = 1;
    // enum nft_hook_attributes
    public static final int NFTA_HOOK_HOOKNUM = 1;
    public static final int NFTA_HOOK_PRIORITY = 2;
    // enum nft_table_attributes
    public static final int NFTA_TABLE_NAME = 1;
    public static final int NFTA_TABLE_FLAGS = 2;
    public static final int NFTA_TABLE_USE = 3;
    public static final int NFTA_TABLE_HANDLE = 4;
    // enum nft_chain_attributes
    public static final int NFTA_CHAIN_TABLE = 1;
    public static final int NFTA_CHAIN_HANDLE = 2;
    public static final int NFTA_CHAIN_NAME = 3;
    public static final int NFTA_CHAIN_HOOK = 4;
    public static final int NFTA_CHAIN_POLICY = 5;
    public static final int NFTA_CHAIN_USE = 6;
    public static final int NFTA_CHAIN_TYPE = 7;
    public static final int NFTA_CHAIN_FLAGS = 10;
    // enum nft_rule_attributes
    public static final int NFTA_RULE_TABLE = 1;
    public static final int NFTA_RULE_CHAIN = 2;
    public static final int NFTA_RULE_HANDLE = 3;
    public static final int NFTA_RULE_EXPRESSIONS = 4;
    public static final int NFTA_RULE_POSITION = 6;
    public static final int NFTA_RULE_USERDATA = 7;
    // enum nft_set_attributes
    public static final int NFTA_SET_TABLE = 1;
    public static final int NFTA_SET_NAME = 2;
    public static final int NFTA_SET_FLAGS = 3;
    public static final int NFTA_SET_KEY_TYPE = 4;
    public static final int NFTA_SET_KEY_LEN = 5;
    public static final int NFTA_SET_DATA_TYPE = 6;
    public static final int NFTA_SET_DATA_LEN = 7;
    public static final int NFTA_SET_ID = 10;
    public static final int NFTA_SET_HANDLE = 16;
    // enum nft_set_flags
    public static final int NFT_SET_ANONYMOUS = 0x1;
    public static final int NFT_SET_CONSTANT = 0x2;
    public static final int NFT_SET_INTERVAL = 0x4;
    public static final int NFT_SET_MAP = 0x8;
    // enum nft_set_elem_list_attributes
    public static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    public static final int NFTA_SET_ELEM_LIST_SET = 2;
    public static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    // enum nft_set_elem_attributes
    public static final int NFTA_SET_ELEM_KEY = 1;
    public static final int NFTA_SET_ELEM_DATA = 2;
    public static final int NFTA_SET_ELEM_FLAGS = 3;
    // enum nft_data_attributes
    public static final int NFTA_DATA_VALUE = 1;
    public static final int NFTA_DATA_VERDICT = 2;
    // enum nft_verdict_attributes
    public static final int NFTA_VERDICT_CODE = 1;
    public static final int NFTA_VERDICT_CHAIN = 2;
    // enum nft_verdicts
    public static final int NFT_CONTINUE = -1;
    public static final int NFT_BREAK = -2;
    public static final int NFT_JUMP = -3;
    public static final int NFT_GOTO = -4;
    public static final int NFT_RETURN = -5;
    /** {@code NFT_DATA_VERDICT}: the data type of a verdict map. */
    public static final int NFT_DATA_VERDICT = 0xffffff00;
    // enum nft_expr_attributes
    public static final int NFTA_EXPR_NAME = 1;
    public static final int NFTA_EXPR_DATA = 2;
    // enum nft_immediate_attributes
    public static final int NFTA_IMMEDIATE_DREG = 1;
    public static final int NFTA_IMMEDIATE_DATA = 2;
    // enum nft_cmp_attributes
    public static final int NFTA_CMP_SREG = 1;
    public static final int NFTA_CMP_OP = 2;
    public static final int NFTA_CMP_DATA = 3;
    // enum nft_bitwise_attributes
    public static final int NFTA_BITWISE_SREG = 1;
    public static final int NFTA_BITWISE_DREG = 2;
    public static final int NFTA_BITWISE_LEN = 3;
    public static final int NFTA_BITWISE_MASK = 4;
    public static final int NFTA_BITWISE_XOR = 5;
    public static final int NFTA_BITWISE_OP = 6;
    public static final int NFT_BITWISE_BOOL = 0;
    // enum nft_payload_attributes
    public static final int NFTA_PAYLOAD_DREG = 1;
    public static final int NFTA_PAYLOAD_BASE = 2;
    public static final int NFTA_PAYLOAD_OFFSET = 3;
    public static final int NFTA_PAYLOAD_LEN = 4;
    public static final int NFTA_PAYLOAD_SREG = 5;
    // enum nft_meta_attributes
    public static final int NFTA_META_DREG = 1;
    public static final int NFTA_META_KEY = 2;
    public static final int NFTA_META_SREG = 3;
    // enum nft_ct_attributes
    public static final int NFTA_FIB_DREG = 1;
    public static final int NFTA_FIB_RESULT = 2;
    public static final int NFTA_FIB_FLAGS = 3;
    public static final int NFTA_CT_DREG = 1;
    public static final int NFTA_CT_KEY = 2;
    public static final int NFTA_CT_DIRECTION = 3;
    public static final int NFTA_CT_SREG = 4;
    // enum nft_counter_attributes
    public static final int NFTA_COUNTER_BYTES = 1;
    public static final int NFTA_COUNTER_PACKETS = 2;
    // enum nft_nat_attributes
    public static final int NFTA_NAT_TYPE = 1;
    public static final int NFTA_NAT_FAMILY = 2;
    public static final int NFTA_NAT_REG_ADDR_MIN = 3;
    public static final int NFTA_NAT_REG_ADDR_MAX = 4;
    public static final int NFTA_NAT_REG_PROTO_MIN = 5;
    public static final int NFTA_NAT_REG_PROTO_MAX = 6;
    public static final int NFTA_NAT_FLAGS = 7;
    // enum nft_masq_attributes
    public static final int NFTA_MASQ_FLAGS = 1;
    public static final int NFTA_MASQ_REG_PROTO_MIN = 2;
    public static final int NFTA_MASQ_REG_PROTO_MAX = 3;
    // enum nft_lookup_attributes
    public static final int NFTA_LOOKUP_SET = 1;
    public static final int NFTA_LOOKUP_SREG = 2;
    public static final int NFTA_LOOKUP_DREG = 3;
    public static final int NFTA_LOOKUP_SET_ID = 4;
    public static final int NFTA_LOOKUP_FLAGS = 5;
    public static final int NFT_LOOKUP_F_INV = 1;
    // enum nft_match_attributes (nft_compat)
    public static final int NFTA_MATCH_NAME = 1;
    public static final int NFTA_MATCH_REV = 2;
    public static final int NFTA_MATCH_INFO = 3;
    // enum nft_gen_attributes
    public static final int NFTA_GEN_ID = 1;

    // enum nft_registers
    public static final int NFT_REG_VERDICT = 0;
    public static final int NFT_REG_1 = 1;
    public static final int NFT_REG_2 = 2;
    public static final int NFT_REG32_00 = 8;
    public static final int NFT_REG32_01 = 9;

    // nf_nat.h
    public static final int NF_NAT_RANGE_MAP_IPS = 1;
    public static final int NF_NAT_RANGE_PROTO_SPECIFIED = 2;

    /** {@code NFT_USERDATA_MAXLEN}: bytes of user data a rule may carry. */
    public static final int NFT_USERDATA_MAXLEN = 256;
    /** {@code NFT_NAME_MAXLEN}: names of tables, chains, sets (including the NUL). */
    public static final int NFT_NAME_MAXLEN = 256;
    /** libnftnl {@code NFTNL_UDATA_RULE_COMMENT}: the TLV type of a rule's comment in its user data. */
    public static final int NFTNL_UDATA_RULE_COMMENT = 0;
}
