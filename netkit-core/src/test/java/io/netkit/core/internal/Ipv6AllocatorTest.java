package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** The IPv6 allocator and subnet rules: pure bookkeeping, no kernel. */
class Ipv6AllocatorTest {
    @Test
    void handsOutTheLowestFreeOffsetSkippingAnycastAndGatewayAndReusesGaps() {
        Ipv6Allocator a = new Ipv6Allocator(64, BigInteger.ONE);
        assertThat(a.firstFree()).isEqualTo(BigInteger.TWO);
        a.allocate(BigInteger.TWO, "a");
        a.allocate(BigInteger.valueOf(3), "b");
        a.allocate(BigInteger.valueOf(10), "c");
        assertThat(a.firstFree()).isEqualTo(BigInteger.valueOf(4));
        a.release("a");
        assertThat(a.firstFree()).isEqualTo(BigInteger.TWO);
        assertThat(a.isUsed(BigInteger.TEN)).isTrue();
        assertThat(a.inRange(BigInteger.ZERO)).isFalse();
        assertThat(a.inRange(BigInteger.ONE.shiftLeft(64))).isFalse();
    }

    @Test
    void aSlash120IsExhaustedAfter254Endpoints() {
        Ipv6Allocator a = new Ipv6Allocator(120, BigInteger.ONE);
        for (int i = 0; i < 254; i++) {
            a.allocate(a.firstFree(), "e" + i);
        }
        assertThat(a.firstFree()).isNull();
        assertThatThrownBy(() -> new Ipv6Allocator(121, BigInteger.ONE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Ipv6Allocator(47, BigInteger.ONE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subnetAndGatewayRules() {
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00:16::/64"))).isNull();
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00::/48"))).isNull();
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00::/120"))).isNull();
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00::/47"))).contains("48..120");
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00::/121"))).contains("48..120");
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fd00::1/64"))).contains("host bits").contains("fd00::/64");
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("fe80::/64"))).contains("unicast");
        assertThat(Ipv6.subnetProblem(IpPrefix.parse("ff00::/64"))).contains("unicast");
        IpPrefix s = IpPrefix.parse("fd00:16::/64");
        assertThat(Ipv6.gatewayProblem(s, IpAddresses.parse("fd00:16::1"))).isNull();
        assertThat(Ipv6.gatewayProblem(s, IpAddresses.parse("fd00:16::"))).contains("anycast");
        assertThat(Ipv6.gatewayProblem(s, IpAddresses.parse("fd00:17::1"))).contains("outside");
        assertThat(Ipv6.gatewayProblem(s, IpAddresses.parse("172.16.0.1"))).contains("outside");
        assertThat(Ipv6.isUniqueLocal(s)).isTrue();
        assertThat(Ipv6.isUniqueLocal(IpPrefix.parse("2001:db8::/64"))).isFalse();
        assertThat(Ipv6.overlaps(IpAddresses.parse("fd00:16::"), 64, IpAddresses.parse("fd00::"), 48)).isFalse();
        assertThat(Ipv6.overlaps(IpAddresses.parse("fd00:16::"), 64, IpAddresses.parse("fd00:16::"), 48)).isTrue();
        assertThat(IpAddresses.format(Ipv6.at(s, BigInteger.valueOf(0xfffe)))).isEqualTo("fd00:16::fffe");
    }
}
