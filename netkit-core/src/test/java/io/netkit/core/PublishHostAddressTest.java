package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Publishing on one host address ({@code docker run -p 203.0.113.2:8080:80}, CNI's {@code hostIP}): the DNAT rule
 * carries {@code -d}, two endpoints share a host port on different addresses, the other family is not mapped, the
 * record keeps the address for other processes, and clashes and a wrong family are refused.
 */
@Privileged
class PublishHostAddressTest {
    static final String PREFIX = "nkt-pha-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void aHostPortPublishedPerHostAddressReachesTheRightContainerOnly() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("brh").on(Probe.ipt(sb)).subnet("10.73.0.0/24").subnet("fd00:73::/64").masquerade().create()) {
            String hostNs = sb.host().netns().name().orElseThrow();
            InetAddress first = sb.uplinkAddress();
            InetAddress second = IpAddresses.parse("203.0.113.3");
            sb.hostNamespace().netlink().addresses().add(Sandbox.UPLINK, IpPrefix.parse("203.0.113.3/24"));
            Endpoint a = net.attach(EndpointSpec.create(sb.name("a")).publish(new PortMapping(Protocol.TCP, 8080, 80, first)));
            Endpoint b = net.attach(sb.name("b"));
            b.publish(new PortMapping(Protocol.TCP, 8080, 80, second));
            assertThat(Cmd.run("ip", "netns", "exec", hostNs, "iptables-save", "-t", "nat"))
                    .contains("-d 203.0.113.2/32 -p tcp -m tcp --dport 8080").contains("-d 203.0.113.3/32 -p tcp -m tcp --dport 8080");
            assertThat(Cmd.run("ip", "netns", "exec", hostNs, "ip6tables-save", "-t", "nat")).doesNotContain("--dport 8080");
            try (ServerSocket sa = PublishTest.listen(a, 80); ServerSocket sbk = PublishTest.listen(b, 80)) {
                assertThat(PublishTest.reach(sb.internet(), sa, first, 8080)).isNotNull();
                assertThat(PublishTest.reach(sb.internet(), sbk, second, 8080)).isNotNull();
                // an IPv4 host address: not mapped on the host's IPv6 address
                assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress6(), 8080)).isFalse();
            }
            // Another process's view keeps the address; the whole-host mapping of the port clashes with both.
            Network adopted = Network.open(sb.host(), "brh");
            Endpoint a2 = adopted.endpoints().stream().filter(e -> e.hostInterface().equals(a.hostInterface())).findFirst().orElseThrow();
            assertThat(a2.published()).containsExactly(new PortMapping(Protocol.TCP, 8080, 80, first));
            assertThat(a2.published().get(0).toString()).isEqualTo("203.0.113.2:8080:80/tcp");
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("c")).publish(8080, 80)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already published by endpoint");
            assertThatThrownBy(() -> b.publish(new PortMapping(Protocol.TCP, 8080, 81, first)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("203.0.113.2:8080:80/tcp");
            // unpublishing by port takes the address's mapping away
            assertThat(b.unpublish(Protocol.TCP, 8080)).isTrue();
            assertThat(Cmd.run("ip", "netns", "exec", hostNs, "iptables-save", "-t", "nat")).doesNotContain("203.0.113.3/32");
        }
    }

    @Test
    void aHostAddressOfAMissingFamilyOrAWildcardIsRefused() throws Exception {
        assertThatThrownBy(() -> new PortMapping(Protocol.TCP, 80, 80, IpAddresses.parse("0.0.0.0")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wildcard");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("brh4").on(Probe.ipt(sb)).subnet("10.74.0.0/24").create()) {
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("x"))
                    .publish(new PortMapping(Protocol.TCP, 8080, 80, IpAddresses.parse("2001:db8::2")))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2001:db8::2]:8080:80/tcp")
                    .hasMessageContaining("family");
            assertThat(net.endpoints()).isEmpty();
        }
    }
}
