package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rough timings of the operations users wait for, printed for the record. The bounds asserted are loose (other
 * test suites share this machine); the JMH benchmarks in {@code benchmarks} are the measurement of record.
 */
@Privileged
class TimingTest {
    private static String rootBefore;

    @org.junit.jupiter.api.BeforeAll
    static void snapshotRoot() {
        rootBefore = Probe.rootState();
    }

    @org.junit.jupiter.api.AfterAll
    static void rootUnchangedAndNothingLeft() {
        Probe.assertNothingLeft(NetworkTest.PREFIX, rootBefore);
    }

    @Test
    void hundredAttachesThenTeardown() throws Exception {
        try (Sandbox sb = Sandbox.create(NetworkTest.PREFIX)) {
            Network net = Network.bridge("br0").on(sb.host()).subnet("10.88.0.0/16").create();
            // warm-up: class loading, JIT, netlink sockets
            for (int i = 0; i < 5; i++) {
                net.detach(net.attach(sb.name("w" + i)));
            }
            long[] attach = new long[100];
            long t0 = System.nanoTime();
            List<Endpoint> eps = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                long s = System.nanoTime();
                eps.add(net.attach(sb.name("t" + i)));
                attach[i] = System.nanoTime() - s;
            }
            long[] detach = new long[20];
            for (int i = 0; i < 20; i++) {
                long s = System.nanoTime();
                net.detach(eps.get(i));
                detach[i] = System.nanoTime() - s;
            }
            long s = System.nanoTime();
            net.close();
            long teardown = System.nanoTime() - s;
            long total = System.nanoTime() - t0;
            Arrays.sort(attach);
            Arrays.sort(detach);
            System.out.printf("netkit timing: attach median %.2f ms (p90 %.2f), detach median %.2f ms, "
                            + "teardown of 80 %.1f ms, 100 attaches + 20 detaches + teardown %.0f ms%n",
                    attach[50] / 1e6, attach[90] / 1e6, detach[10] / 1e6, teardown / 1e6, total / 1e6);
            assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("t")));
            assertThat(Probe.linkNames(sb.name("host"))).containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
            assertThat(attach[50] / 1e6).isLessThan(30);
            assertThat(total / 1e9).isLessThan(10);
        }
    }
}
