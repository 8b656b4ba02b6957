package io.netkit.core.internal;

import io.netkit.iptables.Protocol;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.nftables.Chain;
import io.netkit.nftables.CtState;
import io.netkit.nftables.Expr;
import io.netkit.nftables.Family;
import io.netkit.nftables.Hook;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.RuleBuilder;
import io.netkit.nftables.Table;
import io.netkit.nftables.Transaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native backend beside other firewalls of the host namespace. Every table's base chains on a hook see each packet,
 * and an {@code accept} in {@code table inet netkit} ends the packet's walk through netkit's chain only: a
 * {@code drop} (rule or policy) in another table's forward chain still drops it. Docker sets the iptables FORWARD policy
 * to DROP; under iptables-nft that is {@code table ip filter}, chain {@code FORWARD}, {@code policy drop}.
 *
 * <p>So after every change of a network, netkit looks at every forward base chain of other tables ({@code nft list
 * chains}, one dump) whose policy is {@code drop}:
 * <ul>
 *   <li>iptables-nft's {@code FORWARD} chain ({@code ip filter} / {@code ip6 filter}, the iptables FORWARD of Docker,
 *       ufw on nft, ...): netkit appends the network's accepts there, the same ones its own chain holds (bridged,
 *       outbound, replies, published ports, flat network), written as iptables-nft writes them (interface names,
 *       addresses, ports, {@code -m conntrack --ctstate}, comment {@code netkit:BRIDGE@ID ...}) so that
 *       {@code iptables-save} shows them as {@code -A FORWARD -i br0 -o br0 -m comment --comment "netkit:br0@ID ..." -j
 *       ACCEPT} and the table stays usable by iptables. Appended, so the tool's own rules (DOCKER-USER, isolation
 *       drops) still come first. They go with the network (and with {@link #remove}).</li>
 *   <li>a forward chain of a table written with {@code nft} (firewalld, an {@code /etc/nftables.conf}, another
 *       program): netkit does not write into a table it cannot know the rules of; it logs a warning naming the table,
 *       the chain and the accepts to add ({@link Blocked}). With the system property
 *       {@value #PROPERTY}{@code =all} it appends its accepts there as well (native {@code ct state}).</li>
 * </ul>
 * {@value #PROPERTY}{@code =none} writes into no other table and only warns. Chains whose policy is accept but which
 * drop by an explicit rule are the administrator's will and are left alone.
 */
public final class ForeignForward {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ForeignForward.class);
    }

    /** System property: {@code iptables} (default), {@code all} or {@code none}; see the class comment. */
    public static final String PROPERTY = "netkit.firewall.foreign";

    /** The table netkit owns (never foreign). */
    private static final Table NETKIT = Table.of(Family.INET, "netkit");

    /** Warned once per process: chain and network. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private ForeignForward() {}

    /** Which foreign chains netkit writes its accepts into ({@value #PROPERTY}). */
    enum Mode { IPTABLES, ALL, NONE }

    /**
     * A foreign forward chain with policy drop that would drop a network's traffic and that netkit did not open.
     *
     * @param chain the foreign chain
     * @param bridge the network's bridge
     * @param accepts the rules that would let the network's traffic pass, in {@code nft} syntax
     */
    public record Blocked(Chain chain, String bridge, List<String> accepts) {
        /** The warning netkit logs. */
        public String message() {
            return "chain " + chain.table().family().nftName() + " " + chain.table().name() + " " + chain.name()
                    + " (hook forward, policy drop) belongs to another firewall and drops the traffic of network " + bridge
                    + " that table inet netkit accepts (an accept in one table does not override a drop in another)."
                    + " netkit writes its accepts only into iptables-nft's FORWARD chain (and with -D" + PROPERTY
                    + "=none into no other table). Add to that chain (with these comments, so they go with the network): "
                    + String.join("; ", accepts) + " - or start netkit with -D" + PROPERTY + "=all to let it add them";
        }
    }

    /**
     * Makes every foreign forward chain with policy drop hold exactly the accepts of network {@code s} (those netkit may
     * write there) and returns the chains it may not write, after logging a warning for each (once per process).
     * Removes the network's accepts from chains whose policy is no longer drop. The changes go into {@code tx}, the
     * transaction of the network's own rules, so both commit together or not at all.
     */
    public static List<Blocked> sync(Nftables nft, Transaction tx, NetworkFirewall.Spec s) {
        return sync(nft, nft.chains(), tx, s);
    }

    /** As {@link #sync(Nftables, Transaction, NetworkFirewall.Spec)} with every chain of the host already listed. */
    static List<Blocked> sync(Nftables nft, List<Chain> chains, Transaction tx, NetworkFirewall.Spec s) {
        Mode mode = mode();
        String prefix = comment(s.owner(), "");
        List<Blocked> blocked = new ArrayList<>();
        for (Chain c : chains) {
            if (!isForeignForward(c)) {
                continue;
            }
            boolean drop = c.base().orElseThrow().policy() == Chain.Policy.DROP;
            boolean mayWrite = mode == Mode.ALL || (mode == Mode.IPTABLES && isIptablesForward(c));
            List<Accept> accepts = drop ? accepts(c, s) : List.of();
            if (!mayWrite && accepts.isEmpty()) {
                continue;
            }
            List<Rule> have = nft.rules(c).stream().filter(r -> r.comment().startsWith(prefix)).toList();
            if (mayWrite) {
                diff(tx, have, accepts.stream().map(Accept::rule).toList());
                continue;
            }
            // Not netkit's to write: report it, unless the administrator already added the accepts (by their comments).
            Set<String> present = new java.util.HashSet<>();
            have.forEach(r -> present.add(r.comment()));
            if (!accepts.stream().allMatch(a -> present.contains(a.rule().comment()))) {
                Blocked b = new Blocked(c, s.bridge(), accepts.stream().map(Accept::nft).toList());
                blocked.add(b);
                if (WARNED.add(c + " " + s.owner())) {   // the owner's ID is unique: once per network and chain
                    Log.LOG.warn(b.message());
                }
            }
        }
        return blocked;
    }

    /**
     * Adds to {@code tx} the removal of network {@code owner}'s ({@code BRIDGE@ID}) accepts from every foreign forward
     * chain (nothing if there are none).
     */
    public static void remove(Nftables nft, Transaction tx, String owner) {
        String prefix = comment(owner, "");
        for (Chain c : nft.chains()) {
            if (isForeignForward(c)) {
                nft.rules(c).stream().filter(r -> r.comment().startsWith(prefix)).forEach(tx::deleteRule);
            }
        }
    }

    /** Logs {@link #legacyWarning} if there is one. */
    static void warnLegacy(io.netkit.netlink.NetNamespace host, String bridge) {
        java.util.Optional<String> warning = legacyWarning(host, bridge);
        if (warning.isPresent()) {
            Log.LOG.warn(warning.get());   // Log's holder binds slf4j only when there is something to say
        }
    }

    /**
     * The warning for a network created with the native backend in a host namespace that has iptables-legacy (x_tables)
     * tables: their FORWARD chain runs beside nf_tables, netkit can neither see nor add to it, and with policy DROP (Docker
     * on iptables-legacy) it drops the network's forwarded traffic. Empty when there are no legacy tables.
     */
    public static java.util.Optional<String> legacyWarning(io.netkit.netlink.NetNamespace host, String bridge) {
        if (!FirewallChoice.legacyTablesLoaded(host)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("host namespace " + host + " has iptables-legacy tables; network " + bridge
                + " uses the native nftables backend, whose table inet netkit cannot override a DROP in the legacy"
                + " FORWARD chain (iptables-legacy -P FORWARD DROP, as Docker on iptables-legacy sets it): forwarded and"
                + " bridged traffic of " + bridge + " is dropped then. Use FirewallBackend.AUTO or IPTABLES on this host"
                + " (AUTO picks iptables there), or accept the bridge in the legacy FORWARD chain: iptables-legacy -I FORWARD"
                + " -i " + bridge + " -j ACCEPT; iptables-legacy -I FORWARD -o " + bridge
                + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
    }

    /** A forward filter base chain of a table other than netkit's. */
    static boolean isForeignForward(Chain c) {
        return c.isBase() && !c.table().equals(NETKIT) && c.base().get().hook() == Hook.FORWARD
                && c.base().get().type() == Chain.Type.FILTER;
    }

    /** iptables-nft's FORWARD chain: {@code ip filter FORWARD} or {@code ip6 filter FORWARD}. */
    static boolean isIptablesForward(Chain c) {
        return (c.table().family() == Family.IP || c.table().family() == Family.IP6)
                && c.table().name().equals("filter") && c.name().equals("FORWARD");
    }

    /** {@value #PROPERTY}, parsed. */
    static Mode mode() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return Mode.IPTABLES;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "iptables" -> Mode.IPTABLES;
            case "all" -> Mode.ALL;
            case "none" -> Mode.NONE;
            default -> throw new IllegalArgumentException("system property " + PROPERTY + "=\"" + v
                    + "\" is not a choice: use iptables (default: open iptables-nft's FORWARD chain), all or none");
        };
    }

    /** Deletes the rules of {@code have} not in {@code want} (same comment and expressions), adds the missing ones. */
    private static void diff(Transaction tx, List<Rule> have, List<Rule> want) {
        Map<String, Rule> wanted = new LinkedHashMap<>();
        want.forEach(r -> wanted.put(r.comment(), r.normalized()));
        Set<String> kept = new java.util.HashSet<>();
        for (Rule r : have) {
            Rule w = wanted.get(r.comment());
            if (w != null && w.equals(r.normalized()) && kept.add(r.comment())) {
                continue;
            }
            tx.deleteRule(r);
        }
        for (Rule r : want) {
            if (!kept.contains(r.comment())) {
                tx.addRule(r);
            }
        }
    }

    /** One accept for a foreign chain: the rule, and the same in {@code nft add rule} syntax (for the warning). */
    record Accept(Rule rule, String nft) {}

    /** The accepts of network {@code s} for foreign chain {@code c}: its own forward chain's accepts, in c's family. */
    static List<Accept> accepts(Chain c, NetworkFirewall.Spec s) {
        Family fam = c.table().family();
        List<Accept> out = new ArrayList<>();
        if (s.subnet() != null && fam != Family.IP6) {
            IpPrefix except = s.masqueradeExcept() != null && s.masqueradeExcept().isIpv4() ? s.masqueradeExcept() : null;
            family(out, c, Family.IP, s, s.masquerade(), except, s.published());
        }
        if (s.subnet6() != null && fam != Family.IP) {
            family(out, c, Family.IP6, s, s.forward6(), null, s.published6());
        }
        return out;
    }

    private static void family(List<Accept> out, Chain c, Family fam, NetworkFirewall.Spec s, boolean forward,
                               IpPrefix except, List<Firewall.Published> published) {
        String br = s.bridge();
        String q = "\"" + br + "\"";
        String tag = fam == Family.IP ? "ipv4 " : "ipv6 ";
        String ip = fam == Family.IP ? "ip" : "ip6";
        boolean xt = isIptablesForward(c);
        add(out, c, fam, s, tag + "bridged", b -> b.iifname(br).oifname(br), "iifname " + q + " oifname " + q);
        if (forward) {
            add(out, c, fam, s, tag + "outbound", b -> b.iifname(br).oifnameNot(br), "iifname " + q + " oifname != " + q);
            add(out, c, fam, s, tag + "replies", b -> established(b.oifname(br), xt),
                    "oifname " + q + " ct state established,related");
        }
        if (except != null) {
            add(out, c, fam, s, tag + "flat network", b -> b.saddr(except).iifnameNot(br).oifname(br),
                    ip + " saddr " + except + " iifname != " + q + " oifname " + q);
        }
        for (Firewall.Published p : published) {
            String proto = p.protocol() == Protocol.TCP ? "tcp" : "udp";
            IpPrefix host = IpPrefix.host(IpAddresses.parse(p.container()));
            add(out, c, fam, s, tag + "publish " + p.container() + " " + proto + "/" + p.containerPort(),
                    b -> b.daddr(host).oifname(br).dport(proto.equals("tcp") ? RuleBuilder.TCP : RuleBuilder.UDP,
                            p.containerPort()),
                    ip + " daddr " + p.container() + " oifname " + q + " " + proto + " dport " + p.containerPort());
        }
        if (!forward && !published.isEmpty()) {
            add(out, c, fam, s, tag + "published replies", b -> established(b.iifname(br).oifnameNot(br), xt),
                    "iifname " + q + " oifname != " + q + " ct state established,related");
        }
    }

    private static void add(List<Accept> out, Chain c, Family fam, NetworkFirewall.Spec s, String note,
                            java.util.function.UnaryOperator<RuleBuilder> match, String nftMatch) {
        boolean inet = c.table().family() == Family.INET;
        RuleBuilder b = Rule.builder(c);
        if (inet) {
            b.nfproto(fam);
        }
        String comment = comment(s.owner(), note);
        Rule r = match.apply(b).accept().comment(comment).build();
        String nft = "add rule " + c.table().family().nftName() + " " + c.table().name() + " " + c.name() + " "
                + (inet ? "meta nfproto " + (fam == Family.IP ? "ipv4 " : "ipv6 ") : "") + nftMatch
                + " accept comment \"" + comment + "\"";
        out.add(new Accept(r, nft));
    }

    /** {@code ct state established,related}: as iptables-nft writes it in its own tables, natively elsewhere. */
    private static RuleBuilder established(RuleBuilder b, boolean xt) {
        return xt ? b.expr(Expr.XtMatch.conntrackState(CtState.ESTABLISHED, CtState.RELATED))
                : b.ctState(CtState.ESTABLISHED, CtState.RELATED);
    }

    private static String comment(String owner, String note) {
        return "netkit:" + owner + " " + note;
    }
}
