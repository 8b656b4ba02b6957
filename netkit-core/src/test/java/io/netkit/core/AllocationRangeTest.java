package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Allocation ranges ({@link Network.Builder#allocationRange(String, String)}, CNI host-local's rangeStart/rangeEnd):
 * next-free allocation stays inside them in both families, they are recorded on the bridge ({@code ip -d link})
 * and honoured by a fresh view, and bad ranges are refused before anything is made.
 */
@Privileged
class AllocationRangeTest {
    static final String PREFIX = "nkt-ar-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void allocationStaysInsideTheRangesAndAFreshViewHonoursThem() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("brr").on(sb.host()).subnet("10.71.0.0/24").subnet("fd00:71::/64")
                     .allocationRange("10.71.0.100", "10.71.0.101").allocationRange("fd00:71::a0", "fd00:71::a1").create()) {
            String hostNs = sb.host().netns().name().orElseThrow();
            assertThat(Cmd.run("ip", "-n", hostNs, "-d", "link", "show", "brr"))
                    .contains("pool=10.71.0.100-10.71.0.101").contains("pool6=fd00:71::a0-fd00:71::a1");
            Endpoint a = net.attach(sb.name("a"));
            Endpoint b = net.attach(sb.name("b"));
            assertThat(List.of(a.address(), b.address())).extracting(IpAddresses::format).containsExactly("10.71.0.100", "10.71.0.101");
            assertThat(List.of(a.address6().orElseThrow(), b.address6().orElseThrow())).extracting(IpAddresses::format)
                    .containsExactly("fd00:71::a0", "fd00:71::a1");
            assertThat(Cmd.run("ip", "-n", sb.name("a"), "-o", "addr", "show", "dev", "eth0"))
                    .contains("inet 10.71.0.100/24").contains("inet6 fd00:71::a0/64");
            // The range is full: the next free address is refused, although the subnet has room.
            assertThatThrownBy(() -> net.attach(sb.name("c"))).isInstanceOf(SubnetExhaustedException.class)
                    .hasMessageContaining("allocation range 10.71.0.100-10.71.0.101");
            // A fixed address may lie outside the range (as Docker's --ip with --ip-range).
            Endpoint d = net.attach(EndpointSpec.create(sb.name("d")).address("10.71.0.7").address("fd00:71::7"));
            assertThat(IpAddresses.format(d.address())).isEqualTo("10.71.0.7");
            // Another process's view (from the kernel alone) knows the ranges and allocates inside them.
            Network adopted = Network.open(sb.host(), "brr");
            assertThat(adopted.allocationRanges()).extracting(Object::toString)
                    .containsExactly("10.71.0.100-10.71.0.101", "fd00:71::a0-fd00:71::a1");
            adopted.detach(adopted.endpoints().stream().filter(e -> e.address().equals(a.address())).findFirst().orElseThrow());
            Endpoint e = adopted.attach(sb.name("e"));
            assertThat(IpAddresses.format(e.address())).isEqualTo("10.71.0.100");
            assertThat(IpAddresses.format(e.address6().orElseThrow())).isEqualTo("fd00:71::a0");
        }
    }

    @Test
    void badRangesAreRefusedNamingThemAndNothingIsMade() throws Exception {
        assertThatThrownBy(() -> Network.bridge("br0").allocationRange("10.0.0.9", "10.0.0.5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.9-10.0.0.5").hasMessageContaining("swap");
        assertThatThrownBy(() -> Network.bridge("br0").allocationRange("10.0.0.9", "fd00::5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mixes IPv4 and IPv6");
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String hostNs = sb.host().netns().name().orElseThrow();
            assertThatThrownBy(() -> Network.bridge("brx").on(sb.host()).subnet("10.72.0.0/24")
                    .allocationRange("10.72.0.10", "10.72.1.10").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.72.0.10-10.72.1.10")
                    .hasMessageContaining("not inside the host addresses of subnet 10.72.0.0/24");
            assertThatThrownBy(() -> Network.bridge("brx").on(sb.host()).subnet("10.72.0.0/24")
                    .allocationRange("10.72.0.10", "10.72.0.255").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broadcast");
            assertThatThrownBy(() -> Network.bridge("brx").on(sb.host()).subnet("10.72.0.0/24")
                    .allocationRange("fd00:72::10", "fd00:72::20").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without an IPv6 subnet");
            assertThatThrownBy(() -> Network.bridge("brx").on(sb.host()).subnet("10.72.0.0/24").subnet("fd00:72::/64")
                    .allocationRange("fd00:73::10", "fd00:73::20").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00:73::10-fd00:73::20");
            assertThat(Probe.linkNames(hostNs)).containsOnly("lo", Sandbox.UPLINK);
            // A record whose range lies outside its subnet (crafted with ip link set ... alias) is refused, never obeyed.
            for (String[] bad : List.of(new String[] {"pool0", "pool=10.73.1.1-10.73.1.9"}, new String[] {"pool1", "pool=10.73.0.9-10.73.0.1"},
                    new String[] {"pool2", "pool=junk"})) {
                Cmd.run("ip", "-n", hostNs, "link", "add", bad[0], "type", "bridge");
                Cmd.run("ip", "-n", hostNs, "link", "set", bad[0], "alias", "netkit:v1 id=0badc0d" + bad[0].charAt(4)
                        + " subnet=10.73.0.0/24 gw=10.73.0.1 masq=0 group=7100" + bad[0].charAt(4) + " reap=7200"
                        + bad[0].charAt(4) + " mtu=0 " + bad[1]);
                assertThatThrownBy(() -> Network.open(sb.host(), bad[0])).as(bad[1]).isInstanceOf(NetkitException.class)
                        .hasMessageContaining("damaged").hasMessageContaining("pool=");
            }
        }
    }
}
