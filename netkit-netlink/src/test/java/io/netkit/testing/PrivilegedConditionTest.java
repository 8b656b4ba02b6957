package io.netkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class PrivilegedConditionTest {

    @Test
    void privilegedRuns() {
        assertThat(PrivilegedCondition.evaluate(null, false).isDisabled()).isFalse();
        assertThat(PrivilegedCondition.evaluate(null, true).isDisabled()).isFalse();
    }

    @Test
    void unprivilegedSkipsWithTheReason() {
        ConditionEvaluationResult r = PrivilegedCondition.evaluate(new UnsupportedOperationException("missing CAP_NET_ADMIN"), false);
        assertThat(r.isDisabled()).isTrue();
        assertThat(r.getReason()).get().asString().contains("needs root (CAP_NET_ADMIN)", "missing CAP_NET_ADMIN");
    }

    @Test
    void unprivilegedUnderCiFails() {
        assertThatThrownBy(() -> PrivilegedCondition.evaluate(new UnsupportedOperationException("not root"), true))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("CI=true").hasMessageContaining("not root");
    }

    @Test
    void ipJsonParsesIpOutput() {
        Object v = IpJson.parse("[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\",\"UP\"],\"mtu\":65536,"
                + "\"x\":null,\"b\":true,\"f\":-1.5e2,\"s\":\"a\\\"b\\u0041\"},{}]");
        assertThat(v.toString()).isEqualTo("[{ifindex=1, ifname=lo, flags=[LOOPBACK, UP], mtu=65536, x=null, b=true, f=-150.0, s=a\"bA}, {}]");
        assertThatThrownBy(() -> IpJson.parse("[1,")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpJson.parse("{} x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cmdReportsFailuresWithStderr() {
        assertThat(Cmd.run("echo", "hi")).isEqualTo("hi\n");
        assertThat(Cmd.result("sh", "-c", "echo err >&2; exit 3")).isEqualTo(new Cmd.Result(3, "", "err\n"));
        assertThatThrownBy(() -> Cmd.run("sh", "-c", "echo oops >&2; exit 1")).isInstanceOf(AssertionError.class)
                .hasMessageContaining("oops").hasMessageContaining("exit 1");
    }
}
