package io.netkit.iptables.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PrivilegedConditionTest {

    @Test
    void skipsWithReasonOutsideCi() {
        var r = PrivilegedCondition.decide("needs root (CAP_NET_ADMIN)", null);
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).contains("needs root (CAP_NET_ADMIN)");
        assertThat(PrivilegedCondition.decide("needs root", "false").isDisabled()).isTrue();
    }

    @Test
    void failsInsteadOfSkippingUnderCi() {
        assertThatThrownBy(() -> PrivilegedCondition.decide("needs root (CAP_NET_ADMIN)", "true"))
                .hasMessageContaining("CI=true forbids skipping: needs root (CAP_NET_ADMIN)");
    }

    @Test
    void runsWhenNothingIsMissing() {
        assertThat(PrivilegedCondition.decide(null, "true").isDisabled()).isFalse();
    }
}
