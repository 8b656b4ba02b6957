package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Bad input fails fast, before anything touches the kernel, with a message quoting it. */
class ValidationTest {
    @Test
    void bridgeNameOver15Bytes() {
        assertThatThrownBy(() -> Network.bridge("a-very-long-bridge0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a-very-long-bridge0");
    }

    @Test
    void prefixLengthOutOfRange() {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"172.16.0.0/33\"");
    }

    @Test
    void notACidr() {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("banana"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"banana\"");
    }

    @Test
    void hostBitsSet() {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.7/24"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("172.16.0.0/24");
    }

    @Test
    void tooSmallAndIpv6() {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.0/31"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8..30");
        // An IPv6-only network with an IPv4 gateway: refused before any change.
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::/64").gateway("172.16.0.1").create())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("172.16.0.1").hasMessageContaining("IPv6-only");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("fd00::/130"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00::/130");
    }

    @Test
    void gatewayOutsideSubnet() {
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.0/24").gateway("10.0.0.1").create())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("10.0.0.1").hasMessageContaining("172.16.0.0/24");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.0/24").gateway("172.16.0.255").create())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("broadcast");
        assertThatThrownBy(() -> Network.bridge("br0").subnet("172.16.0.0/24").gateway("banana"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"banana\"");
    }

    @Test
    void missingSubnet() {
        assertThatThrownBy(() -> Network.bridge("br0").create())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subnet");
    }

    @Test
    void endpointOptions() {
        assertThatThrownBy(() -> EndpointSpec.create("c1").address("172.16.0.300"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("172.16.0.300");
        assertThatThrownBy(() -> EndpointSpec.create("c1").interfaceName("this-name-is-too-long"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this-name-is-too-long");
        assertThatThrownBy(() -> EndpointSpec.create("c1").mtu(10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10");
        assertThatThrownBy(() -> EndpointSpec.create("c1").mac("01:00:5e:00:00:01"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multicast");
        assertThatThrownBy(() -> EndpointSpec.create("a/b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"a/b\"");
        assertThatThrownBy(() -> Sandbox.create("bad prefix"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"bad prefix\"");
    }
}
