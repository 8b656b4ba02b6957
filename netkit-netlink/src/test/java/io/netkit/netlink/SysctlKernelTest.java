package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Sysctl#get} reads whole values (multi-digit, multi-value), as {@code sysctl -n} prints them; {@link Sysctl#peek}
 * reads the same from the caller's thread through a kept file, follows changes, and survives its interface going.
 */
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

    @Test
    void peekReadsTheNamespacesValueFromTheCallersThreadAndFollowsChanges() {
        NetNamespace ns = namespaces.create("peek");
        String name = ns.name().orElseThrow();
        String root = NetNamespace.current().sysctl().get("net.ipv4.ip_default_ttl");
        ns.sysctl().set("net.ipv4.ip_default_ttl", root.equals("99") ? "98" : "99");
        String mine = ns.sysctl().get("net.ipv4.ip_default_ttl");
        for (int i = 0; i < 3; i++) {
            assertThat(ns.sysctl().peek("net.ipv4.ip_default_ttl")).as("the namespace's value, not this thread's").isEqualTo(mine);
        }
        Cmd.run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.ip_default_ttl=77");
        assertThat(ns.sysctl().peek("net.ipv4.ip_default_ttl")).isEqualTo("77");
        assertThat(ns.sysctl().peek("net.ipv4.ip_local_port_range")).isEqualTo(ns.sysctl().get("net.ipv4.ip_local_port_range"));

        // An interface's key: its kept file goes stale with the interface and is opened again for a new one.
        Cmd.run("ip", "-n", name, "link", "add", "pk0", "type", "bridge");
        Cmd.run("ip", "netns", "exec", name, "sysctl", "-qw", "net.ipv4.conf.pk0.route_localnet=1");
        assertThat(ns.sysctl().peek("net.ipv4.conf.pk0.route_localnet")).isEqualTo("1");
        Cmd.run("ip", "-n", name, "link", "del", "pk0");
        assertThatThrownBy(() -> ns.sysctl().peek("net.ipv4.conf.pk0.route_localnet"))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("ENOENT");
        Cmd.run("ip", "-n", name, "link", "add", "pk0", "type", "bridge");
        assertThat(ns.sysctl().peek("net.ipv4.conf.pk0.route_localnet")).isEqualTo("0");
    }

    @Test
    void lockExclusiveExcludesAnotherHandleAndAnotherProcess() throws Exception {
        NetNamespace ns = namespaces.create("lock");
        String path = "/run/netns/" + ns.name().orElseThrow();
        try (NamespaceLock held = ns.lockExclusive()) {
            // flock(1) -n on the namespace file fails while this process holds it...
            assertThat(Cmd.result("flock", "-n", path, "true").ok()).isFalse();
            try (NamespaceLock again = ns.lockExclusive()) {
                assertThat(again).isNotNull();   // reentrant for this thread
            }
            assertThat(Cmd.result("flock", "-n", path, "true").ok()).as("still held after the inner hold").isFalse();
            // ... and another thread of this process, through another handle, waits.
            java.util.concurrent.CompletableFuture<Boolean> other = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (NetNamespace second = NetNamespace.open(ns.name().orElseThrow()); NamespaceLock l = second.lockExclusive()) {
                    return true;
                }
            });
            Thread.sleep(200);
            assertThat(other).isNotDone();
            held.close();
            assertThat(other.get(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Cmd.result("flock", "-n", path, "true").ok()).as("released").isTrue();
    }
}
