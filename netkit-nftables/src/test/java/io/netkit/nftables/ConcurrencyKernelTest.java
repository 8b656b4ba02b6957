package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Transactions from several threads on one handle and on two handles; a transaction too big for one datagram. */
@Privileged
class ConcurrencyKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void concurrentTransactionsEachApplyWholeAndTheGenerationCountsThem() throws Exception {
        NetNamespace ns = namespaces.create("conc");
        Table t = Table.of(Family.INET, "netkit");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Nftables a = Nftables.open(ns); Nftables b = Nftables.open(ns)) {
            a.transaction().addTable(t).commit();
            long g0 = a.generation();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Nftables h = i % 2 == 0 ? a : b;
                Chain c = Chain.regular(t, "c" + i);
                int n = i;
                fs.add(pool.submit(() -> h.transaction().addChain(c)
                        .addRule(Rule.builder(c).iifname("x" + n).accept().comment("one " + n).build())
                        .addRule(Rule.builder(c).oifname("y" + n).drop().comment("two " + n).build())
                        .commit()));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(a.generation()).isEqualTo(g0 + 40);
            TableContents c = b.list(t);
            assertThat(c.chains()).hasSize(40);
            for (int i = 0; i < 40; i++) {
                assertThat(c.rules("c" + i).stream().map(Rule::comment)).containsExactly("one " + i, "two " + i);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sixteenThousandRulesGoInOneTransactionAndTwiceThatIsRefusedClearly() {
        NetNamespace ns = namespaces.create("big");
        Table t = Table.of(Family.INET, "netkit");
        Chain c = Chain.regular(t, "many");
        try (Nftables nft = Nftables.open(ns)) {
            nft.transaction().addTable(t).addChain(c).commit();
            // About 6 MB in one datagram. Only the last change asks for an ack: 16000 acks would overrun the
            // receive buffer (ENOBUFS) and leave the outcome unknown.
            nft.transaction().replaceChain(c, rules(c, 16_000)).commit();
            assertThat(nft.list(t).rules()).hasSize(16_000);
            long g = nft.generation();

            // About 12 MB: beyond the socket's send buffer (4 MB forced, which the kernel doubles to 8 MB).
            Transaction tx = nft.transaction().flushChain(c);
            rules(c, 32_000).forEach(tx::addRule);
            NetlinkException e = catchThrowableOfType(tx::commit, NetlinkException.class);
            assertThat(e).isNotNull();
            assertThat(e.errnoName()).isEqualTo("EMSGSIZE");
            assertThat(e.getMessage()).contains("32001 changes").contains("split");
            assertThat(nft.generation()).isEqualTo(g);
            assertThat(nft.list(t).rules()).hasSize(16_000);
        }
    }

    private static List<Rule> rules(Chain c, int n) {
        String pad = "x".repeat(230);
        List<Rule> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(Rule.builder(c).iifname("if" + (i % 1000)).oifname("of" + (i / 1000)).accept().comment(pad + i).build());
        }
        return out;
    }
}
