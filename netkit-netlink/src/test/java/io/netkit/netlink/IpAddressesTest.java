package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressesTest {

    @ParameterizedTest
    @CsvSource({
        "172.16.0.1, 172.16.0.1",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "fd00::1, fd00::1",
        "FE80:0:0:0:0:0:0:1, fe80::1",
        "::, ::",
        "::1, ::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "::ffff:10.0.0.1, ::ffff:10.0.0.1",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "1::, 1::",
        "1:0:0:4:0:0:0:8, 1:0:0:4::8",
    })
    void parsesAndFormatsLikeIp(String in, String out) throws Exception {
        InetAddress a = IpAddresses.parse(in);
        assertThat(IpAddresses.format(a)).isEqualTo(out);
        assertThat(a.getAddress()).isEqualTo(InetAddress.getByName(in).getAddress().length == a.getAddress().length
                ? InetAddress.getByName(in).getAddress() : a.getAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::1", "::ffff:10.0.0.1", "::"})
    void ipv6LiteralsStayIpv6(String in) {
        assertThat(IpAddresses.parse(in)).isInstanceOf(Inet6Address.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "example.com",
        "localhost", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", ":1::", "1:", "fe80::1%eth0", "1.2.3.-1",
        "::1.2.3", "g::1"})
    void rejectsNonLiteralsQuotingInput(String in) {
        assertThatThrownBy(() -> IpAddresses.parse(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + in + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1", "192.168.1.254"})
    void ipv4IsInet4(String in) {
        assertThat(IpAddresses.parse(in)).isInstanceOf(Inet4Address.class);
    }
}
