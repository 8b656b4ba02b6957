package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Gratuitous ARP, proven by a neighbour on the same link whose stale entry for the address gets the new MAC. */
@Privileged
class ArpKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void announceUpdatesANeighboursStaleEntryAndReportsBadInterfaces() throws Exception {
        NetNamespace a = namespaces.create("arpa");
        NetNamespace b = namespaces.create("arpb");
        String bName = b.name().orElseThrow();
        a.netlink().links().create(LinkSpec.veth("a0", "b0").up().peerNamespace(b).peerUp());
        a.netlink().addresses().add("a0", IpPrefix.parse("10.77.0.1/24"));
        b.netlink().addresses().add("b0", IpPrefix.parse("10.77.0.2/24"));
        // b believes 10.77.0.1 is at a MAC that is gone (as after the address moved to a new container).
        Cmd.run("ip", "-n", bName, "neigh", "replace", "10.77.0.1", "lladdr", "02:00:00:00:00:99", "dev", "b0", "nud", "stale");
        String aMac = a.netlink().links().get("a0").mac().toString();
        assertThat(lladdr(bName)).isEqualTo("02:00:00:00:00:99");

        Inet4Address ip = (Inet4Address) InetAddress.getByName("10.77.0.1");
        a.run(() -> Arp.announce("a0", ip));

        String seen = null;
        for (int i = 0; i < 100 && !aMac.equals(seen); i++) {
            Thread.sleep(20);
            seen = lladdr(bName);
        }
        assertThat(seen).as("b's neighbour entry for 10.77.0.1 after the announcement").isEqualTo(aMac);

        assertThatThrownBy(() -> a.run(() -> Arp.announce("nosuch0", ip))).isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("nosuch0").hasMessageContaining("ENODEV");
        a.netlink().links().setDown("a0");
        assertThatThrownBy(() -> a.run(() -> Arp.announce("a0", ip))).isInstanceOf(NetlinkException.class)
                .hasMessageContaining("announce address a0 10.77.0.1").hasMessageContaining("ENETDOWN");
        assertThatThrownBy(() -> Arp.announce("bad name", ip)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String lladdr(String ns) {
        List<Map<String, Object>> n = IpJson.ip("-n", ns, "neigh", "show", "10.77.0.1", "dev", "b0");
        return n.isEmpty() ? null : String.valueOf(n.get(0).get("lladdr"));
    }

    @Test
    void packetIsAnArpRequestFromTheAddressForTheAddress() {
        byte[] mac = {2, 0, 0x5e, 0, 0, 1};
        byte[] ip = {10, 77, 0, 1};
        byte[] p = Arp.packet(mac, ip);
        assertThat(p).hasSize(28);
        assertThat(p).startsWith(0, 1, 8, 0, 6, 4, 0, 1);   // Ethernet, IPv4, hlen 6, plen 4, request
        assertThat(java.util.Arrays.copyOfRange(p, 8, 14)).isEqualTo(mac);
        assertThat(java.util.Arrays.copyOfRange(p, 14, 18)).isEqualTo(ip);
        assertThat(java.util.Arrays.copyOfRange(p, 18, 24)).containsOnly(0);
        assertThat(java.util.Arrays.copyOfRange(p, 24, 28)).isEqualTo(ip);
    }
}
