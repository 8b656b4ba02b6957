package io.netkit.iptables;

import io.netkit.iptables.internal.InetLiterals;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InetLiteralsTest {

    @Test
    void ipv4() {
        assertThat(InetLiterals.format(InetLiterals.parseAddress("172.16.0.2"))).isEqualTo("172.16.0.2");
        assertThat(InetLiterals.parseAddress("256.1.1.1")).isNull();
        assertThat(InetLiterals.parseAddress("1.2.3")).isNull();
        assertThat(InetLiterals.parseAddress("01.2.3.4")).isNull();
        assertThat(InetLiterals.parseAddress("a.b.c.d")).isNull();
        assertThat(InetLiterals.format(InetLiterals.mask(InetLiterals.parseAddress("172.16.5.9"), 20))).isEqualTo("172.16.0.0");
    }

    @Test
    void ipv6CanonicalAsRfc5952() {
        assertThat(fmt("2001:DB8:0:0:0:0:0:1")).isEqualTo("2001:db8::1");
        assertThat(fmt("::")).isEqualTo("::");
        assertThat(fmt("::1")).isEqualTo("::1");
        assertThat(fmt("fe80::")).isEqualTo("fe80::");
        assertThat(fmt("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1");
        assertThat(fmt("2001:0:0:1:0:0:0:1")).isEqualTo("2001:0:0:1::1");
        assertThat(fmt("1:0:2:0:3:0:4:0")).isEqualTo("1:0:2:0:3:0:4:0");
        assertThat(fmt("::ffff:1.2.3.4")).isEqualTo("::ffff:102:304");
        assertThat(InetLiterals.parseAddress("1::2::3")).isNull();
        assertThat(InetLiterals.parseAddress("12345::")).isNull();
        assertThat(InetLiterals.parseAddress("1:2:3:4:5:6:7:8:9")).isNull();
        assertThat(InetLiterals.parseAddress("g::")).isNull();
        assertThat(InetLiterals.format(InetLiterals.mask(InetLiterals.parseAddress("fd00:1::5"), 64))).isEqualTo("fd00:1::");
    }

    private static String fmt(String s) {
        return InetLiterals.format(InetLiterals.parseAddress(s));
    }
}
