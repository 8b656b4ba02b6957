package io.netkit.nftables;

import static io.netkit.nftables.internal.NftConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkSocket;
import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.nftables.internal.NftDecoder;
import io.netkit.nftables.internal.NftEncoder;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Corrupts REAL nf_tables messages (a dump of tables, chains, rules of netkit's and of {@code nft -f}'s making,
 * sets, map elements and the generation) and feeds them to every decoder. Only
 * {@link MalformedMessageException} may escape: no IndexOutOfBounds, no IllegalArgument from a value's
 * validation, no hang.
 */
@Privileged
class NftDecoderFuzzTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private static final List<Function<NlMsgReader, ?>> DECODERS = List.of(NftDecoder::table, NftDecoder::chain,
            NftDecoder::rule, NftDecoder::set, NftDecoder::elements, NftDecoder::generation);

    @Test
    void corruptedKernelMessagesOnlyEverFailWithMalformedMessageException() throws Exception {
        List<byte[]> seeds = captureSeeds();
        assertThat(seeds.size()).isGreaterThan(15);
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<long[]> f = ex.submit(() -> fuzz(seeds, 40_000));
            long[] r = f.get(60, TimeUnit.SECONDS);   // a hang is a failure, not a stuck build
            assertThat(r[0]).as("decoded").isPositive();
            assertThat(r[1]).as("malformed").isPositive();
        } finally {
            ex.shutdownNow();
        }
    }

    private List<byte[]> captureSeeds() throws Exception {
        NetNamespace ns = namespaces.create("fuzz");
        String name = ns.name().orElseThrow();
        Table t = NftablesKernelTest.T;
        NftSet map = NftSet.map(t, "pub", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
        try (Nftables nft = Nftables.open(ns)) {
            Transaction tx = nft.transaction().addTable(t).addChain(NftablesKernelTest.FWD).addChain(NftablesKernelTest.POST)
                    .addChain(NftablesKernelTest.PRE).addChain(NftablesKernelTest.NET).addSet(map)
                    .addElements(map, List.of(SetElement.portToIpv4(8080, java.net.InetAddress.getByName("10.0.0.2"), 80)))
                    .addRule(Rule.builder(NftablesKernelTest.PRE).dnatIpv4PortMap(RuleBuilder.TCP, "pub").comment("map").build());
            NftablesKernelTest.masqueradeRules().forEach(tx::addRule);
            tx.commit();
        }
        assertThat(NftWitness.apply(name, """
                table ip6 x {
                  set s { type ipv6_addr; flags interval; elements = { fd00::/64 } }
                  chain c { type filter hook input priority 0; ip6 saddr @s log prefix "x" limit rate 1/second drop; }
                }
                """).exitCode()).isZero();
        List<byte[]> seeds = new ArrayList<>();
        Function<NlMsgReader, byte[]> copy = m -> {
            byte[] out = new byte[m.length()];
            m.buffer().get(m.offset(), out);
            return out;
        };
        try (NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NetlinkConstants.NETLINK_NETFILTER))) {
            seeds.addAll(s.dump("seed tables", msgType(NFT_MSG_GETTABLE), w -> NftEncoder.nfgenmsg(w, 0), copy));
            seeds.addAll(s.dump("seed chains", msgType(NFT_MSG_GETCHAIN), w -> NftEncoder.nfgenmsg(w, 0), copy));
            seeds.addAll(s.dump("seed rules", msgType(NFT_MSG_GETRULE), w -> NftEncoder.nfgenmsg(w, 0), copy));
            seeds.addAll(s.dump("seed sets", msgType(NFT_MSG_GETSET), w -> NftEncoder.nfgenmsg(w, 0), copy));
            seeds.addAll(s.dump("seed elements", msgType(NFT_MSG_GETSETELEM), w -> {
                NftEncoder.nfgenmsg(w, Family.INET.code());
                w.attrString(NFTA_SET_ELEM_LIST_TABLE, t.name());
                w.attrString(NFTA_SET_ELEM_LIST_SET, "pub");
            }, copy));
            byte[] gen = s.request("seed gen", null, msgType(NFT_MSG_GETGEN), 0, w -> NftEncoder.nfgenmsg(w, 0), copy);
            seeds.add(gen);
        }
        return seeds;
    }

    private static long[] fuzz(List<byte[]> seeds, int rounds) {
        SplittableRandom rnd = new SplittableRandom(0x5eed);
        long decoded = 0;
        long malformed = 0;
        for (int round = 0; round < rounds; round++) {
            byte[] b = seeds.get(rnd.nextInt(seeds.size())).clone();
            switch (rnd.nextInt(6)) {
                case 0 -> {                                    // flip a few bytes after the header
                    for (int k = rnd.nextInt(1, 6); k > 0; k--) {
                        b[16 + rnd.nextInt(b.length - 16)] ^= (byte) rnd.nextInt(1, 256);
                    }
                }
                case 1 -> {                                    // a 16-bit field (nla_len/type) rewritten
                    int p = 16 + (rnd.nextInt(b.length - 17) & ~1);
                    int v = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(0, 0x10000);
                    b[p] = (byte) v;
                    b[p + 1] = (byte) (v >>> 8);
                }
                case 2 -> b = Arrays.copyOf(b, rnd.nextInt(16, b.length + 1));          // truncated
                case 3 -> {                                    // nlmsg_len lies (shorter or huge)
                    int len = rnd.nextBoolean() ? rnd.nextInt(0, b.length + 64) : rnd.nextInt();
                    ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, len);
                }
                case 4 -> b[16] = (byte) rnd.nextInt(256);   // the family byte
                default -> { }                                 // valid
            }
            if (rnd.nextBoolean()) {
                ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, b.length);
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(b.length).order(ByteOrder.nativeOrder());
            buf.put(b).flip();
            for (Function<NlMsgReader, ?> d : DECODERS) {
                try {
                    NlMsgReader r = new NlMsgReader(buf);
                    while (r.next()) {
                        d.apply(r);
                        decoded++;
                    }
                } catch (MalformedMessageException e) {
                    malformed++;
                    assertThat(e.offset()).isBetween(0, b.length);
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("unexpected " + e + " for input " + Arrays.toString(b), e);
                }
            }
        }
        return new long[] {decoded, malformed};
    }
}
