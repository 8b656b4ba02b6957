package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Pure (no kernel) checks of {@link LinkSpec}, {@link RouteSpec} and {@link AddressOptions}. */
class SpecsTest {

    @Test
    void linkSpecIsImmutableAndRendersAsIpCommand() {
        LinkSpec base = LinkSpec.veth("veth1", "eth0");
        LinkSpec changed = base.mtu(1450).group(7).up().peerMtu(1400).peerUp()
                .peerMac(MacAddress.parse("02:00:00:00:00:01")).master("br0").alias("hello");
        assertThat(base.toString()).isEqualTo("ip link add veth1 type veth peer name eth0");
        assertThat(changed.toString()).isEqualTo("ip link add veth1 mtu 1450 group 7 master br0 up type veth peer name"
                + " eth0 mtu 1400 address 02:00:00:00:00:01 up; ip link set veth1 alias hello");
        assertThat(changed.name()).isEqualTo("veth1");
        assertThat(changed.peerName()).isEqualTo("eth0");
        assertThat(changed.kind()).isEqualTo("veth");
        assertThat(LinkSpec.vxlan("vx0", 42).remote(IpAddresses.parse("10.0.0.2")).device("eth0").learning(false).toString())
                .isEqualTo("ip link add vx0 type vxlan id 42 dstport 4789 remote 10.0.0.2 dev eth0 nolearning");
        assertThat(LinkSpec.macvlan("mv0", "eth0", LinkSpec.MacvlanMode.BRIDGE).toString())
                .isEqualTo("ip link add mv0 link eth0 type macvlan mode bridge");
    }

    @Test
    void linkSpecRejectsBadInputQuotingIt() {
        assertThatThrownBy(() -> LinkSpec.veth("veth1", "eth0:0")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"eth0:0\"");
        assertThatThrownBy(() -> LinkSpec.bridge("a-very-long-bridge")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a-very-long-bridge\"");
        assertThatThrownBy(() -> LinkSpec.bridge("br0").mtu(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mtu").hasMessageContaining("br0").hasMessageContaining("0");
        assertThatThrownBy(() -> LinkSpec.vxlan("vx0", 1 << 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16777216");
        assertThatThrownBy(() -> LinkSpec.bridge("br0").peerUp()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("peerUp").hasMessageContaining("bridge \"br0\"");
        assertThatThrownBy(() -> LinkSpec.tun("tun0").mac(MacAddress.random())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> LinkSpec.of("Bad Kind", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"Bad Kind\"");
        assertThatThrownBy(() -> LinkSpec.of("veth", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkSpec.bridge("br0").alias("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkSpec.vxlan("vx0", 1).remote(IpAddresses.parse("10.0.0.1"))
                .local(IpAddresses.parse("fd00::1"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkSpec.vlan("v0", "eth0", 4095)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void routeSpec() {
        RouteSpec r = RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1"));
        assertThat(r.toString()).isEqualTo("default via 172.16.0.1");
        assertThat(r.effectiveScope()).isEqualTo(Route.SCOPE_UNIVERSE);
        RouteSpec d = RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).device("br0").table(100).metric(5);
        assertThat(d.toString()).isEqualTo("10.2.0.0/24 dev br0 table 100 metric 5");
        assertThat(d.effectiveScope()).isEqualTo(Route.SCOPE_LINK);
        assertThat(RouteSpec.defaultVia(IpAddresses.parse("fd00::1")).destination()).isEqualTo(IpPrefix.defaultIpv6());
        assertThatThrownBy(() -> RouteSpec.to(IpPrefix.parse("10.2.0.5/24")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"10.2.0.5/24\"")
                .hasMessageContaining("10.2.0.0/24");
        assertThatThrownBy(() -> RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).via(IpAddresses.parse("fd00::1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fd00::1");
        assertThatThrownBy(() -> RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).table(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RouteSpec.to(IpPrefix.parse("10.2.0.0/24")).device("bad name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"bad name\"");
    }

    @Test
    void addressOptions() {
        assertThatThrownBy(() -> AddressOptions.defaults().label("a b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a b\"");
        assertThatThrownBy(() -> AddressOptions.defaults().broadcast(IpAddresses.parse("fd00::1")))
                .isInstanceOf(IllegalArgumentException.class);
        AddressOptions o = AddressOptions.defaults().noDad().noPrefixRoute();
        assertThat(o.flags).isEqualTo(Address.IFA_F_NODAD | Address.IFA_F_NOPREFIXROUTE);
        assertThat(AddressOptions.defaults().autoBroadcast).isTrue();
        assertThat(o.noBroadcast().autoBroadcast).isFalse();
    }

    @Test
    void rawAttributes() {
        byte[] enc = {8, 0, 3, 0, 1, 2, 3, 4, 5, 0, 9, 0, 7, 0, 0, 0};
        if (java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN) {
            return;
        }
        RawAttributes r = RawAttributes.of(enc);
        assertThat(r.types()).containsExactly(3, 9);
        assertThat(r.payload(9)).hasValueSatisfying(p -> assertThat(p).containsExactly(7));
        assertThat(r.payload(4)).isEmpty();
        assertThat(r).isEqualTo(RawAttributes.of(enc.clone()));
        assertThat(RawAttributes.of(new byte[0])).isSameAs(RawAttributes.EMPTY);
        assertThatThrownBy(() -> RawAttributes.of(new byte[] {2, 0, 0, 0})).isInstanceOf(IllegalArgumentException.class);
    }
}
