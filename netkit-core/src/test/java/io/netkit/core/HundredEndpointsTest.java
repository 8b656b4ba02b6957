package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hundred endpoints on one network, some detached, then a teardown: every address distinct, and nothing left.
 * Speed is measured by the JMH benchmarks in {@code benchmarks} (never by timed assertions in tests).
 */
@Privileged
class HundredEndpointsTest {
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
    void hundredAttachesSomeDetachesThenTeardown() throws Exception {
        try (Sandbox sb = Sandbox.create(NetworkTest.PREFIX)) {
            Network net = Network.bridge("br0").on(sb.host()).subnet("10.88.0.0/16").create();
            List<Endpoint> eps = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                eps.add(net.attach(sb.name("t" + i)));
            }
            assertThat(eps.stream().map(Endpoint::address).map(InetAddress::getHostAddress).distinct().count())
                    .as("distinct addresses").isEqualTo(100);
            for (int i = 0; i < 20; i++) {
                net.detach(eps.get(i));
            }
            assertThat(net.endpoints()).hasSize(80);
            net.close();
            assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("t")));
            assertThat(Probe.linkNames(sb.name("host"))).containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
        }
    }
}
