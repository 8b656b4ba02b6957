package io.netkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.core.OverlayPeer;
import io.netkit.netlink.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings and damaged store entries are refused with messages that name them (no root, no etcd needed). */
class ClusterValidationTest {
    @Test
    void badSettingsAreRefusedWithTheInputNamed() {
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods/../x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"pods/../x\"");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").cidr("10.244.0.1/16"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"10.244.0.1/16\"");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").cidr("banana"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"banana\"");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").store("https://10.0.0.5:2379"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https://10.0.0.5:2379");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").store("http://10.0.0.5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http://HOST:PORT");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").subnetLength(30))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8..28");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").leaseTtl(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 s");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").store("http://10.0.0.5:2379").underlay("10.0.0.1").join())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no cluster CIDR given");
        assertThatThrownBy(() -> ClusterNetwork.vxlan("pods").cidr("10.0.0.0/8").subnetLength(28)
                .store("http://10.0.0.5:2379").underlay("10.0.0.1").join())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 65536");
    }

    @Test
    void hostEntriesRoundTripAndDamagedOnesAreRefused() {
        OverlayPeer p = OverlayPeer.of("10.244.3.0/24", "192.168.50.3", "02:00:00:00:03:00");
        String key = HostRecord.key("pods", p.subnet());
        assertThat(key).isEqualTo("/netkit/clusters/pods/hosts/10.244.3.0-24");
        assertThat(HostRecord.decode("pods", key, new HostRecord(p).value()).peer()).isEqualTo(p);
        assertThat(HostRecord.subnetOf("pods", key)).isEqualTo(IpPrefix.parse("10.244.3.0/24"));
        assertThatThrownBy(() -> HostRecord.decode("pods", key, "underlay=192.168.50.3".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks underlay= or mac=");
        assertThatThrownBy(() -> HostRecord.decode("pods", key, "underlay=not-an-ip mac=02:00:00:00:03:00"
                .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostRecord.decode("pods", "/netkit/clusters/pods/hosts/10.244.3.7-24",
                new HostRecord(p).value())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HostRecord.subnetOf("pods", "/netkit/clusters/pods/hosts/garbage"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("garbage");
    }
}
