package io.netkit.nftables;

import io.netkit.netlink.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link Rule} from the matches and statements of {@code nft}'s rule syntax, emitting the expression
 * sequences {@code nft} itself emits (including its implicit dependencies: in an {@code inet} table,
 * {@code ip saddr} first checks {@code meta nfproto ipv4}; {@code tcp dport} first checks
 * {@code meta l4proto tcp}). Every argument is validated here, with the value in the message.
 */
public final class RuleBuilder {
    /** IP protocol number of TCP. */
    public static final int TCP = 6;
    /** IP protocol number of UDP. */
    public static final int UDP = 17;
    private static final int IFNAMSIZ = 16;

    private final Table table;
    private final String chain;
    private final List<Expr> exprs = new ArrayList<>();
    private String comment = "";
    private int nfprotoChecked = -1;
    private int l4protoChecked = -1;

    RuleBuilder(Table table, String chain) {
        this.table = table;
        this.chain = chain;
    }

    /** {@code iifname "NAME"}: the packet came in on interface NAME. */
    public RuleBuilder iifname(String name) {
        return ifname(Expr.MetaKey.IIFNAME, Expr.CmpOp.EQ, name);
    }

    /** {@code iifname != "NAME"} */
    public RuleBuilder iifnameNot(String name) {
        return ifname(Expr.MetaKey.IIFNAME, Expr.CmpOp.NEQ, name);
    }

    /** {@code oifname "NAME"}: the packet leaves on interface NAME. */
    public RuleBuilder oifname(String name) {
        return ifname(Expr.MetaKey.OIFNAME, Expr.CmpOp.EQ, name);
    }

    /** {@code oifname != "NAME"} */
    public RuleBuilder oifnameNot(String name) {
        return ifname(Expr.MetaKey.OIFNAME, Expr.CmpOp.NEQ, name);
    }

    /** {@code meta nfproto ipv4|ipv6}: the packet's family (in an {@code inet} table). */
    public RuleBuilder nfproto(Family family) {
        Objects.requireNonNull(family, "family == null");
        if (family == Family.INET) {
            throw new IllegalArgumentException("meta nfproto takes IP or IP6, not INET");
        }
        exprs.add(new Expr.Meta(Expr.MetaKey.NFPROTO, 1));
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.EQ, Data.of((byte) family.code())));
        nfprotoChecked = family.code();
        return this;
    }

    /** {@code meta l4proto PROTO} (6 = tcp, 17 = udp). */
    public RuleBuilder l4proto(int protocol) {
        if (protocol < 0 || protocol > 255) {
            throw new IllegalArgumentException("l4proto " + protocol + " out of range 0..255");
        }
        exprs.add(new Expr.Meta(Expr.MetaKey.L4PROTO, 1));
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.EQ, Data.of((byte) protocol)));
        l4protoChecked = protocol;
        return this;
    }

    /** {@code ip saddr PREFIX} or {@code ip6 saddr PREFIX}. */
    public RuleBuilder saddr(IpPrefix prefix) {
        return address(prefix, true, Expr.CmpOp.EQ);
    }

    /** {@code ip saddr != PREFIX} or {@code ip6 saddr != PREFIX}. */
    public RuleBuilder saddrNot(IpPrefix prefix) {
        return address(prefix, true, Expr.CmpOp.NEQ);
    }

    /** {@code ip daddr PREFIX} or {@code ip6 daddr PREFIX}. */
    public RuleBuilder daddr(IpPrefix prefix) {
        return address(prefix, false, Expr.CmpOp.EQ);
    }

    /** {@code ip daddr != PREFIX} or {@code ip6 daddr != PREFIX}. */
    public RuleBuilder daddrNot(IpPrefix prefix) {
        return address(prefix, false, Expr.CmpOp.NEQ);
    }

    /** {@code tcp dport PORT} ({@code protocol} {@link #TCP}) or {@code udp dport PORT} ({@link #UDP}). */
    public RuleBuilder dport(int protocol, int port) {
        return port(protocol, 2, port);
    }

    /** {@code tcp sport PORT} or {@code udp sport PORT}. */
    public RuleBuilder sport(int protocol, int port) {
        return port(protocol, 0, port);
    }

    /** {@code tcp dport @SET} / {@code udp dport @SET}: the port is in the named set (of {@link SetType#INET_SERVICE}). */
    public RuleBuilder dportIn(int protocol, String set) {
        transportDependency(protocol);
        exprs.add(new Expr.Payload(Expr.PayloadBase.TRANSPORT_HEADER, 2, 2, 1));
        exprs.add(new Expr.Lookup(set, 1, 0, false));
        return this;
    }

    /** {@code ct state STATE,...}: e.g. {@code ct state established,related}. */
    public RuleBuilder ctState(CtState... states) {
        if (states.length == 0) {
            throw new IllegalArgumentException("ct state needs at least one state");
        }
        int mask = 0;
        for (CtState s : states) {
            mask |= Objects.requireNonNull(s, "state == null").bit();
        }
        exprs.add(new Expr.Ct(Expr.CtKey.STATE, 1));
        exprs.add(new Expr.Bitwise(1, 1, 4, Data.of(hostU32(mask)), Data.of(new byte[4])));
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.NEQ, Data.of(new byte[4])));
        return this;
    }

    /** {@code fib daddr type local}: the destination is an address of this host (iptables' {@code -m addrtype --dst-type LOCAL}). */
    public RuleBuilder fibDaddrTypeLocal() {
        exprs.add(new Expr.Fib(Expr.Fib.RESULT_ADDRTYPE, Expr.Fib.F_DADDR, 1));
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.EQ, Data.of(hostU32(2)))); // RTN_LOCAL
        return this;
    }

    /** {@code ct status dnat}: the connection's destination was translated (iptables' {@code --ctstate DNAT}). */
    public RuleBuilder ctStatusDnat() {
        exprs.add(new Expr.Ct(Expr.CtKey.STATUS, 1));
        exprs.add(new Expr.Bitwise(1, 1, 4, Data.of(hostU32(0x20)), Data.of(new byte[4]))); // IPS_DST_NAT
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.NEQ, Data.of(new byte[4])));
        return this;
    }

    /** {@code counter} */
    public RuleBuilder counter() {
        exprs.add(Expr.Counter.zero());
        return this;
    }

    /** {@code accept} */
    public RuleBuilder accept() {
        return verdict(Expr.VerdictCode.ACCEPT, null);
    }

    /** {@code drop} */
    public RuleBuilder drop() {
        return verdict(Expr.VerdictCode.DROP, null);
    }

    /** {@code return} */
    public RuleBuilder ret() {
        return verdict(Expr.VerdictCode.RETURN, null);
    }

    /** {@code jump CHAIN} */
    public RuleBuilder jump(String chainName) {
        return verdict(Expr.VerdictCode.JUMP, chainName);
    }

    /** {@code goto CHAIN} */
    public RuleBuilder goTo(String chainName) {
        return verdict(Expr.VerdictCode.GOTO, chainName);
    }

    /** {@code masquerade}: source NAT to the address of the outgoing interface (in a {@code nat} postrouting chain). */
    public RuleBuilder masquerade() {
        exprs.add(Expr.Masq.plain());
        return this;
    }

    /** {@code snat ip to ADDRESS} (or {@code ip6}). */
    public RuleBuilder snat(InetAddress address) {
        return nat(Expr.NatType.SNAT, address, 0);
    }

    /** {@code dnat ip to ADDRESS} (or {@code ip6}). */
    public RuleBuilder dnat(InetAddress address) {
        return nat(Expr.NatType.DNAT, address, 0);
    }

    /** {@code dnat ip to ADDRESS:PORT} ({@code ip6 to [ADDRESS]:PORT}). */
    public RuleBuilder dnat(InetAddress address, int port) {
        checkPort(port);
        return nat(Expr.NatType.DNAT, address, port);
    }

    /** {@code snat ip to ADDRESS:PORT}. */
    public RuleBuilder snat(InetAddress address, int port) {
        checkPort(port);
        return nat(Expr.NatType.SNAT, address, port);
    }

    /**
     * {@code dnat ip to tcp dport map @MAP} (or udp): the destination port is looked up in a map of
     * {@link SetType#INET_SERVICE} to {@code ipv4_addr . inet_service} ({@link SetType#IPV4_ADDR_SERVICE}),
     * which gives the new address and port: one rule for all published ports of a network.
     */
    public RuleBuilder dnatIpv4PortMap(int protocol, String map) {
        transportDependency(protocol);
        exprs.add(new Expr.Payload(Expr.PayloadBase.TRANSPORT_HEADER, 2, 2, 1));
        exprs.add(new Expr.Lookup(map, 1, 1, false));
        exprs.add(new Expr.Nat(Expr.NatType.DNAT, Family.IP, 1, 1, 9, 9, 3));
        return this;
    }

    /** Appends expressions as they are (for what the builder lacks). */
    public RuleBuilder expr(Expr... expressions) {
        for (Expr e : expressions) {
            exprs.add(Objects.requireNonNull(e, "expression == null"));
        }
        return this;
    }

    /** {@code comment "TEXT"}: kept as the rule's user data; {@code nft list} shows it. */
    public RuleBuilder comment(String text) {
        this.comment = Objects.requireNonNull(text, "comment == null");
        return this;
    }

    /** The rule. */
    public Rule build() {
        return new Rule(table, chain, exprs, comment, 0);
    }

    // ---- internals ----

    /** A loop, not {@code chars().anyMatch}: a fresh JVM's first Network.create() builds rules by interface name. */
    private static boolean hasWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) return true;
        }
        return false;
    }

    private RuleBuilder ifname(Expr.MetaKey key, Expr.CmpOp op, String name) {
        Objects.requireNonNull(name, "interface name == null");
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (name.isEmpty() || b.length >= IFNAMSIZ || name.indexOf('\0') >= 0 || name.indexOf('/') >= 0
                || hasWhitespace(name)) {
            throw new IllegalArgumentException("interface name \"" + name + "\" invalid: need 1..15 bytes without "
                    + "NUL, '/' or whitespace");
        }
        byte[] padded = new byte[IFNAMSIZ];
        System.arraycopy(b, 0, padded, 0, b.length);
        exprs.add(new Expr.Meta(key, 1));
        exprs.add(new Expr.Cmp(1, op, Data.of(padded)));
        return this;
    }

    private RuleBuilder address(IpPrefix prefix, boolean source, Expr.CmpOp op) {
        Objects.requireNonNull(prefix, "prefix == null");
        boolean v4 = prefix.address() instanceof Inet4Address;
        Family f = v4 ? Family.IP : Family.IP6;
        if (table.family() != Family.INET && table.family() != f) {
            throw new IllegalArgumentException("address " + prefix + " does not fit table " + table);
        }
        if (table.family() == Family.INET && nfprotoChecked != f.code()) {
            nfproto(f);
        }
        int len = v4 ? 4 : 16;
        int offset = v4 ? (source ? 12 : 16) : (source ? 8 : 24);
        byte[] addr = prefix.network().address().getAddress();
        exprs.add(new Expr.Payload(Expr.PayloadBase.NETWORK_HEADER, offset, len, 1));
        if (prefix.prefixLength() < len * 8) {
            byte[] mask = new byte[len];
            for (int i = 0; i < prefix.prefixLength(); i++) {
                mask[i / 8] |= (byte) (0x80 >>> (i % 8));
            }
            exprs.add(new Expr.Bitwise(1, 1, len, Data.of(mask), Data.of(new byte[len])));
        }
        exprs.add(new Expr.Cmp(1, op, Data.of(addr)));
        return this;
    }

    private RuleBuilder port(int protocol, int offset, int port) {
        checkPort(port);
        transportDependency(protocol);
        exprs.add(new Expr.Payload(Expr.PayloadBase.TRANSPORT_HEADER, offset, 2, 1));
        exprs.add(new Expr.Cmp(1, Expr.CmpOp.EQ, Data.of((byte) (port >>> 8), (byte) port)));
        return this;
    }

    private void transportDependency(int protocol) {
        if (protocol != TCP && protocol != UDP) {
            throw new IllegalArgumentException("protocol " + protocol + " has no ports here: use RuleBuilder.TCP (6) or UDP (17)");
        }
        if (l4protoChecked != protocol) {
            l4proto(protocol);
        }
    }

    private RuleBuilder nat(Expr.NatType type, InetAddress address, int port) {
        Objects.requireNonNull(address, "address == null");
        Family f = address instanceof Inet4Address ? Family.IP : Family.IP6;
        if (table.family() != Family.INET && table.family() != f) {
            throw new IllegalArgumentException(type.name().toLowerCase() + " address " + address.getHostAddress()
                    + " does not fit table " + table);
        }
        exprs.add(new Expr.Immediate(1, Data.of(address.getAddress())));
        int flags = NatFlags.MAP_IPS;
        int protoReg = 0;
        if (port != 0) {
            exprs.add(new Expr.Immediate(2, Data.of((byte) (port >>> 8), (byte) port)));
            protoReg = 2;
            flags |= NatFlags.PROTO_SPECIFIED;
        }
        exprs.add(new Expr.Nat(type, f, 1, 1, protoReg, protoReg, flags));   // max = min, as the kernel lists it
        return this;
    }

    private RuleBuilder verdict(Expr.VerdictCode code, String target) {
        exprs.add(new Expr.Verdict(code, target));
        return this;
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1..65535");
        }
    }

    private static byte[] hostU32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** {@code NF_NAT_RANGE_*} flags (include/uapi/linux/netfilter/nf_nat.h). */
    static final class NatFlags {
        static final int MAP_IPS = 1;
        static final int PROTO_SPECIFIED = 2;

        private NatFlags() {}
    }
}
