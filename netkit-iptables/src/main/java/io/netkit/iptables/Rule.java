package io.netkit.iptables;

import io.netkit.iptables.internal.InetLiterals;
import io.netkit.iptables.internal.Part;
import io.netkit.iptables.internal.RuleParser;
import io.netkit.iptables.internal.Token;
import io.netkit.iptables.internal.Tokenizer;
import io.netkit.iptables.internal.Validation;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One iptables rule: a chain, matches and a target, as an immutable value. Equivalent to the words after
 * {@code iptables -t TABLE -A} (the table is given where the rule is used).
 *
 * <pre>{@code
 * Rule r = Rule.builder("POSTROUTING")
 *         .source("172.16.0.0/24").notOutInterface("br0")
 *         .comment("masquerade")
 *         .target(Target.masquerade())
 *         .build();
 * r.render()   // -A POSTROUTING -s 172.16.0.0/24 ! -o br0 -m comment --comment masquerade -j MASQUERADE
 * }</pre>
 *
 * <p>Built rules are rendered in the canonical form {@code iptables-save} prints (addresses masked and with a
 * prefix length, {@code -m tcp} before {@code --dport}, states in kernel order), so a rule read back from the
 * kernel is {@link #equals equal} to the rule that was applied. Every value is validated by the builder: no
 * value can carry a blank, a quote or a newline into a payload, so a rule can never inject another option or
 * another line.
 *
 * <p>Parsed rules ({@link #parse}) keep every word as written, including words the parser does not interpret,
 * so {@code Rule.parse(line).render()} reproduces {@code line} (modulo repeated blanks).
 */
public final class Rule {
    private final String chain;
    private final List<Part> parts;
    private final String counters;
    private final Family addressFamily;

    private Rule(String chain, List<Part> parts, String counters, Family addressFamily) {
        this.chain = chain;
        this.parts = List.copyOf(parts);
        this.counters = counters;
        this.addressFamily = addressFamily;
    }

    /** A builder for a rule in {@code chain} (validated: 1..28 characters, letters, digits, '-', '_', '.'). */
    public static Builder builder(String chain) {
        return new Builder(Validation.chainName("chain", chain));
    }

    /**
     * Parses one rule line as {@code iptables-save} prints it: {@code [-c P B | [P:B]] -A CHAIN WORDS...}.
     * IllegalArgumentException quoting the line if it is not an append rule or has an unterminated quote.
     */
    public static Rule parse(String line) {
        Objects.requireNonNull(line, "line == null");
        List<Token> tokens = Tokenizer.split(line);
        String counters = null;
        int i = 0;
        if (!tokens.isEmpty() && tokens.get(0).text().startsWith("[")) {
            counters = tokens.get(0).text();
            i = 1;
        }
        if (tokens.size() < i + 2 || !(tokens.get(i).text().equals("-A") || tokens.get(i).text().equals("--append"))) {
            throw new IllegalArgumentException("not an iptables-save rule line (expected \"-A CHAIN ...\"): "
                    + Validation.printable(line));
        }
        String chain = tokens.get(i + 1).value();
        return new Rule(chain, RuleParser.parse(tokens.subList(i + 2, tokens.size())), counters, null);
    }

    /** The chain the rule is in. */
    public String chain() {
        return chain;
    }

    /** The target ({@code -j}/{@code -g}), if the rule has one (counting-only rules have none). */
    public Optional<Target> target() {
        for (Part p : parts) {
            if (p instanceof Part.Jump) {
                Part.Jump j = (Part.Jump) p;
                return Optional.of(Target.parsed(j.flag(), j.target(), j.args()));
            }
        }
        return Optional.empty();
    }

    /** The text of {@code -m comment --comment TEXT}, unquoted. */
    public Optional<String> comment() {
        for (Part p : parts) {
            if (p instanceof Part.Match && ((Part.Match) p).module().equals("comment")) {
                List<Token> a = ((Part.Match) p).args();
                for (int k = 0; k + 1 < a.size(); k++) {
                    if (a.get(k).value().equals("--comment")) return Optional.of(a.get(k + 1).value());
                }
            }
        }
        return Optional.empty();
    }

    /** The netkit owner named by the comment ({@code "netkit:OWNER ..."}), if any. */
    public Optional<Owner> owner() {
        return comment().flatMap(Owner::fromComment);
    }

    /** {@code -s} (or {@code ! -s}) as printed, for example {@code 172.16.0.0/24}. */
    public Optional<Operand> source() {
        return base("-s");
    }

    /** {@code -d} (or {@code ! -d}). */
    public Optional<Operand> destination() {
        return base("-d");
    }

    /** {@code -i} (or {@code ! -i}). */
    public Optional<Operand> inInterface() {
        return base("-i");
    }

    /** {@code -o} (or {@code ! -o}). */
    public Optional<Operand> outInterface() {
        return base("-o");
    }

    /** {@code -p} (or {@code ! -p}) as printed ({@code tcp}). */
    public Optional<Operand> protocol() {
        return base("-p");
    }

    /**
     * The value of {@code --dport} (or {@code --destination-port}) of the rule's {@code -m tcp/udp/sctp} match
     * as printed ({@code "8080"} or a range {@code "5000:5010"}), if it has one and it is not negated.
     */
    public Optional<String> destinationPort() {
        for (Part p : parts) {
            if (p instanceof Part.Match m && (m.module().equals("tcp") || m.module().equals("udp") || m.module().equals("sctp"))) {
                List<Token> a = m.args();
                for (int k = 0; k + 1 < a.size(); k++) {
                    String w = a.get(k).value();
                    if ((w.equals("--dport") || w.equals("--destination-port"))
                            && !(k > 0 && a.get(k - 1).value().equals("!"))) {
                        return Optional.of(a.get(k + 1).value());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Operand> base(String option) {
        for (Part p : parts) {
            if (p instanceof Part.Base && ((Part.Base) p).shortOption().equals(option)) {
                Part.Base b = (Part.Base) p;
                return Optional.of(new Operand(b.value().value(), b.negated()));
            }
        }
        return Optional.empty();
    }

    /** The address family the rule's addresses require, or null when it has none (fits both). */
    Family addressFamily() {
        return addressFamily;
    }

    /** Everything after {@code -A CHAIN}: the rule specification as used with {@code -A}, {@code -I}, {@code -D}. */
    public String specification() {
        StringJoiner j = new StringJoiner(" ");
        for (Part p : parts) j.add(p.text());
        return j.toString();
    }

    /** The payload line: {@code -A CHAIN SPEC} (with a counters prefix if the parsed line had one). */
    public String render() {
        String spec = specification();
        String line = "-A " + chain + (spec.isEmpty() ? "" : " " + spec);
        return counters == null ? line : counters + " " + line;
    }

    /** This rule with the comment replaced by {@code comment} (unvalidated: callers validate). */
    Rule withComment(String comment) {
        List<Part> out = new ArrayList<>();
        Part jump = null;
        for (Part p : parts) {
            if (p instanceof Part.Match && ((Part.Match) p).module().equals("comment")) continue;
            if (p instanceof Part.Jump) { jump = p; continue; }
            out.add(p);
        }
        out.add(new Part.Match("-m", "comment", List.of(Token.plain("--comment"), Token.of(comment))));
        if (jump != null) out.add(jump);
        return new Rule(chain, out, counters, addressFamily);
    }

    /** This rule moved to {@code chain}. */
    Rule inChain(String newChain) {
        return new Rule(newChain, parts, counters, addressFamily);
    }

    /**
     * Two rules are equal when iptables reads the same words from them: same chain, same elements in the same
     * order, compared by unquoted value ({@code --comment x} equals {@code --comment "x"}, {@code --source}
     * equals {@code -s}). Counters are ignored.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Rule && ((Rule) o).identity().equals(identity());
    }

    @Override
    public int hashCode() {
        return identity().hashCode();
    }

    /** The words as iptables sees them, separated by NUL (which no word can contain). */
    private String identity() {
        StringBuilder sb = new StringBuilder(chain);
        for (Part p : parts) {
            sb.append('\0');
            if (p instanceof Part.Base) {
                Part.Base b = (Part.Base) p;
                sb.append(b.negated() ? "! " : "").append(b.shortOption()).append('\0').append(b.value().value());
            } else if (p instanceof Part.Match) {
                Part.Match m = (Part.Match) p;
                sb.append("-m\0").append(m.module());
                for (Token t : m.args()) sb.append('\0').append(t.value());
            } else if (p instanceof Part.Jump) {
                Part.Jump j = (Part.Jump) p;
                sb.append(j.isGoto() ? "-g" : "-j").append('\0').append(j.target());
                for (Token t : j.args()) sb.append('\0').append(t.value());
            } else {
                sb.append(((Part.Other) p).token().value());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** A value of a base match and whether it is negated ({@code ! -o br0} is {@code ("br0", true)}). */
    public record Operand(String value, boolean negated) {
        @Override
        public String toString() {
            return (negated ? "! " : "") + value;
        }
    }

    /**
     * Builds a {@link Rule}; every setter validates its argument and throws IllegalArgumentException
     * naming the argument and quoting the value. Setting a value twice replaces it.
     */
    public static final class Builder {
        private final String chain;
        private Part.Base source, destination, in, out, proto;
        private Protocol protocol;
        private String sport, dport;
        private Set<ConntrackState> states;
        private String srcType, dstType;
        private boolean srcTypeNegated, dstTypeNegated;
        private final List<Part.Match> extra = new ArrayList<>();
        private String comment;
        private Target target;
        private Family family;

        private Builder(String chain) {
            this.chain = chain;
        }

        /** {@code -s CIDR}: source address or prefix ("172.16.0.0/24", "10.0.0.1", "2001:db8::/64"). */
        public Builder source(String cidr) {
            String c = cidr("source", cidr);
            // iptables drops a /0 address match (it matches everything): so does the model, to compare equal
            source = isAny(c) ? null : new Part.Base("-s", false, Token.plain(c));
            return this;
        }

        /** {@code ! -s CIDR}. */
        public Builder notSource(String cidr) {
            source = new Part.Base("-s", true, Token.plain(notAny("source", cidr("source", cidr))));
            return this;
        }

        /** {@code -d CIDR}. */
        public Builder destination(String cidr) {
            String c = cidr("destination", cidr);
            destination = isAny(c) ? null : new Part.Base("-d", false, Token.plain(c));
            return this;
        }

        /** {@code ! -d CIDR}. */
        public Builder notDestination(String cidr) {
            destination = new Part.Base("-d", true, Token.plain(notAny("destination", cidr("destination", cidr))));
            return this;
        }

        /**
         * {@code -i NAME}: the interface a packet came in on, an exact name (a trailing '+', iptables' wildcard,
         * is refused with a pointer to {@link #inInterfacePrefix}).
         */
        public Builder inInterface(String name) {
            in = new Part.Base("-i", false, Token.plain(Validation.interfaceName("in interface", name)));
            return this;
        }

        /** {@code ! -i NAME}. */
        public Builder notInInterface(String name) {
            in = new Part.Base("-i", true, Token.plain(Validation.interfaceName("in interface", name)));
            return this;
        }

        /** {@code -o NAME}: the interface a packet leaves on. */
        public Builder outInterface(String name) {
            out = new Part.Base("-o", false, Token.plain(Validation.interfaceName("out interface", name)));
            return this;
        }

        /** {@code ! -o NAME}. */
        public Builder notOutInterface(String name) {
            out = new Part.Base("-o", true, Token.plain(Validation.interfaceName("out interface", name)));
            return this;
        }

        /** {@code -i PREFIX+}: every interface whose name starts with {@code prefix} (iptables' wildcard). */
        public Builder inInterfacePrefix(String prefix) {
            in = new Part.Base("-i", false, Token.plain(Validation.interfacePrefix("in interface prefix", prefix)));
            return this;
        }

        /** {@code ! -i PREFIX+}. */
        public Builder notInInterfacePrefix(String prefix) {
            in = new Part.Base("-i", true, Token.plain(Validation.interfacePrefix("in interface prefix", prefix)));
            return this;
        }

        /** {@code -o PREFIX+}: every interface whose name starts with {@code prefix} (iptables' wildcard). */
        public Builder outInterfacePrefix(String prefix) {
            out = new Part.Base("-o", false, Token.plain(Validation.interfacePrefix("out interface prefix", prefix)));
            return this;
        }

        /** {@code ! -o PREFIX+}. */
        public Builder notOutInterfacePrefix(String prefix) {
            out = new Part.Base("-o", true, Token.plain(Validation.interfacePrefix("out interface prefix", prefix)));
            return this;
        }

        /** {@code -p PROTO}. */
        public Builder protocol(Protocol p) {
            Validation.requireNonNull("protocol", p);
            protocol = p;
            proto = new Part.Base("-p", false, Token.plain(p.protocolName()));
            return this;
        }

        /** {@code ! -p PROTO}. */
        public Builder notProtocol(Protocol p) {
            Validation.requireNonNull("protocol", p);
            protocol = null;
            proto = new Part.Base("-p", true, Token.plain(p.protocolName()));
            return this;
        }

        /** {@code -m PROTO --sport PORT} (needs {@link #protocol} TCP, UDP or SCTP). */
        public Builder sourcePort(int port) {
            sport = Integer.toString(Validation.port("source port", port));
            return this;
        }

        /** {@code -m PROTO --sport FROM:TO}. */
        public Builder sourcePorts(int from, int to) {
            Validation.portRange("source ports", from, to);
            everyPort("source ports", from, to);
            sport = Target.portRange(from, to, ":");
            return this;
        }

        /** {@code -m PROTO --dport PORT} (needs {@link #protocol} TCP, UDP or SCTP). */
        public Builder destinationPort(int port) {
            dport = Integer.toString(Validation.port("destination port", port));
            return this;
        }

        /** {@code -m PROTO --dport FROM:TO}. */
        public Builder destinationPorts(int from, int to) {
            Validation.portRange("destination ports", from, to);
            everyPort("destination ports", from, to);
            dport = Target.portRange(from, to, ":");
            return this;
        }

        /** {@code -m conntrack --ctstate S1,S2} (printed in kernel order whatever the argument order). */
        public Builder ctstate(ConntrackState first, ConntrackState... more) {
            Validation.requireNonNull("ctstate", first);
            EnumSet<ConntrackState> s = EnumSet.of(first);
            for (ConntrackState c : more) {
                Validation.requireNonNull("ctstate", c);
                s.add(c);
            }
            states = s;
            return this;
        }

        /** {@code -m addrtype --src-type TYPE}. */
        public Builder sourceType(AddressType type) {
            Validation.requireNonNull("source address type", type);
            srcType = type.name();
            srcTypeNegated = false;
            return this;
        }

        /** {@code -m addrtype ! --src-type TYPE}. */
        public Builder notSourceType(AddressType type) {
            sourceType(type);
            srcTypeNegated = true;
            return this;
        }

        /** {@code -m addrtype --dst-type TYPE} ({@code LOCAL}: addressed to this host). */
        public Builder destinationType(AddressType type) {
            Validation.requireNonNull("destination address type", type);
            dstType = type.name();
            dstTypeNegated = false;
            return this;
        }

        /** {@code -m addrtype ! --dst-type TYPE}. */
        public Builder notDestinationType(AddressType type) {
            destinationType(type);
            dstTypeNegated = true;
            return this;
        }

        /**
         * {@code -m comment --comment TEXT}: printable ASCII, at most 255 characters, no quotes, backslashes or
         * option-like words (" -j"). Rules applied through {@link OwnedRules} get their owner prepended.
         */
        public Builder comment(String text) {
            comment = Validation.comment("comment", text);
            return this;
        }

        /**
         * Escape hatch for other match extensions: {@code -m MODULE ARG...}, for example
         * {@code match("mark", "--mark", "0x1/0x1")} or {@code match("set", "--match-set", "s", "dst")}.
         * Arguments are single words (no blanks, quotes, backslashes, '#'); {@code "!"} may negate the next
         * option; command, table, target and base-match options ({@code -j}, {@code -A}, {@code -t},
         * {@code -s}, ...) are refused. Matches are rendered in the order added, after the typed ones; write
         * options the way iptables-save prints them (e.g. {@code -m mark --mark 0x1/0x1}) so that the rule read
         * back compares equal.
         */
        public Builder match(String module, String... args) {
            Validation.extensionName("match module", module);
            if (module.equals("comment")) {
                throw new IllegalArgumentException("match module \"comment\": use comment(text), which validates the text");
            }
            Objects.requireNonNull(args, "args == null");
            List<Token> t = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if ("!".equals(a)) t.add(Token.plain(a));
                else t.add(Token.plain(Validation.token("match " + module + " argument " + i, a)));
            }
            extra.add(new Part.Match("-m", module, t));
            return this;
        }

        /** {@code -j TARGET ...} / {@code -g CHAIN}; see {@link Target}. */
        public Builder target(Target t) {
            Validation.requireNonNull("target", t);
            target = t;
            return this;
        }

        /** The rule. IllegalStateException when ports are set without a port protocol, or families mix. */
        public Rule build() {
            List<Part> parts = new ArrayList<>();
            for (Part.Base b : new Part.Base[] {source, destination, in, out, proto}) {
                if (b != null) parts.add(b);
            }
            if (sport != null || dport != null) {
                if (protocol == null || !protocol.hasPorts()) {
                    throw new IllegalStateException("rule in " + chain
                            + ": source/destination ports need protocol(TCP), protocol(UDP) or protocol(SCTP) first");
                }
                List<Token> a = new ArrayList<>();
                if (sport != null) { a.add(Token.plain("--sport")); a.add(Token.plain(sport)); }
                if (dport != null) { a.add(Token.plain("--dport")); a.add(Token.plain(dport)); }
                parts.add(new Part.Match("-m", protocol.protocolName(), a));
            }
            if (states != null) {
                StringJoiner j = new StringJoiner(",");
                for (ConntrackState s : states) j.add(s.name());
                parts.add(new Part.Match("-m", "conntrack", List.of(Token.plain("--ctstate"), Token.plain(j.toString()))));
            }
            if (srcType != null || dstType != null) {
                List<Token> a = new ArrayList<>();
                if (srcType != null) {
                    if (srcTypeNegated) a.add(Token.plain("!"));
                    a.add(Token.plain("--src-type"));
                    a.add(Token.plain(srcType));
                }
                if (dstType != null) {
                    if (dstTypeNegated) a.add(Token.plain("!"));
                    a.add(Token.plain("--dst-type"));
                    a.add(Token.plain(dstType));
                }
                parts.add(new Part.Match("-m", "addrtype", a));
            }
            parts.addAll(extra);
            if (comment != null) {
                parts.add(new Part.Match("-m", "comment", List.of(Token.plain("--comment"), Token.of(comment))));
            }
            Family f = family;
            if (target != null && target.mapsPorts() && (protocol == null || !protocol.hasPorts())) {
                throw new IllegalStateException("rule in " + chain + ": " + target.render() + " maps ports, which"
                        + " iptables allows only with protocol(TCP), protocol(UDP) or protocol(SCTP)");
            }
            if (target != null) {
                if (target.addressFamily() != null && f != null && target.addressFamily() != f) {
                    throw new IllegalStateException("rule in " + chain + " mixes IPv4 and IPv6 addresses: " + target.render());
                }
                if (f == null) f = target.addressFamily();
                parts.add(new Part.Jump(target.flag(), target.name(), target.tokens()));
            }
            return new Rule(chain, parts, null, f);
        }

        private static boolean isAny(String normalizedCidr) {
            return normalizedCidr.endsWith("/0");
        }

        private static String notAny(String what, String normalizedCidr) {
            if (isAny(normalizedCidr)) {
                throw new IllegalArgumentException("! " + what + " " + normalizedCidr + " matches no packet at all (the nft"
                        + " backend refuses it): leave the rule out, or use a longer prefix");
            }
            return normalizedCidr;
        }

        private static void everyPort(String what, int from, int to) {
            if (from == 0 && to == 65535) {
                throw new IllegalArgumentException(what + " 0:65535 match every port (iptables would drop the match, so"
                        + " the rule could never compare equal): leave the port match out");
            }
        }

        private String cidr(String what, String cidr) {
            Validation.requireNonNull(what, cidr);
            int slash = cidr.indexOf('/');
            String addr = slash < 0 ? cidr : cidr.substring(0, slash);
            byte[] a = InetLiterals.parseAddress(addr);
            if (a == null) {
                throw new IllegalArgumentException(what + " \"" + Validation.printable(cidr)
                        + "\" is not an address or prefix: expected e.g. 172.16.0.0/24 or 2001:db8::/64 (host names are not resolved)");
            }
            int max = a.length * 8;
            int len = max;
            if (slash >= 0) {
                String l = cidr.substring(slash + 1);
                if (!l.matches("[0-9]{1,3}") || Integer.parseInt(l) > max) {
                    throw new IllegalArgumentException(what + " \"" + Validation.printable(cidr)
                            + "\" has an invalid prefix length: expected 0.." + max);
                }
                len = Integer.parseInt(l);
            }
            Family f = a.length == 4 ? Family.IPV4 : Family.IPV6;
            if (family != null && family != f) {
                throw new IllegalArgumentException(what + " \"" + cidr + "\" is " + f + " but the rule already has "
                        + family + " addresses");
            }
            family = f;
            // iptables stores the masked network and prints the prefix length even for hosts (/32, /128).
            return InetLiterals.format(InetLiterals.mask(a, len)) + "/" + len;
        }
    }
}
