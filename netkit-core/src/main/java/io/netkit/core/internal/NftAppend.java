package io.netkit.core.internal;

import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.nftables.Chain;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.Transaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The native backend's fast path for one more endpoint's published ports ({@code nft add rule} of its rules only,
 * one transaction): O(1) in the number of the network's endpoints, where {@link NftFirewall#apply} renders, lists
 * and compares the whole network. Taken only when the result is exactly what a full re-render would install:
 * the network's chains are known at the current ruleset generation ({@link NftHostState}: netkit's own last commit,
 * nothing in between), the network publishes already (its jumps are those of a publishing network), no foreign
 * forward chain with policy drop is there to sync, and the new rules land at each chain's end in a full render (one family
 * publishes, no trailing rule follows the mappings). Otherwise it declines and the caller applies the whole spec.
 */
final class NftAppend {
    /** Changes made by this fast path (tests). */
    static final java.util.concurrent.atomic.AtomicLong APPENDS = new java.util.concurrent.atomic.AtomicLong();

    private NftAppend() {}

    /**
     * Appends the rules of {@code added}'s published ports ({@code added.published()}/{@code published6()}: only the
     * new ones; every other field as the network's full spec) to the chains, committed at the generation read.
     * Returns false, having changed nothing, when the fast path does not apply.
     */
    static boolean append(NetNamespace host, NetworkFirewall.Spec added) {
        List<Firewall.Published> p4 = added.published();
        List<Firewall.Published> p6 = added.published6();
        if (p4.isEmpty() && p6.isEmpty()) {
            return true;
        }
        Shape shape = shape(added);
        if (shape == null) {
            return false;
        }
        Map<Chain, List<Rule>> tails = tails(added, p4, p6);
        Nftables nft = Nftables.shared(host);
        NftHostState state = NftHostState.of(host);
        long gen = state.lockAtCurrent(nft);
        try {
            List<Chain> all = state.allChains();
            // A foreign forward chain with policy drop gets the new mapping's accept too (ForeignForward.sync, on the
            // whole apply). One with policy accept gets nothing, and held none of netkit's at its last apply (which
            // synced it): its policy is what it was then, as no one committed since.
            if (all == null || all.stream().anyMatch(c -> ForeignForward.isForeignForward(c)
                    && c.base().orElseThrow().policy() == Chain.Policy.DROP)) {
                return false;
            }
            String jumpsKey = "jumps " + added.owner();
            List<Rule> jumps = state.chain(jumpsKey);
            if (jumps == null || !jumps.equals(shape.jumps())) {
                return false;   // not known, or the network does not publish yet (the DNAT chain and its jumps are new)
            }
            for (Map.Entry<Chain, List<Rule>> e : shape.prefix().entrySet()) {
                List<Rule> have = state.chain(e.getKey().name());
                List<Rule> fixed = e.getValue();
                // The chain holds a render with mappings: the rules before them as rendered, a mapping's rule last.
                if (have == null || have.size() <= fixed.size() || !have.subList(0, fixed.size()).equals(fixed)
                        || !have.get(have.size() - 1).comment().equals(shape.lastComment().get(e.getKey()))) {
                    return false;
                }
            }
            Transaction tx = nft.transaction();
            for (List<Rule> t : tails.values()) {
                t.forEach(tx::addRule);
            }
            tx.onlyIfGeneration(gen);
            try {
                Faults.point("nft:append-commit");
                tx.commit();
            } catch (NetlinkException e) {
                state.forget();
                if (e.errno() == io.netkit.netlink.Errno.ERESTART) {
                    return false;   // overtaken by another commit: nothing applied; the full apply lists again
                }
                throw e;
            } catch (RuntimeException e) {
                state.forget();
                nft.discard();
                throw e;
            }
            for (Map.Entry<Chain, List<Rule>> e : tails.entrySet()) {
                state.append(e.getKey().name(), e.getValue().stream().map(Rule::normalized).toList());
            }
            state.committed(gen, gen + 1);
            APPENDS.incrementAndGet();
            return true;
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Where a network's mappings sit in its full render: the base chains' jumps of a publishing network, and per chain
     * the rules before the mappings (normalized) and the comment of a mapping's last rule in it.
     */
    private record Shape(List<Rule> jumps, Map<Chain, List<Rule>> prefix, Map<Chain, String> lastComment) {}

    /** A network's spec without mappings and which families get new ones. */
    private record Key(NetworkFirewall.Spec base, boolean v4, boolean v6) {}

    /** Shapes by key, computed once per network (and flags); empty: the mappings do not end their chains. */
    private static final Map<Key, java.util.Optional<Shape>> SHAPES = new java.util.concurrent.ConcurrentHashMap<>();

    /** The shape of {@code added}'s network if its new mappings' rules are appended at its chains' ends; else null. */
    private static Shape shape(NetworkFirewall.Spec added) {
        Key key = new Key(added.withoutPublished(), !added.published().isEmpty(), !added.published6().isEmpty());
        java.util.Optional<Shape> known = SHAPES.get(key);
        if (known == null) {
            if (SHAPES.size() > 1024) {
                SHAPES.clear();   // networks come and go in a long-lived process
            }
            known = java.util.Optional.ofNullable(computeShape(added));
            SHAPES.put(key, known);
        }
        return known.orElse(null);
    }

    private static Shape computeShape(NetworkFirewall.Spec added) {
        List<Firewall.Published> p4 = added.published();
        List<Firewall.Published> p6 = added.published6();
        // Rendered once with the first mapping alone and once with it twice: the second copy's rules are what a new
        // mapping adds to a chain that already holds mappings; they must follow everything of the first render.
        NftFirewall.Desired one = NftFirewall.desired(spec(added, first(p4), first(p6)));
        NftFirewall.Desired more = NftFirewall.desired(spec(added, twice(p4), twice(p6)));
        if (!one.jumps().equals(more.jumps()) || !one.chains().keySet().equals(more.chains().keySet())) {
            return null;
        }
        Map<Chain, List<Rule>> direct = tails(added, first(p4), first(p6));
        Map<Chain, List<Rule>> prefix = new java.util.LinkedHashMap<>();
        Map<Chain, String> last = new java.util.HashMap<>();
        for (Map.Entry<Chain, List<Rule>> e : more.chains().entrySet()) {
            List<Rule> a = one.chains().get(e.getKey());
            List<Rule> b = e.getValue();
            if (b.size() < a.size() || !b.subList(0, a.size()).equals(a)) {
                return null;   // the mappings are followed by other rules (localhost, published replies, a family)
            }
            List<Rule> tail = b.subList(a.size(), b.size());
            if (!tail.equals(direct.getOrDefault(e.getKey(), List.of()))) {
                return null;
            }
            if (!tail.isEmpty()) {
                prefix.put(e.getKey(), a.subList(0, a.size() - tail.size()).stream().map(Rule::normalized).toList());
                last.put(e.getKey(), tail.get(tail.size() - 1).comment());
            }
        }
        if (!prefix.keySet().equals(direct.keySet())) {
            return null;
        }
        return new Shape(more.jumps().stream().map(Rule::normalized).toList(), prefix, last);
    }

    /** The rules of mappings {@code p4} and {@code p6} by chain, in the order a full render gives them. */
    private static Map<Chain, List<Rule>> tails(NetworkFirewall.Spec s, List<Firewall.Published> p4,
                                                List<Firewall.Published> p6) {
        Chain fwd = Chain.regular(NftFirewall.TABLE, NftFirewall.chainName("fwd", s.id()));
        Chain post = Chain.regular(NftFirewall.TABLE, NftFirewall.chainName("post", s.id()));
        Chain dnat = Chain.regular(NftFirewall.TABLE, NftFirewall.chainName("dnat", s.id()));
        List<Rule> f = new ArrayList<>();
        List<Rule> p = new ArrayList<>();
        List<Rule> n = new ArrayList<>();
        String owner = s.owner();
        for (Firewall.Published pub : p4) {
            NftFirewall.mapping(owner, s.bridge(), io.netkit.nftables.Family.IP, s.subnet(), pub, fwd, post, dnat, f, p, n);
        }
        for (Firewall.Published pub : p6) {
            NftFirewall.mapping(owner, s.bridge(), io.netkit.nftables.Family.IP6, s.subnet6(), pub, fwd, post, dnat, f, p, n);
        }
        Map<Chain, List<Rule>> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<Chain, List<Rule>> e : Map.of(fwd, f, post, p, dnat, n).entrySet()) {
            if (!e.getValue().isEmpty()) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static NetworkFirewall.Spec spec(NetworkFirewall.Spec s, List<Firewall.Published> p4, List<Firewall.Published> p6) {
        return new NetworkFirewall.Spec(s.bridge(), s.id(), s.subnet(), s.masquerade(), s.masqueradeExcept(), s.subnet6(),
                s.forward6(), s.nat6(), p4, p6, s.localhost());
    }

    private static List<Firewall.Published> first(List<Firewall.Published> p) {
        return p.isEmpty() ? p : List.of(p.get(0));
    }

    private static List<Firewall.Published> twice(List<Firewall.Published> p) {
        return p.isEmpty() ? p : List.of(p.get(0), p.get(0));
    }

}
