package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.IpAddresses;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state machine of {@link CleanAddresses} (issue 12), without a kernel: the privileged side is CleanFlowsTest. */
class CleanAddressesTest {
    private static final InetAddress A = IpAddresses.parse("172.16.0.2");
    private static final InetAddress B = IpAddresses.parse("172.16.0.3");
    private static final InetAddress A6 = IpAddresses.parse("fd00::2");

    @Test
    void nothingIsCleanBeforeASweepAndEverythingButTheHeldAfterIt() {
        CleanAddresses c = new CleanAddresses();
        assertThat(c.claim(1, A, A6)).as("no knowledge yet").isFalse();
        c.swept(1, List.of(A, A6));
        assertThat(c.claim(1, A)).as("held at the sweep").isFalse();
        assertThat(c.claim(1, B, null)).as("free at the sweep").isTrue();
        assertThat(c.claim(1, B)).as("handed out since").isFalse();
        assertThat(c.sweeps()).isEqualTo(1);
        assertThat(c.skips()).isEqualTo(1);
    }

    @Test
    void aReleasedAddressIsCleanOnlyOnceItsForgetCompletedAndOnlyIfNotHandedOutMeanwhile() {
        CleanAddresses c = new CleanAddresses();
        c.swept(1, List.of(A, B));
        Runnable forgotA = c.released(1, List.of(A));
        assertThat(c.claim(1, A)).as("forget still queued").isFalse();
        forgotA.run(); // A was handed out again before the forget completed: it stays dirty
        assertThat(c.claim(1, A)).isFalse();

        Runnable forgotB = c.released(1, List.of(B));
        forgotB.run();
        assertThat(c.claim(1, B)).isTrue();
        assertThat(c.released(2, List.of(B))).as("another epoch: nothing known").isNull();
    }

    @Test
    void aMovedEpochDropsEverything() {
        CleanAddresses c = new CleanAddresses();
        c.swept(1, List.of(A));
        Runnable forgot = c.released(1, List.of(A));
        assertThat(c.claim(2, B)).as("another process changed the network").isFalse();
        forgot.run();
        assertThat(c.claim(2, A)).isFalse();
        c.swept(2, List.of(A, B));
        assertThat(c.claim(1, A6)).as("a stale epoch never matches").isFalse();
    }
}
