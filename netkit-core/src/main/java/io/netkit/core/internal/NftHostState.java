package io.netkit.core.internal;

import io.netkit.netlink.NetNamespace;
import io.netkit.nftables.Rule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What this process knows of its networks' chains in one host namespace's {@code table inet netkit}, valid while the
 * ruleset generation ({@code NFT_MSG_GETGEN}) is the one recorded: the kernel bumps it with every committed
 * transaction of anyone (another process, {@code nft}, iptables-nft), so an unchanged generation means the chains
 * still hold exactly what netkit committed or listed, and the next change need not list and decode them again (the
 * listing of a network's chains grows with its published ports and was most of a publish's cost). A generation
 * that moved by more than netkit's own commit clears everything: the next change lists the kernel again.
 *
 * <p>The native backend's changes in a host namespace run under {@link #lock} (one at a time per process), so that
 * "the generation after my commit is the one before plus one" identifies a commit as the only one in between.
 */
final class NftHostState {
    /** Per host namespace handle (weakly: the handle closes its nfnetlink socket itself). */
    private static final Map<NetNamespace, NftHostState> STATES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    final ReentrantLock lock = new ReentrantLock();
    /** The generation at which {@link #chains} was true; -1: nothing known. Guarded by lock. */
    private long generation = -1;
    /** A network chain's name (or {@code "jumps OWNER"}: its jumps in the base chains) to its rules (normalized), as
     * the kernel held them at {@link #generation}. */
    private final Map<String, List<Rule>> chains = new HashMap<>();

    /** Every chain of every table of the host namespace at {@link #generation} (one chain dump), or null. */
    private List<io.netkit.nftables.Chain> allChains;

    static NftHostState of(NetNamespace host) {
        return STATES.computeIfAbsent(host, k -> new NftHostState());
    }

    /**
     * Takes {@link #lock} and brings what is known up to the ruleset's current generation ({@link #at}); returns that
     * generation, for a transaction committed only if it still holds. The caller unlocks (also when this throws, it
     * has already unlocked).
     */
    long lockAtCurrent(io.netkit.nftables.Nftables nft) {
        lock.lock();
        try {
            long gen = nft.generation();
            at(gen);
            return gen;
        } catch (RuntimeException | Error e) {
            lock.unlock();
            throw e;
        }
    }

    /** The ruleset generation is {@code now}: forgets everything if it is not the recorded one. */
    void at(long now) {
        if (now != generation) {
            chains.clear();
            allChains = null;
            generation = now;
        }
    }

    /** The rules (normalized) of chain {@code name} if known at the generation given to {@link #at}; else null (read only). */
    List<Rule> chain(String name) {
        return chains.get(name);
    }

    /** Chain {@code name} holds {@code rules} (normalized) at the current generation; null: it does not exist. */
    void put(String name, List<Rule> rules) {
        if (rules == null) {
            chains.remove(name);
        } else {
            chains.put(name, new java.util.ArrayList<>(rules));
        }
    }

    /** Chain {@code name} (known) had {@code rules} (normalized) appended at the current generation. */
    void append(String name, List<Rule> rules) {
        chains.get(name).addAll(rules);
    }

    /** Every chain of the host namespace if known at the generation given to {@link #at}; else null. */
    List<io.netkit.nftables.Chain> allChains() {
        return allChains;
    }

    /** The host namespace's chains at the current generation (null: unknown, the next change dumps them). */
    void allChains(List<io.netkit.nftables.Chain> all) {
        allChains = all == null ? null : List.copyOf(all);
    }

    /**
     * After a commit made at generation {@code before}: the generation is {@code after} now. Keeps what is known (with
     * the commit's own changes {@link #put}) only if the commit was the only one in between.
     */
    void committed(long before, long after) {
        if (after == before + 1 && generation == before) {
            generation = after;
        } else {
            forget();
        }
    }

    /** Forgets everything (after a failure, or a removal): the next change lists the kernel. */
    void forget() {
        chains.clear();
        allChains = null;
        generation = -1;
    }
}
