package io.netkit.core.internal;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.nftables.Chain;
import io.netkit.nftables.CtState;
import io.netkit.nftables.Family;
import io.netkit.nftables.Hook;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.RuleBuilder;
import io.netkit.nftables.Table;
import io.netkit.nftables.TableContents;
import io.netkit.nftables.Transaction;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The native backend: a network's rules in {@code table inet netkit} of the host namespace, written over nfnetlink
 * in-process, every change of a network ONE transaction. For network {@code br0@ID} with subnet 172.16.0.0/24
 * ({@code nft list table inet netkit}):
 * <pre>
 * chain forward { type filter hook forward priority 0; policy accept;
 *     jump fwd-ID comment "netkit:br0@ID" }
 * chain postrouting { type nat hook postrouting priority 100; ... jump post-ID comment "netkit:br0@ID" }
 * chain prerouting { type nat hook prerouting priority -100; ... fib daddr type local jump dnat-ID ... }  # published
 * chain output { type nat hook output priority -100; ... ip daddr != 127.0.0.0/8 fib daddr type local jump dnat-ID }
 * chain user { }                                       # the administrator's: created when absent, never flushed
 * chain fwd-ID { jump user; iifname "br0" oifname "br0" accept;                                 # bridged
 *     meta nfproto ipv4 iifname "br0" oifname != "br0" accept;                                   # masquerade only
 *     meta nfproto ipv4 oifname "br0" ct state established,related accept;                       # masquerade only
 *     ip daddr 172.16.0.2 oifname "br0" tcp dport 80 accept }                                    # published
 * chain post-ID { ip saddr 172.16.0.0/24 oifname != "br0" masquerade;
 *     ip saddr 172.16.0.0/24 ip daddr 172.16.0.2 tcp dport 80 ct status dnat masquerade }        # hairpin
 * chain dnat-ID { meta nfproto ipv4 tcp dport 8080 dnat ip to 172.16.0.2:80 }
 * </pre>
 * every rule commented {@code netkit:br0@ID ...}. IPv6 rules of a dual-stack network go into the same chains,
 * matching {@code meta nfproto ipv6} ({@code ::1} instead of 127.0.0.0/8; no localhost publishing).
 */
public final class NftFirewall implements NetworkFirewall {
    static final NftFirewall INSTANCE = new NftFirewall();

    /** netkit's table in every host namespace. */
    public static final Table TABLE = Table.of(Family.INET, "netkit");
    /** The administrator's chain (iptables' NETKIT-USER): created when absent, never flushed or deleted by netkit. */
    public static final String ADMIN_CHAIN = "user";
    static final Chain FORWARD = Chain.base(TABLE, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
    static final Chain PREROUTING = Chain.base(TABLE, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
    static final Chain OUTPUT = Chain.base(TABLE, "output", Chain.Type.NAT, Hook.OUTPUT, -100, Chain.Policy.ACCEPT);
    static final Chain POSTROUTING = Chain.base(TABLE, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
    static final Chain USER = Chain.regular(TABLE, ADMIN_CHAIN);
    private static final List<Chain> BASE = List.of(FORWARD, PREROUTING, OUTPUT, POSTROUTING);
    private static final String[] KINDS = {"fwd", "post", "dnat"};

    private NftFirewall() {}

    /** The network's regular chain of {@code kind} ({@code fwd}, {@code post}, {@code dnat}): {@code KIND-ID}. */
    public static String chainName(String kind, String id) {
        return kind + "-" + id;
    }

    /** The rules one network consists of: its regular chains with their rules, and its jumps in the base chains. */
    record Desired(Map<Chain, List<Rule>> chains, List<Rule> jumps) {}

    @Override
    public void check(Spec s) {
        desired(s);
    }

    @Override
    public void install(NetNamespace host, Spec s) {
        ForeignForward.warnLegacy(host, s.bridge());
        apply(host, s);
    }

    /**
     * One change: the table's chains (one dump of every table's chains, which {@link ForeignForward} reuses), the
     * owner's jumps from the base chains (small dumps), the owner's own chains from {@link NftHostState} when the
     * ruleset generation says nothing changed since netkit's last commit (else listed), and one transaction with what
     * differs, over the host namespace's shared nfnetlink socket, committed only at the generation it was computed at
     * (computed again if another commit overtook it).
     */
    @Override
    public void apply(NetNamespace host, Spec s) {
        for (int attempt = 1; ; attempt++) {
            try {
                applyOnce(host, s);
                return;
            } catch (NetlinkException e) {
                // ERESTART: another commit (another process, nft) came between this change's generation and its
                // commit; nothing was applied and what was known is forgotten: list again and retry.
                if (e.errno() != io.netkit.netlink.Errno.ERESTART || attempt >= GENERATION_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** How often a change computed at a generation another commit overtook is computed again. */
    private static final int GENERATION_ATTEMPTS = 20;

    private void applyOnce(NetNamespace host, Spec s) {
        Desired d = desired(s);
        Nftables nft = Nftables.shared(host);
        NftHostState state = NftHostState.of(host);
        long gen = state.lockAtCurrent(nft);
        try {
            // The chain dump only when the generation moved since netkit's last change (another's commit may have
            // added or removed chains, a foreign forward chain among them).
            List<Chain> all = state.allChains();
            if (all == null) {
                all = nft.chains();
            }
            boolean chainsChange = false;
            // By name: an administrator may have changed a base chain's policy (a drop policy stays theirs).
            Set<String> names = new java.util.HashSet<>();
            for (Chain c : all) {
                if (c.table().equals(TABLE)) {
                    names.add(c.name());
                }
            }
            String comment = comment(s.owner(), null);
            String jumpsKey = "jumps " + s.owner();
            List<Rule> wantJumps = normalized(d.jumps());
            boolean tableReady = names.containsAll(List.of("forward", "prerouting", "output", "postrouting", ADMIN_CHAIN));
            // The base chains' rules only when the jumps may differ (their handles are needed to delete them).
            boolean jumpsSame = tableReady && wantJumps.equals(state.chain(jumpsKey));
            List<Rule> oldJumps = new ArrayList<>();
            if (!jumpsSame) {
                for (Chain b : BASE) {
                    if (names.contains(b.name())) {
                        for (Rule r : nft.rules(b)) {
                            if (r.comment().equals(comment)) {
                                oldJumps.add(r);
                            }
                        }
                    }
                }
                jumpsSame = normalized(oldJumps).equals(wantJumps);
            }
            Transaction tx = nft.transaction();
            if (!tableReady) {
                chainsChange = true;
                tx.addTable(TABLE);
                for (Chain b : BASE) {
                    tx.addChain(b);
                }
                tx.addChain(USER);
            }
            if (!jumpsSame) {
                for (Rule r : oldJumps) {
                    tx.deleteRule(r);
                }
            }
            Map<String, List<Rule>> after = new LinkedHashMap<>();
            after.put(jumpsKey, wantJumps);
            for (String kind : KINDS) {
                Chain c = Chain.regular(TABLE, chainName(kind, s.id()));
                List<Rule> want = d.chains().get(c);
                boolean exists = names.contains(c.name());
                List<Rule> have = null;
                if (exists) {
                    have = state.chain(c.name());
                    if (have == null) {
                        have = normalized(nft.rules(c));
                    }
                }
                if (want != null) {
                    List<Rule> wantN = normalized(want);
                    if (exists && have.size() < wantN.size() && wantN.subList(0, have.size()).equals(have)) {
                        // Only new rules at the end (one more published port, the common change): append them.
                        for (Rule r : want.subList(have.size(), want.size())) {
                            tx.addRule(r);
                        }
                    } else if (!exists || !have.equals(wantN)) {
                        chainsChange |= !exists;
                        tx.replaceChain(c, want);
                    }
                    after.put(c.name(), wantN);
                } else {
                    if (exists) {
                        chainsChange = true;
                        tx.flushChain(c).deleteChain(c);
                    }
                    after.put(c.name(), null);
                }
            }
            if (!jumpsSame) {
                for (Rule r : d.jumps()) {
                    tx.addRule(r);
                }
            }
            ForeignForward.sync(nft, all, tx, s);   // accepts in other tools' forward chains with policy drop
            if (tx.size() > 0) {
                // Only at the generation read above (NFNL_BATCH_GENID): nothing computed from what was known is
                // committed over another's change, and after the commit the generation is exactly gen + 1 (no read).
                tx.onlyIfGeneration(gen);
                try {
                    Faults.point("nft:commit");
                    tx.commit();
                } catch (RuntimeException e) {
                    state.forget();
                    throw e;
                }
                remember(state, after);
                state.committed(gen, gen + 1);
            } else {
                remember(state, after);
            }
            state.allChains(chainsChange ? null : all);   // kept only while the commit changed no chain
        } catch (NetlinkException e) {
            state.forget();
            throw e;
        } catch (RuntimeException e) {
            state.forget();
            nft.discard();   // not the kernel's answer: the next change starts on a fresh socket
            throw e;
        } finally {
            state.lock.unlock();
        }
    }

    @Override
    public boolean append(NetNamespace host, Spec added) {
        return NftAppend.append(host, added);
    }

    /** How many changes this process made by appending one endpoint's rules only (tests: the fast path ran). */
    public static long appends() {
        return NftAppend.APPENDS.get();
    }

    @Override
    public void remove(NetNamespace host, String bridge, String id, boolean v6) {
        removeOwner(host, Firewall.owner(bridge, id).id());
    }

    @Override
    public Set<String> owners(NetNamespace host) {
        Set<String> out = new TreeSet<>();
        try (Nftables nft = Nftables.shared(host)) {
            TableContents now = nft.list(TABLE);
            for (Rule r : now.rules()) {
                String o = ownerOf(r.comment());
                if (o != null && o.matches(".+@[0-9a-f]{8}")) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    @Override
    public void removeOwner(NetNamespace host, String owner) {
        String id = owner.substring(owner.lastIndexOf('@') + 1);
        Nftables nft = Nftables.shared(host);
        NftHostState state = NftHostState.of(host);
        state.lock.lock();
        try {
            state.forget();
            TableContents now = nft.list(TABLE);
            Transaction tx = nft.transaction();
            for (Rule jump : jumps(now, comment(owner, null))) {
                tx.deleteRule(jump);
            }
            for (String kind : KINDS) {
                Chain c = Chain.regular(TABLE, chainName(kind, id));
                if (now.chains().contains(c)) {
                    tx.flushChain(c).deleteChain(c);
                }
            }
            ForeignForward.remove(nft, tx, owner);
            if (tx.size() > 0) {
                tx.commit();
            }
        } finally {
            state.lock.unlock();
        }
    }

    /** The owner named by a comment {@code netkit:OWNER[ NOTE]}, or null. */
    static String ownerOf(String comment) {
        if (comment == null || !comment.startsWith("netkit:")) {
            return null;
        }
        int end = comment.indexOf(' ');
        return comment.substring("netkit:".length(), end < 0 ? comment.length() : end);
    }

    private static String comment(String owner, String note) {
        return "netkit:" + owner + (note == null ? "" : " " + note);
    }

    /** The owner's rules in the base chains (exactly its jumps, commented {@code netkit:OWNER}). */
    private static List<Rule> jumps(TableContents now, String comment) {
        List<Rule> out = new ArrayList<>();
        for (Chain b : BASE) {
            for (Rule r : now.rules(b.name())) {
                if (r.comment().equals(comment)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private static void remember(NftHostState state, Map<String, List<Rule>> chains) {
        for (Map.Entry<String, List<Rule>> e : chains.entrySet()) {
            state.put(e.getKey(), e.getValue());
        }
    }

    // Loops rather than streams and method references on this path: each distinct lambda costs a fresh JVM's first
    // create ~0.2 ms to link (measured, JDK 17 with a class-data archive).
    private static List<Rule> normalized(List<Rule> rules) {
        List<Rule> out = new ArrayList<>(rules.size());
        for (Rule r : rules) {
            out.add(r.normalized());
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** The network's chains and jumps for {@code s}. */
    static Desired desired(Spec s) {
        String owner = s.owner();
        String br = s.bridge();
        Chain fwd = Chain.regular(TABLE, chainName("fwd", s.id()));
        Chain post = Chain.regular(TABLE, chainName("post", s.id()));
        Chain dnat = Chain.regular(TABLE, chainName("dnat", s.id()));
        List<Rule> f = new ArrayList<>();
        List<Rule> p = new ArrayList<>();
        List<Rule> n = new ArrayList<>();
        List<Rule> jumps = new ArrayList<>();
        // The administrator's chain first (Docker's DOCKER-USER): a drop there wins over every accept of netkit's.
        f.add(Rule.builder(fwd).jump(ADMIN_CHAIN).comment(comment(owner, "admin first")).build());
        f.add(Rule.builder(fwd).iifname(br).oifname(br).accept().comment(comment(owner, "bridged")).build());
        List<Rule> outputJumps = new ArrayList<>();
        if (s.subnet() != null) {
            IpPrefix except = s.masqueradeExcept() != null && s.masqueradeExcept().isIpv4() ? s.masqueradeExcept() : null;
            family(s, Family.IP, s.subnet(), s.masquerade(), s.masquerade(), except, s.published(), s.localhost(),
                    fwd, post, dnat, f, p, n, outputJumps);
        }
        if (s.subnet6() != null) {
            family(s, Family.IP6, s.subnet6(), s.forward6(), s.nat6(), null, s.published6(), false,
                    fwd, post, dnat, f, p, n, outputJumps);
        }
        Map<Chain, List<Rule>> chains = new LinkedHashMap<>();
        chains.put(fwd, f);
        String jc = comment(owner, null);
        jumps.add(Rule.builder(FORWARD).jump(fwd.name()).comment(jc).build());
        if (!p.isEmpty()) {
            chains.put(post, p);
            jumps.add(Rule.builder(POSTROUTING).jump(post.name()).comment(jc).build());
        }
        if (!n.isEmpty()) {
            chains.put(dnat, n);
            jumps.add(Rule.builder(PREROUTING).fibDaddrTypeLocal().jump(dnat.name()).comment(jc).build());
            jumps.addAll(outputJumps);
        }
        return new Desired(chains, jumps);
    }

    private static void family(Spec s, Family fam, IpPrefix subnet, boolean forward, boolean nat, IpPrefix except,
                               List<Firewall.Published> published, boolean localhost, Chain fwd, Chain post, Chain dnat,
                               List<Rule> f, List<Rule> p, List<Rule> n, List<Rule> outputJumps) {
        String owner = s.owner();
        String br = s.bridge();
        boolean v4 = fam == Family.IP;
        if (forward) {
            f.add(Rule.builder(fwd).nfproto(fam).iifname(br).oifnameNot(br).accept()
                    .comment(comment(owner, "outbound")).build());
            f.add(Rule.builder(fwd).nfproto(fam).oifname(br).ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                    .comment(comment(owner, "replies")).build());
            if (nat) {
                RuleBuilder m = Rule.builder(post).saddr(subnet);
                if (except != null) {
                    m.daddrNot(except);
                }
                p.add(m.oifnameNot(br).masquerade().comment(comment(owner, "masquerade")).build());
            }
        }
        if (except != null) {
            f.add(Rule.builder(fwd).saddr(except).iifnameNot(br).oifname(br).accept()
                    .comment(comment(owner, "flat network")).build());
        }
        if (published.isEmpty()) {
            return;
        }
        for (Firewall.Published pub : published) {
            mapping(owner, br, fam, subnet, pub, fwd, post, dnat, f, p, n);
        }
        if (localhost) {
            p.add(Rule.builder(post).saddr(IpPrefix.parse("127.0.0.0/8")).oifname(br).masquerade()
                    .comment(comment(owner, "localhost")).build());
        }
        if (!forward) {
            f.add(Rule.builder(fwd).nfproto(fam).iifname(br).oifnameNot(br).ctState(CtState.ESTABLISHED, CtState.RELATED)
                    .accept().comment(comment(owner, "published replies")).build());
        }
        // Loopback destinations are left alone unless asked: DNAT from 127.0.0.1 to a bridge routes only with
        // route_localnet on the bridge.
        RuleBuilder out = Rule.builder(OUTPUT).nfproto(fam);
        if (!localhost) {
            out.daddrNot(IpPrefix.parse(v4 ? "127.0.0.0/8" : "::1/128"));
        }
        outputJumps.add(out.fibDaddrTypeLocal().jump(dnat.name()).comment(comment(owner, null)).build());
    }

    /** The rules of one published port: hairpin into {@code p}, DNAT into {@code n}, the forward accept into {@code f}. */
    static void mapping(String owner, String br, Family fam, IpPrefix subnet, Firewall.Published pub, Chain fwd, Chain post,
                        Chain dnat, List<Rule> f, List<Rule> p, List<Rule> n) {
        int proto = pub.protocol() == io.netkit.iptables.Protocol.TCP ? RuleBuilder.TCP : RuleBuilder.UDP;
        InetAddress c = IpAddresses.parse(pub.container());
        IpPrefix host = IpPrefix.host(c);
        p.add(Rule.builder(post).saddr(subnet).daddr(host).dport(proto, pub.containerPort()).ctStatusDnat()
                .masquerade().comment(comment(owner, "hairpin")).build());
        RuleBuilder dn = Rule.builder(dnat).nfproto(fam);
        if (pub.hostAddress() != null) {
            dn.daddr(IpPrefix.host(IpAddresses.parse(pub.hostAddress()))); // published on this host address only
        }
        n.add(dn.dport(proto, pub.hostPort()).dnat(c, pub.containerPort()).comment(comment(owner, "publish")).build());
        f.add(Rule.builder(fwd).daddr(host).oifname(br).dport(proto, pub.containerPort()).accept()
                .comment(comment(owner, "publish")).build());
    }
}
