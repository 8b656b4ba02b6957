package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

    @Test
    void equalByAddressAndLength() {
        assertThat(IpPrefix.parse("172.16.0.2/24")).isEqualTo(IpPrefix.parse("172.16.0.2/24"))
                .hasSameHashCodeAs(IpPrefix.parse("172.16.0.2/24"))
                .isNotEqualTo(IpPrefix.parse("172.16.0.2/25")).isNotEqualTo(IpPrefix.parse("172.16.0.3/24"))
                .isNotEqualTo("172.16.0.2/24").isNotEqualTo(null);
        assertThat(IpPrefix.parse("fd00::1/64")).isEqualTo(IpPrefix.parse("fd00:0::1/64"))
                .isNotEqualTo(IpPrefix.parse("fd00::1/65"));
    }

    @Test
    void parsesKeepsHostBitsAndComputesNetworkAndBroadcast() {
        IpPrefix p = IpPrefix.parse("172.16.0.2/24");
        assertThat(p.toString()).isEqualTo("172.16.0.2/24");
        assertThat(p.prefixLength()).isEqualTo(24);
        assertThat(p.isIpv4()).isTrue();
        assertThat(p.family()).isEqualTo(2);
        assertThat(p.network()).isEqualTo(IpPrefix.parse("172.16.0.0/24"));
        assertThat(IpAddresses.format(p.broadcast())).isEqualTo("172.16.0.255");
        assertThat(IpAddresses.format(IpPrefix.parse("10.1.2.3/13").network().address())).isEqualTo("10.0.0.0");
        assertThat(IpAddresses.format(IpPrefix.parse("10.1.2.3/13").broadcast())).isEqualTo("10.7.255.255");
        assertThat(IpAddresses.format(IpPrefix.parse("10.1.2.3/32").broadcast())).isEqualTo("10.1.2.3");
        assertThat(IpAddresses.format(IpPrefix.parse("10.1.2.3/0").broadcast())).isEqualTo("255.255.255.255");
    }

    @Test
    void containsRespectsFamilyAndMask() {
        IpPrefix p = IpPrefix.parse("172.16.0.0/24");
        assertThat(p.contains(IpAddresses.parse("172.16.0.200"))).isTrue();
        assertThat(p.contains(IpAddresses.parse("172.16.1.1"))).isFalse();
        assertThat(p.contains(IpAddresses.parse("::ffff:172.16.0.1"))).isFalse();
        IpPrefix v6 = IpPrefix.parse("fd00:1::5/64");
        assertThat(v6.contains(IpAddresses.parse("fd00:1::ffff"))).isTrue();
        assertThat(v6.contains(IpAddresses.parse("fd00:2::1"))).isFalse();
        assertThat(v6.network().toString()).isEqualTo("fd00:1::/64");
        assertThat(v6.family()).isEqualTo(10);
        assertThat(IpPrefix.parse("0.0.0.0/0").contains(IpAddresses.parse("8.8.8.8"))).isTrue();
    }

    @Test
    void ipv6HasNoBroadcast() {
        assertThatThrownBy(() -> IpPrefix.parse("fd00::1/64").broadcast())
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("fd00::1/64");
    }

    @Test
    void factories() {
        assertThat(IpPrefix.defaultIpv4().toString()).isEqualTo("0.0.0.0/0");
        assertThat(IpPrefix.defaultIpv6().toString()).isEqualTo("::/0");
        assertThat(IpPrefix.host(IpAddresses.parse("fd00::2")).toString()).isEqualTo("fd00::2/128");
        assertThat(IpPrefix.of(IpAddresses.parse("10.0.0.1"), 8)).isEqualTo(IpPrefix.parse("10.0.0.1/8"));
        assertThatThrownBy(() -> IpPrefix.of(IpAddresses.parse("10.0.0.1"), 33))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("33").hasMessageContaining("10.0.0.1");
        assertThatThrownBy(() -> IpPrefix.of(null, 3)).isInstanceOf(NullPointerException.class).hasMessage("address == null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"172.16.0.2", "172.16.0.2/33", "172.16.0.2/-1", "172.16.0.2/", "172.16.0.2/2 4",
        "fd00::1/129", "fd00::1/1x", "host/24", "1.2.3/8", "/24", "10.0.0.1/0024"})
    void rejectsBadInputQuotingIt(String in) {
        assertThatThrownBy(() -> IpPrefix.parse(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + in + "\"");
    }
}
