package io.netkit.netlink;

import static io.netkit.netlink.KernelTestSupport.createLink;
import static io.netkit.netlink.KernelTestSupport.dumpLinkNames;
import static io.netkit.netlink.KernelTestSupport.linkIndex;
import static io.netkit.netlink.KernelTestSupport.newLink;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_ROUTE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** NetlinkSocket against the real kernel, each test inside namespaces of its own. */
@Privileged
class NetlinkSocketKernelTest {

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private NetlinkSocket socketIn(NetNamespace ns) {
        return ns.netlink().socket();
    }

    @Test
    void kernelExtendedAckTextIsSurfaced() {
        NetNamespace ns = namespaces.create("extack");
        NetlinkSocket s = socketIn(ns);
        NetlinkException e = catchThrowableOfType(() -> createLink(s, "x0", "nosuchkind"), NetlinkException.class);
        assertThat(e.errnoName()).isEqualTo("EOPNOTSUPP");
        assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(e.extAck()).isEqualTo("Unknown device type");
        assertThat(e.operation()).isEqualTo("create link");
        assertThat(e.target()).isEqualTo("x0");
        assertThat(e).hasMessage("create link x0: EOPNOTSUPP (Operation not supported): kernel says: Unknown device type");
    }

    @Test
    void duplicateLinkIsEexistAndMissingLinkIsEnodev() {
        NetNamespace ns = namespaces.create("dup");
        NetlinkSocket s = socketIn(ns);
        createLink(s, "br-dup", "bridge");
        NetlinkException e = catchThrowableOfType(() -> createLink(s, "br-dup", "bridge"), NetlinkException.class);
        assertThat(e.errnoName()).isEqualTo("EEXIST");
        assertThat(e.getMessage()).startsWith("create link br-dup: EEXIST (File exists)");
        NetlinkException missing = catchThrowableOfType(() -> linkIndex(s, "nope0"), NetlinkException.class);
        assertThat(missing.errnoName()).isEqualTo("ENODEV");
        assertThat(missing.getMessage()).startsWith("get link nope0: ENODEV (No such device)");
    }

    @Test
    void requestDecodesTheReply() {
        NetNamespace ns = namespaces.create("req");
        NetlinkSocket s = socketIn(ns);
        assertThat(linkIndex(s, "lo")).isEqualTo(1);
        assertThat(s.portId()).isNotZero();
    }

    @Test
    void dumpMatchesIpJsonAndGrowsTheReceiveBuffer() throws Exception {
        NetNamespace ns = namespaces.create("dump");
        // A deliberately tiny receive buffer: every dump datagram must be sized by MSG_PEEK|MSG_TRUNC and grown.
        try (NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NETLINK_ROUTE, Duration.ofSeconds(10), 64))) {
            NetlinkBatch b = s.batch();
            for (int i = 0; i < 40; i++) {
                b.add("create link", "br" + i, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("br" + i, "bridge"));
            }
            b.execute();
            List<String> names = dumpLinkNames(s);
            assertThat(names).hasSize(41).contains("lo", "br0", "br39");
            List<String> ipNames = IpJson.ip("-n", namespaces.name("dump"), "link").stream()
                    .map(m -> (String) m.get("ifname")).collect(Collectors.toList());
            assertThat(names).containsExactlyInAnyOrderElementsOf(ipNames);
        }
    }

    @Test
    void batchReportsTheFailingRequestAgainstItself() {
        NetNamespace ns = namespaces.create("batch");
        NetlinkSocket s = socketIn(ns);
        NetlinkBatch b = s.batch()
                .add("create link", "bra", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("bra", "bridge"))
                .add("create link", "bad0", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("bad0", "nosuchkind"))
                .add("create link", "brc", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("brc", "bridge"));
        assertThat(b.size()).isEqualTo(3);
        NetlinkBatchException e = catchThrowableOfType(b::execute, NetlinkBatchException.class);
        assertThat(e.batchSize()).isEqualTo(3);
        assertThat(e.failedIndices()).containsExactly(1);
        assertThat(e.failures()).hasSize(1);
        NetlinkException f = e.failures().get(0);
        assertThat(f.target()).isEqualTo("bad0");
        assertThat(f.errnoName()).isEqualTo("EOPNOTSUPP");
        assertThat(f.extAck()).isEqualTo("Unknown device type");
        assertThat(e.getMessage()).contains("1 of 3 batched request(s) failed", "[1] create link bad0: EOPNOTSUPP");
        // The requests around the failure were carried out.
        List<String> ipNames = IpJson.ip("-n", namespaces.name("batch"), "link").stream()
                .map(m -> (String) m.get("ifname")).collect(Collectors.toList());
        assertThat(ipNames).contains("bra", "brc").doesNotContain("bad0");
        assertThat(b.size()).isZero();
    }

    @Test
    void largeBatchIsSplitAndEveryAckMatched() {
        NetNamespace ns = namespaces.create("bigbatch");
        NetlinkSocket s = socketIn(ns);
        // Cheap requests that leave nothing for the kernel to tear down: set lo's MTU, over and over.
        // Two of them name a missing link, one in each sendmsg chunk.
        NetlinkBatch b = s.batch();
        int n = NetlinkSocket.MAX_BATCH_CHUNK_MESSAGES + 188;
        int bad1 = 3;
        int bad2 = NetlinkSocket.MAX_BATCH_CHUNK_MESSAGES + 100;
        for (int i = 0; i < n; i++) {
            int index = i == bad1 || i == bad2 ? 9999 : 1;
            int mtu = 60000 + i;
            b.add("set mtu", "#" + index + "/" + i, RTM_NEWLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                w.attrU32(IFLA_MTU, mtu);
            });
        }
        NetlinkBatchException e = catchThrowableOfType(b::execute, NetlinkBatchException.class);
        assertThat(e.batchSize()).isEqualTo(n);
        assertThat(e.failedIndices()).containsExactly(bad1, bad2);
        assertThat(e.failures()).extracting(NetlinkException::target).containsExactly("#9999/" + bad1, "#9999/" + bad2);
        assertThat(e.failures()).extracting(NetlinkException::errnoName).containsOnly("ENODEV");
        // the last request won: every ack was read and nothing is left queued on the socket
        List<Map<String, Object>> lo = IpJson.ip("-n", namespaces.name("bigbatch"), "link", "show", "lo");
        assertThat(((Number) lo.get(0).get("mtu")).intValue()).isEqualTo(60000 + n - 1);
        assertThat(linkIndex(s, "lo")).isEqualTo(1);
    }

    @Test
    void concurrentCallersOnOneSocketGetTheirOwnAnswers() throws Exception {
        NetNamespace ns = namespaces.create("conc");
        NetlinkSocket s = socketIn(ns);
        for (int i = 0; i < 8; i++) {
            createLink(s, "c" + i, "bridge");
        }
        Map<String, Integer> expected = new java.util.HashMap<>();
        for (int i = 0; i < 8; i++) {
            expected.put("c" + i, linkIndex(s, "c" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int me = t;
                futures.add(pool.submit(() -> {
                    int checks = 0;
                    for (int k = 0; k < 60; k++) {
                        String name = "c" + ((me + k) % 8);
                        assertThat(linkIndex(s, name)).isEqualTo(expected.get(name));
                        if (k % 10 == 0) {
                            assertThat(dumpLinkNames(s)).hasSize(9);
                        }
                        if (k % 15 == 0) {
                            assertThatThrownBy(() -> createLink(s, name, "bridge"))
                                    .isInstanceOf(NetlinkException.class).hasMessageContaining("EEXIST");
                        }
                        checks++;
                    }
                    return checks;
                }));
            }
            for (Future<Integer> f : futures) {
                assertThat(f.get()).isEqualTo(60);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void socketsGetDistinctKernelAssignedPorts() throws Exception {
        NetNamespace ns = namespaces.create("ports");
        Set<Integer> ports = new HashSet<>();
        List<NetlinkSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NETLINK_ROUTE));
                open.add(s);
                ports.add(s.portId());
            }
            assertThat(ports).hasSize(5);
        } finally {
            open.forEach(NetlinkSocket::close);
        }
        NetlinkSocket closed = open.get(0);
        closed.close();   // idempotent
        assertThat(closed.isClosed()).isTrue();
        assertThatThrownBy(() -> linkIndex(closed, "lo")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void strictCheckingRejectsABadDumpHeaderWithTheKernelsText() {
        NetNamespace ns = namespaces.create("strict");
        NetlinkSocket s = socketIn(ns);
        // NETLINK_GET_STRICT_CHK is on: a link dump request whose header carries an index is refused.
        NetlinkException e = catchThrowableOfType(() -> s.dump("list links", RTM_GETLINK,
                w -> w.ifInfoMsg(AF_UNSPEC, 0, 5, 0, 0), m -> m), NetlinkException.class);
        assertThat(e.errnoName()).isEqualTo("EINVAL");
        assertThat(e.extAck()).isNotBlank();
        // and the socket stays usable
        assertThat(dumpLinkNames(s)).containsExactly("lo");
        assertThat(IFLA_IFNAME).isEqualTo(3);
    }

    private static java.util.function.Consumer<io.netkit.netlink.codec.NlMsgWriter> addr(int type, int a, int b, int c, int d) {
        byte[] ip = {(byte) a, (byte) b, (byte) c, (byte) d};
        return w -> {
            w.ifAddrMsg(io.netkit.netlink.codec.RtnetlinkConstants.AF_INET, 32, 0, 0, 1);
            w.attrBytes(io.netkit.netlink.codec.IfAddrConstants.IFA_LOCAL, ip);
            w.attrBytes(io.netkit.netlink.codec.IfAddrConstants.IFA_ADDRESS, ip);
        };
    }

    @Test
    void dumpsInterruptedByConcurrentChangesAreRetriedAndStayConsistent() throws Exception {
        NetNamespace ns = namespaces.create("intr");
        NetlinkSocket s = socketIn(ns);
        int newAddr = io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
        int delAddr = io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELADDR;
        int getAddr = io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETADDR;
        NetlinkBatch b = s.batch();
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 1200; i++) {   // ~100 KB of addresses: every dump spans several datagrams
            all.add(java.util.Arrays.toString(new byte[] {10, (byte) 200, (byte) (i / 200), (byte) (i % 200 + 1)}));
            b.add("add address", null, newAddr, NLM_F_CREATE | NLM_F_EXCL, addr(newAddr, 10, 200, i / 200, i % 200 + 1));
        }
        b.execute();
        // A second socket adds and removes one address as fast as it can: each change bumps the
        // kernel's address generation, which flags a dump in progress NLM_F_DUMP_INTR.
        NetlinkSocket churnSocket = ns.call(() -> NetlinkSocket.open(NETLINK_ROUTE));
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread churn = new Thread(() -> {
            while (!stop.get()) {
                churnSocket.execute("add address", null, newAddr, NLM_F_CREATE | NLM_F_EXCL, addr(newAddr, 10, 201, 0, 1));
                churnSocket.execute("delete address", null, delAddr, 0, addr(delAddr, 10, 201, 0, 1));
            }
        });
        churn.start();
        int interrupted = 0;
        int ok = 0;
        try {
            long end = System.nanoTime() + 3_000_000_000L;
            long hardEnd = System.nanoTime() + 15_000_000_000L;   // on a loaded machine the churn may start late
            while ((System.nanoTime() < end || s.dumpRetries() == 0 && System.nanoTime() < hardEnd)
                    && s.dumpRetries() < 20) {
                try {
                    List<String> got = s.dump("list addresses", getAddr,
                            w -> w.ifAddrMsg(io.netkit.netlink.codec.RtnetlinkConstants.AF_INET, 0, 0, 0, 0), m -> {
                                io.netkit.netlink.codec.NlAttrReader a = m.attributes(io.netkit.netlink.codec.RtnetlinkConstants.IFADDRMSG_LEN);
                                return a.seek(io.netkit.netlink.codec.IfAddrConstants.IFA_LOCAL)
                                        ? java.util.Arrays.toString(a.bytes()) : null;
                            });
                    // the 1200, plus the churned address if it was present: never a torn mix
                    assertThat(new HashSet<>(got)).hasSameSizeAs(got).containsAll(all);
                    assertThat(got.size()).isBetween(1200, 1201);
                    ok++;
                } catch (DumpInterruptedException e) {
                    interrupted++;
                    assertThat(e.errnoName()).isEqualTo("EINTR");
                    assertThat(e.getMessage()).contains("NLM_F_DUMP_INTR");
                }
            }
        } finally {
            stop.set(true);
            churn.join();
            churnSocket.close();
        }
        assertThat(ok + interrupted).isPositive();
        assertThat(s.dumpRetries()).as("dumps retried after NLM_F_DUMP_INTR (ok=%d, gave up=%d)", ok, interrupted)
                .isPositive();
    }

    private static final java.util.function.Consumer<io.netkit.netlink.codec.NlMsgWriter> LO_MTU = w -> {
        w.ifInfoMsg(AF_UNSPEC, 0, 1, 0, 0);
        w.attrU32(IFLA_MTU, 65536);
    };

    @Test
    void steadyStateRequestsAllocateLittle() throws Exception {
        NetNamespace ns = namespaces.create("alloc");
        NetlinkSocket s = socketIn(ns);
        Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        java.lang.reflect.Method allocated = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            s.execute("set mtu", "lo", RTM_NEWLINK, 0, LO_MTU);
        }
        int n = 20_000;
        long before = (long) allocated.invoke(mx, tid);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            s.execute("set mtu", "lo", RTM_NEWLINK, 0, LO_MTU);
        }
        long nanos = System.nanoTime() - t0;
        long perRequest = ((long) allocated.invoke(mx, tid) - before) / n;
        System.out.printf("netlink execute: %d bytes allocated, %.1f us per acknowledged request%n", perRequest, nanos / 1000.0 / n);
        assertThat(perRequest).isLessThan(64);
    }

    @Test
    void receiveTimeoutEndsAWaitWithAClearError() throws Exception {
        NetNamespace ns = namespaces.create("timeout");
        try (NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NETLINK_ROUTE, Duration.ofMillis(200)))) {
            long t0 = System.nanoTime();
            NetlinkException e = catchThrowableOfType(() -> SocketTestHooks.awaitDatagram(s, "wait"), NetlinkException.class);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).isBetween(150L, 5000L);
            assertThat(e.errnoName()).isEqualTo("EAGAIN");
            assertThat(e).hasMessageContaining("no answer from the kernel within 200 ms");
            assertThat(linkIndex(s, "lo")).isEqualTo(1);   // still usable
        }
    }

    @Test
    void dumpsCannotBeBatched() {
        NetNamespace ns = namespaces.create("nodump");
        NetlinkBatch b = socketIn(ns).batch();
        assertThatThrownBy(() -> b.add("list links", null, RTM_GETLINK, io.netkit.netlink.codec.NetlinkConstants.NLM_F_DUMP,
                w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0))).isInstanceOf(IllegalArgumentException.class);
        // a failing body leaves the batch well-formed
        b.add("create link", "ok0", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("ok0", "bridge"));
        assertThatThrownBy(() -> b.add("create link", "bad", RTM_NEWLINK, 0, w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
            throw new IllegalStateException("body failed");
        })).hasMessage("body failed");
        b.add("create link", "ok1", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink("ok1", "bridge"));
        assertThat(b.size()).isEqualTo(2);
        b.execute();
        assertThat(dumpLinkNames(socketIn(ns))).containsExactlyInAnyOrder("lo", "ok0", "ok1");
    }
}
