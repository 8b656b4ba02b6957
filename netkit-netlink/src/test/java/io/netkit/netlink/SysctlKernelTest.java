package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link Sysctl#get} reads whole values (multi-digit, multi-value), as {@code sysctl -n} prints them. */
@Privileged
class SysctlKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void multiDigitAndMultiValueKeysReadWhole() {
        NetNamespace ns = namespaces.create("sysctl");
        ns.sysctl().set("net.ipv4.ip_default_ttl", "123");
        ns.sysctl().set("net.ipv4.ip_local_port_range", "32768\t60999");
        String[] keys = {"net.ipv4.ip_default_ttl", "net.core.somaxconn", "net.ipv4.ip_local_port_range",
            "net.ipv4.conf.all.forwarding", "net.ipv4.tcp_rmem", "net.ipv6.conf.lo.mtu"};
        for (String key : keys) {
            String expected = Cmd.run("ip", "netns", "exec", ns.name().orElseThrow(), "sysctl", "-n", key).strip();
            assertThat(ns.sysctl().get(key)).as(key).isEqualTo(expected);
        }
        assertThat(ns.sysctl().get("net.ipv4.ip_default_ttl")).isEqualTo("123");
        assertThat(ns.sysctl().get("net.ipv4.ip_local_port_range")).isEqualTo("32768\t60999");
        assertThat(ns.sysctl().get("net.ipv4.tcp_rmem").split("\t")).hasSize(3);
        assertThat(ns.sysctl().getInterface("ipv6", "lo", "mtu")).isEqualTo("65536");
    }
}
