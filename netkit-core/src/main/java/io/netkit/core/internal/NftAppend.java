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
 * forward chain is there to sync, and the new rules land at each chain's end in a full render (one family
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
        // Rendered once with the first mapping alone and once with it twice: the second copy's rules are what the
        // new mappings add to a chain that already holds mappings; they must follow everything of the first render.
        NftFirewall.Desired one = NftFirewall.desired(spec(added, first(p4), first(p6)));
        NftFirewall.Desired more = NftFirewall.desired(spec(added, twice(p4), twice(p6)));
        if (!one.jumps().equals(more.jumps()) || !one.chains().keySet().equals(more.chains().keySet())) {
            return false;
        }
        Map<Chain, List<Rule>> tails = new java.util.LinkedHashMap<>();
        for (Map.Entry<Chain, List<Rule>> e : more.chains().entrySet()) {
            List<Rule> a = one.chains().get(e.getKey());
            List<Rule> b = e.getValue();
            if (b.size() < a.size() || !b.subList(0, a.size()).equals(a)) {
                return false;   // the mappings are followed by other rules (localhost, published replies, a family)
            }
            // The rules of the copies beyond the first: a block per mapping, the same shape for the new ones.
            int per = b.size() - a.size();
            if (per == 0) {
                continue;
            }
            List<Rule> rendered = NftFirewall.desired(spec(added, withFirst(p4), withFirst(p6))).chains().get(e.getKey());
            tails.put(e.getKey(), rendered.subList(a.size(), rendered.size()));
        }
        Nftables nft = Nftables.shared(host);
        NftHostState state = NftHostState.of(host);
        state.lock.lock();
        try {
            long gen = nft.generation();
            state.at(gen);
            List<Chain> all = state.allChains();
            if (all == null || all.stream().anyMatch(ForeignForward::isForeignForward)) {
                return false;
            }
            String jumpsKey = "jumps " + added.owner();
            List<Rule> jumps = state.chain(jumpsKey);
            if (jumps == null || !jumps.equals(more.jumps().stream().map(Rule::normalized).toList())) {
                return false;   // not known, or the network does not publish yet (the DNAT chain and its jumps are new)
            }
            for (Chain c : more.chains().keySet()) {
                List<Rule> have = state.chain(c.name());
                List<Rule> base = one.chains().get(c);
                if (have == null || have.size() < base.size()) {
                    return false;
                }
                // The chain holds a render with mappings: its rules before the first mapping are the first render's.
                int fixed = base.size() - (more.chains().get(c).size() - base.size());
                if (!have.subList(0, fixed).equals(base.subList(0, fixed))
                        || !have.get(have.size() - 1).comment().equals(base.get(base.size() - 1).comment())) {
                    return false;   // not a render with mappings at the end (an older spec's trailing rule)
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

    /** The first mapping, then every new one: the render whose rules past the first block are the new ones'. */
    private static List<Firewall.Published> withFirst(List<Firewall.Published> p) {
        if (p.isEmpty()) {
            return p;
        }
        List<Firewall.Published> out = new ArrayList<>(p.size() + 1);
        out.add(p.get(0));
        out.addAll(p);
        return out;
    }
}
