package io.netkit.nftables;

import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_NETFILTER;
import static io.netkit.nftables.internal.NftConstants.*;

import io.netkit.netlink.Errno;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.NetlinkBatchException;
import io.netkit.netlink.NetlinkSocket;
import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.nftables.internal.NftDecoder;
import io.netkit.nftables.internal.NftEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * nf_tables of one network namespace, over an nfnetlink socket ({@code NETLINK_NETFILTER}) opened in it: what
 * {@code nft} does, in-process.
 *
 * <pre>{@code
 * try (Nftables nft = Nftables.open(ns)) {                      // ip netns exec NS nft ...
 *     Table t = Table.of(Family.INET, "netkit");
 *     Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
 *     nft.transaction().addTable(t).addChain(fwd)
 *        .addRule(Rule.builder(fwd).iifname("br0").accept().comment("netkit:br0").build())
 *        .commit();                                              // nft -f: one atomic transaction
 *     TableContents c = nft.list(t);                             // nft list table inet netkit
 *     long g = nft.generation();                                 // the ruleset generation (NFT_MSG_GETGEN)
 * }
 * }</pre>
 *
 * <p>Thread-safe; transactions and listings are serialized on the socket.
 */
public final class Nftables implements AutoCloseable {
    private final NetlinkSocket socket;
    private final ReentrantLock lock = new ReentrantLock();
    private final NlMsgWriter writer = new NlMsgWriter(64 * 1024);
    private final boolean shared;

    /** The shared handle of each namespace handle (weakly: the handle's own {@link NetNamespace#socket} closes it). */
    private static final java.util.Map<NetNamespace, Nftables> SHARED =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private Nftables(NetlinkSocket socket, boolean shared) {
        this.socket = socket;
        this.shared = shared;
    }

    /** nf_tables of {@code namespace}: opens an nfnetlink socket on its thread. Close the result. */
    public static Nftables open(NetNamespace namespace) {
        Objects.requireNonNull(namespace, "namespace == null");
        return new Nftables(namespace.call(() -> NetlinkSocket.open(NETLINK_NETFILTER)), false);
    }

    /**
     * nf_tables of {@code namespace} over the namespace handle's shared nfnetlink socket
     * ({@link NetNamespace#socket(int)}): opened on the namespace's thread once, closed with the namespace handle, so
     * repeated changes pay neither a hand-off to the namespace's thread nor a socket's open and close. Its
     * {@link #close()} does nothing; {@link #discard()} drops the socket (the next call opens a fresh one).
     */
    public static Nftables shared(NetNamespace namespace) {
        Objects.requireNonNull(namespace, "namespace == null");
        NetlinkSocket s = namespace.socket(NETLINK_NETFILTER);
        synchronized (SHARED) {
            Nftables n = SHARED.get(namespace);
            if (n == null || n.socket != s) {
                n = new Nftables(s, true);
                SHARED.put(namespace, n);
            }
            return n;
        }
    }

    /** The socket this handle talks over (for tests: a shared handle keeps one socket across changes). */
    public NetlinkSocket socket() {
        return socket;
    }

    /** Closes the socket, also of a {@link #shared} handle (after an error that may have left it unusable). */
    public void discard() {
        socket.close();
    }

    /** A new, empty transaction; see {@link Transaction}. */
    public Transaction transaction() {
        checkOpen();
        return new Transaction(this);
    }

    /**
     * The ruleset generation ({@code NFT_MSG_GETGEN}): a counter the kernel bumps with every committed
     * transaction; an unchanged value means an unchanged ruleset. ({@code nft list ruleset} reads it too.)
     */
    public long generation() {
        checkOpen();
        Long g = socket.request("get nf_tables generation", null, msgType(NFT_MSG_GETGEN), 0,
                w -> NftEncoder.nfgenmsg(w, 0), NftDecoder::generation);
        if (g == null) {
            throw new IllegalStateException("kernel answered NFT_MSG_GETGEN without a generation");
        }
        return g;
    }

    /** All tables of the families netkit models: {@code nft list tables}. */
    public List<Table> tables() {
        checkOpen();
        return socket.dump("list nf_tables tables", msgType(NFT_MSG_GETTABLE), w -> NftEncoder.nfgenmsg(w, 0),
                NftDecoder::table);
    }

    /** Whether {@code table} exists. */
    public boolean exists(Table table) {
        return tables().contains(table);
    }

    /**
     * The chains, rules (with handles and comments) and named sets of {@code table}: {@code nft list table FAMILY NAME}.
     * A table that does not exist lists empty.
     */
    public TableContents list(Table table) {
        Objects.requireNonNull(table, "table == null");
        checkOpen();
        int fam = table.family().code();
        List<Chain> chains = new ArrayList<>();
        for (Chain c : socket.dump("list chains of " + table, msgType(NFT_MSG_GETCHAIN),
                w -> { NftEncoder.nfgenmsg(w, fam); w.attrString(NFTA_CHAIN_TABLE, table.name()); }, NftDecoder::chain)) {
            if (c.table().equals(table)) {
                chains.add(c);
            }
        }
        List<Rule> rules = new ArrayList<>();
        for (Rule r : socket.dump("list rules of " + table, msgType(NFT_MSG_GETRULE),
                w -> { NftEncoder.nfgenmsg(w, fam); w.attrString(NFTA_RULE_TABLE, table.name()); }, NftDecoder::rule)) {
            if (r.table().equals(table)) {
                rules.add(r);
            }
        }
        List<NftSet> sets = new ArrayList<>();
        List<NftSet> dumped;
        try {
            dumped = socket.dump("list sets of " + table, msgType(NFT_MSG_GETSET),
                    w -> { NftEncoder.nfgenmsg(w, fam); w.attrString(NFTA_SET_TABLE, table.name()); }, NftDecoder::set);
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            dumped = List.of();   // the set dump names a missing table with ENOENT; the others list nothing
        }
        for (NftSet s : dumped) {
            if (s.table().equals(table)) {
                sets.add(s);
            }
        }
        return new TableContents(table, chains, rules, sets);
    }

    /**
     * Every chain of every table (of the families netkit models: ip, ip6, inet), in one dump: {@code nft list chains}.
     * How netkit finds other tools' base chains (e.g. iptables-nft's {@code ip filter FORWARD} with policy drop).
     */
    public List<Chain> chains() {
        checkOpen();
        return socket.dump("list nf_tables chains", msgType(NFT_MSG_GETCHAIN), w -> NftEncoder.nfgenmsg(w, 0),
                NftDecoder::chain);
    }

    /** The rules of one chain, in order, with handles and comments: {@code nft list chain FAMILY TABLE NAME}. */
    public List<Rule> rules(Chain chain) {
        Objects.requireNonNull(chain, "chain == null");
        checkOpen();
        Table table = chain.table();
        List<Rule> out = new ArrayList<>();
        for (Rule r : socket.dump("list rules of " + chain, msgType(NFT_MSG_GETRULE), w -> {
            NftEncoder.nfgenmsg(w, table.family().code());
            w.attrString(NFTA_RULE_TABLE, table.name());
            w.attrString(NFTA_RULE_CHAIN, chain.name());
        }, NftDecoder::rule)) {
            if (r.table().equals(table) && r.chain().equals(chain.name())) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The elements of {@code set}: {@code nft list set FAMILY TABLE NAME}.
     *
     * @throws NetlinkException with {@code ENOENT} if the set (or its table) does not exist
     */
    public List<SetElement> elements(NftSet set) {
        Objects.requireNonNull(set, "set == null");
        checkOpen();
        List<SetElement> out = new ArrayList<>();
        for (List<SetElement> chunk : socket.dump("list elements of " + set, msgType(NFT_MSG_GETSETELEM), w -> {
            NftEncoder.nfgenmsg(w, set.table().family().code());
            w.attrString(NFTA_SET_ELEM_LIST_TABLE, set.table().name());
            w.attrString(NFTA_SET_ELEM_LIST_SET, set.name());
        }, NftDecoder::elements)) {
            out.addAll(chunk);
        }
        return out;
    }

    /** Closes the socket (nothing for a {@link #shared} handle). Idempotent. */
    @Override
    public void close() {
        if (!shared) {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return "Nftables[" + socket + "]";
    }

    void commit(Transaction tx) {
        int count = tx.size() + 2;
        int[] offsets = new int[count];
        String[] operations = new String[count];
        String[] targets = new String[count];
        lock.lock();
        try {
            checkOpen();
            writer.reset();
            tx.write(writer, offsets, operations, targets);
            socket.executeDatagram(writer, offsets, operations, targets, count);
        } catch (NetlinkBatchException e) {
            throw tx.failure(e);
        } catch (NetlinkException e) {
            if (e.errno() == Errno.EMSGSIZE) {
                throw new NftablesException("nf_tables transaction of " + tx.size() + " changes (" + writer.length()
                        + " bytes) does not fit one datagram (the socket's send buffer); nothing was changed: split it"
                        + " into smaller transactions", e, -1, null, -1, List.of(e.getMessage()));
            }
            throw e;
        } finally {
            lock.unlock();
        }
    }

    private void checkOpen() {
        if (socket.isClosed()) {
            throw new IllegalStateException("Nftables handle is closed");
        }
    }
}
