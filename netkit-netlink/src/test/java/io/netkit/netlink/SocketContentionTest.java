package io.netkit.netlink;

import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ECHO;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many threads on ONE handle mixing single requests, dumps, batches with planted failures, requests whose
 * decoder throws mid-datagram (leaving a stale ack behind) and link create/delete: every answer must be the
 * caller's own, every batch failure must be reported against its own request, and nothing may hang.
 */
@Privileged
class SocketContentionTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void mixedRequestsDumpsAndBatchesFromManyThreads() throws Exception {
        NetNamespace ns = namespaces.create("ct");
        RtNetlink rt = ns.netlink();
        Links links = rt.links();
        int threads = 16;
        for (int i = 0; i < threads; i++) {
            links.create(LinkSpec.bridge("b" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    String mine = "b" + me;
                    int index = links.get(mine).index();
                    int checks = 0;
                    for (int k = 0; k < 40; k++) {
                        switch (k % 5) {
                            case 0 -> assertThat(links.get(mine).index()).isEqualTo(index);
                            case 1 -> assertThat(links.list()).extracting(Link::name).contains(mine, "lo");
                            case 2 -> {
                                // a batch whose 2nd of 3 requests fails: the failure is reported against index 1
                                NetlinkBatch b = rt.socket().batch();
                                b.add("set alias", mine, RTM_NEWLINK, 0, w -> {
                                    w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                                    w.attrString(io.netkit.netlink.codec.IfLinkConstants.IFLA_IFALIAS, "t" + me);
                                });
                                b.add("set up", "missing-" + me, RTM_NEWLINK, 0, w -> {
                                    w.ifInfoMsg(AF_UNSPEC, 0, 0, 1, 1);
                                    w.attrString(IFLA_IFNAME, "zz" + me);
                                });
                                b.add("set up", mine, RTM_NEWLINK, 0, w -> w.ifInfoMsg(AF_UNSPEC, 0, index, 1, 1));
                                try {
                                    b.execute();
                                    throw new AssertionError("planted failure not reported");
                                } catch (NetlinkBatchException e) {
                                    assertThat(e.failedIndices()).containsExactly(1);
                                    assertThat(e.failures().get(0).target()).isEqualTo("missing-" + me);
                                }
                                assertThat(links.get(mine).alias()).isEqualTo("t" + me);
                            }
                            case 3 -> {
                                // a decoder that throws leaves the ack unread: the next caller must not see it
                                assertThatThrownBy(() -> rt.socket().request("get link", mine, RTM_GETLINK, 0, w -> {
                                    w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                                }, m -> {
                                    throw new IllegalStateException("decoder failed " + me);
                                })).hasMessage("decoder failed " + me);
                                assertThat(links.get(index).name()).isEqualTo(mine);
                            }
                            default -> {
                                String tmp = "x" + me + "-" + k;
                                Link l = rt.socket().request("create link", tmp, RTM_NEWLINK,
                                        io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE
                                                | io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL | NLM_F_ECHO,
                                        w -> Links.writeCreate(w, LinkSpec.bridge(tmp), 0, 0, 0), Links::decode);
                                assertThat(l == null ? links.get(tmp).name() : l.name()).isEqualTo(tmp);
                                links.delete(tmp);
                            }
                        }
                        checks++;
                    }
                    return checks;
                }));
            }
            start.countDown();
            for (Future<Integer> f : futures) {
                assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(40);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(links.list()).hasSize(threads + 1);
    }
}
