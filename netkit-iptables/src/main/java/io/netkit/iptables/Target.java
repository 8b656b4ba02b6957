package io.netkit.iptables;

import io.netkit.iptables.internal.InetLiterals;
import io.netkit.iptables.internal.Token;
import io.netkit.iptables.internal.Validation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a rule does with a matching packet: {@code -j TARGET [OPTIONS]} or {@code -g CHAIN}. Immutable.
 *
 * <pre>{@code
 * Target.dnat("172.16.0.2", 80).render()   // "-j DNAT --to-destination 172.16.0.2:80"
 * Target.mark(0x10).render()               // "-j MARK --set-xmark 0x10/0xffffffff"
 * }</pre>
 * Options are rendered exactly as {@code iptables-save} prints them, so a built rule compares equal to the
 * rule read back from the kernel.
 */
public final class Target {
    /** {@code -j ACCEPT}. */
    public static final Target ACCEPT = new Target("-j", "ACCEPT", List.of(), null);
    /** {@code -j DROP}. */
    public static final Target DROP = new Target("-j", "DROP", List.of(), null);
    /** {@code -j RETURN}: back to the calling chain. */
    public static final Target RETURN = new Target("-j", "RETURN", List.of(), null);

    private final String flag;
    private final String name;
    private final List<Token> args;
    private final Family addressFamily;

    private Target(String flag, String name, List<Token> args, Family addressFamily) {
        this.flag = flag;
        this.name = name;
        this.args = List.copyOf(args);
        this.addressFamily = addressFamily;
    }

    /** {@code -j MASQUERADE}: source NAT to the outgoing interface's address. */
    public static Target masquerade() {
        return new Target("-j", "MASQUERADE", List.of(), null);
    }

    /** {@code -j MASQUERADE --to-ports PORT} (needs a rule with {@code -p tcp|udp|sctp}). */
    public static Target masquerade(int port) {
        Validation.port("masquerade port", port);
        return new Target("-j", "MASQUERADE", tokens("--to-ports", Integer.toString(port)), null);
    }

    /** {@code -j MASQUERADE --to-ports FROM-TO}. */
    public static Target masquerade(int fromPort, int toPort) {
        Validation.portRange("masquerade ports", fromPort, toPort);
        return new Target("-j", "MASQUERADE", tokens("--to-ports", portRange(fromPort, toPort, "-")), null);
    }

    /** {@code -j SNAT --to-source ADDRESS}. */
    public static Target snat(String address) {
        byte[] a = address("SNAT address", address);
        return new Target("-j", "SNAT", tokens("--to-source", hostPort(a, null)), family(a));
    }

    /** {@code -j SNAT --to-source ADDRESS:FROM-TO}. */
    public static Target snat(String address, int fromPort, int toPort) {
        byte[] a = address("SNAT address", address);
        Validation.portRange("SNAT ports", fromPort, toPort);
        return new Target("-j", "SNAT", tokens("--to-source", hostPort(a, portRange(fromPort, toPort, "-"))), family(a));
    }

    /** {@code -j DNAT --to-destination ADDRESS} (keeps the destination port). */
    public static Target dnat(String address) {
        byte[] a = address("DNAT address", address);
        return new Target("-j", "DNAT", tokens("--to-destination", hostPort(a, null)), family(a));
    }

    /** {@code -j DNAT --to-destination ADDRESS:PORT} ({@code [ADDRESS]:PORT} for IPv6). */
    public static Target dnat(String address, int port) {
        byte[] a = address("DNAT address", address);
        Validation.port("DNAT port", port);
        return new Target("-j", "DNAT", tokens("--to-destination", hostPort(a, Integer.toString(port))), family(a));
    }

    /** {@code -j DNAT --to-destination ADDRESS:FROM-TO}: a port range mapped onto a port range. */
    public static Target dnat(String address, int fromPort, int toPort) {
        byte[] a = address("DNAT address", address);
        Validation.portRange("DNAT ports", fromPort, toPort);
        return new Target("-j", "DNAT", tokens("--to-destination", hostPort(a, portRange(fromPort, toPort, "-"))), family(a));
    }

    /** {@code -j MARK --set-mark VALUE}, rendered as iptables-save does: {@code --set-xmark VALUE/0xffffffff}. */
    public static Target mark(int value) {
        return mark(value, 0xffffffff);
    }

    /** {@code -j MARK --set-xmark VALUE/MASK}: sets the bits of {@code mask} to {@code value}. */
    public static Target mark(int value, int mask) {
        String v = "0x" + Integer.toHexString(value) + "/0x" + Integer.toHexString(mask);
        return new Target("-j", "MARK", tokens("--set-xmark", v), null);
    }

    /** {@code -j CHAIN}: continue in a user chain and come back on RETURN. */
    public static Target jump(String chain) {
        Validation.chainName("jump target chain", chain);
        return new Target("-j", chain, List.of(), null);
    }

    /** {@code -g CHAIN}: continue in a user chain without coming back. */
    public static Target goTo(String chain) {
        Validation.chainName("goto target chain", chain);
        return new Target("-g", chain, List.of(), null);
    }

    /**
     * Escape hatch for other target extensions: {@code -j NAME ARG...}, for example
     * {@code Target.of("REJECT", "--reject-with", "tcp-reset")}. The name and every argument are validated as
     * single words (no blanks, quotes, backslashes, '#' or command/table/target options). For a rule to compare
     * equal with what the kernel reports, write options the way iptables-save prints them (for example
     * {@code --set-xmark 0x1/0xffffffff}, not {@code --set-mark 1}); quoting does not matter.
     */
    public static Target of(String name, String... args) {
        Validation.extensionName("target name", name);
        Objects.requireNonNull(args, "args == null");
        List<Token> t = new ArrayList<>();
        for (int i = 0; i < args.length; i++) t.add(Token.plain(Validation.token("target argument " + i, args[i])));
        return new Target("-j", name, t, null);
    }

    /** Builds a target from parsed words (used by the parser; no validation). */
    static Target parsed(String flag, String name, List<Token> args) {
        return new Target(flag, name, args, null);
    }

    /** The target name: {@code ACCEPT}, {@code MASQUERADE}, a chain name, ... */
    public String name() {
        return name;
    }

    /** The option words after the name, unquoted. */
    public List<String> args() {
        List<String> out = new ArrayList<>(args.size());
        for (Token t : args) out.add(t.value());
        return out;
    }

    /** Whether this is {@code -g CHAIN} rather than {@code -j}. */
    public boolean isGoto() {
        return flag.equals("-g") || flag.equals("--goto");
    }

    /** Whether the name is not one of the standard verdicts and so may name a user chain or an extension. */
    public boolean isStandardVerdict() {
        return name.equals("ACCEPT") || name.equals("DROP") || name.equals("RETURN") || name.equals("QUEUE");
    }

    String flag() {
        return flag;
    }

    List<Token> tokens() {
        return args;
    }

    Family addressFamily() {
        return addressFamily;
    }

    /** {@code -j NAME ARGS...} as it appears in a payload. */
    public String render() {
        StringBuilder sb = new StringBuilder(flag).append(' ').append(name);
        for (Token t : args) sb.append(' ').append(t.text());
        return sb.toString();
    }

    /** Equal when iptables reads the same words: {@code -j}/{@code -g}, name, and argument values (unquoted). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Target)) return false;
        Target t = (Target) o;
        return t.isGoto() == isGoto() && t.name.equals(name) && t.args().equals(args());
    }

    @Override
    public int hashCode() {
        return Objects.hash(isGoto(), name, args());
    }

    @Override
    public String toString() {
        return render();
    }

    private static List<Token> tokens(String... words) {
        List<Token> out = new ArrayList<>();
        for (String w : Arrays.asList(words)) out.add(Token.plain(w));
        return out;
    }

    private static byte[] address(String what, String s) {
        Validation.requireNonNull(what, s);
        byte[] a = InetLiterals.parseAddress(s);
        if (a == null) {
            throw new IllegalArgumentException(what + " \"" + Validation.printable(s)
                    + "\" is not an IPv4 or IPv6 address literal (host names are not resolved)");
        }
        return a;
    }

    private static String hostPort(byte[] a, String port) {
        String host = InetLiterals.format(a);
        if (port == null) return host;
        return a.length == 16 ? "[" + host + "]:" + port : host + ":" + port;
    }

    private static Family family(byte[] a) {
        return a.length == 4 ? Family.IPV4 : Family.IPV6;
    }

    static String portRange(int from, int to, String sep) {
        return from == to ? Integer.toString(from) : from + sep + to;
    }
}
