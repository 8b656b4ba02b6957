package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The VXLAN overlay's data plane with peers supplied by the test (no store): three simulated hosts on one underlay
 * bridge (FORWARD policy DROP, as where Docker runs), two containers each, real TCP across hosts, and
 * {@code ip}/{@code bridge}/{@code iptables-save} as witnesses.
 */
@Privileged
class OverlayTest {
    static final String PREFIX = "nkt-ov-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    static final String CIDR = "10.244.0.0/16";
    static final String DEV = "nkvx0";
    private static String rootBefore;
    private static OverlayLab lab;
    private static final Overlay[] OV = new Overlay[4];
    private static final Endpoint[][] C = new Endpoint[4][3];

    @BeforeAll
    static void threeHosts() {
        rootBefore = Probe.rootState();
        lab = new OverlayLab(PREFIX);
        for (int h = 1; h <= 3; h++) {
            NetNamespace ns = lab.host(h);
            // As on a host where Docker runs: nothing is forwarded unless a rule accepts it.
            Cmd.run("ip", "netns", "exec", ns.name().orElseThrow(), "iptables", "-P", "FORWARD", "DROP");
            OV[h] = Overlay.vxlan(DEV).on(Host.of(ns).firewall(FirewallBackend.IPTABLES)).vni(42).port(4789).underlay(OverlayLab.underlay(h))
                    .cidr(CIDR).subnet("10.244." + h + ".0/24").bridge("nkov0").create();
        }
        for (int h = 1; h <= 3; h++) {
            for (int p = 1; p <= 3; p++) {
                if (p != h) {
                    OV[h].addPeer(OV[p].self());
                }
            }
            for (int c = 1; c <= 2; c++) {
                C[h][c] = OV[h].attach(PREFIX + "-h" + h + "c" + c);
            }
        }
    }

    @AfterAll
    static void tearDown() {
        try {
            for (Overlay o : OV) {
                if (o != null) {
                    o.close();
                }
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
        Probe.assertNothingLeft(PREFIX, rootBefore);
    }

    @Test
    void tcpBetweenContainersOnDifferentHostsKeepsSourceAddresses() throws Exception {
        int[][] pairs = {{1, 1, 2, 1}, {2, 1, 1, 1}, {3, 2, 1, 2}, {1, 2, 3, 1}, {2, 2, 3, 2}, {3, 1, 2, 2}, {1, 1, 1, 2}};
        for (int[] p : pairs) {
            Endpoint client = C[p[0]][p[1]];
            Endpoint server = C[p[2]][p[3]];
            assertThat(Probe.roundTrip(client, server.namespace(), server.address()))
                    .as("source address %s -> %s seen by the server", client, server).isEqualTo(client.address());
        }
    }

    @Test
    void containersReachTheInternetThroughTheirOwnHostsMasquerade() throws Exception {
        for (int h = 1; h <= 3; h++) {
            assertThat(Probe.roundTrip(C[h][2], lab.lab, OverlayLab.internet()))
                    .as("host %d's container seen from the internet", h)
                    .isEqualTo(IpAddresses.parse(OverlayLab.underlay(h)));
        }
        String rules = Probe.iptablesSave(PREFIX + "-h1");
        assertThat(rules).contains("-s 10.244.1.0/24 ! -d 10.244.0.0/16 ! -o nkov0").contains("-j MASQUERADE")
                .contains("-s 10.244.0.0/16 ! -i nkov0 -o nkov0").contains(":FORWARD DROP");
        assertThat(OV[1].network().masqueradeExcept()).contains(IpPrefix.parse(CIDR));
        assertThat(Network.open(OV[1].host(), "nkov0").masqueradeExcept()).as("read back from the bridge's record")
                .contains(IpPrefix.parse(CIDR));
    }

    @Test
    @SuppressWarnings("unchecked")
    void kernelTablesMatchWhatTheOverlayReports() {
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            Overlay ov = OV[h];
            Map<String, Object> link = Probe.ip(ns, "link", "show", DEV).get(0);
            Map<String, Object> info = (Map<String, Object>) ((Map<String, Object>) link.get("linkinfo")).get("info_data");
            assertThat(((Number) info.get("id")).intValue()).isEqualTo(ov.vni()).isEqualTo(42);
            assertThat(((Number) info.get("port")).intValue()).isEqualTo(ov.port());
            assertThat(info.get("local")).isEqualTo(OverlayLab.underlay(h));
            assertThat(info.get("learning")).isEqualTo(false);
            assertThat(((Number) link.get("mtu")).intValue()).isEqualTo(ov.mtu()).isEqualTo(1450);
            assertThat(link.get("address")).isEqualTo(ov.vtepMac().toString());
            assertThat(((Number) Probe.ip(ns, "link", "show", "nkov0").get(0).get("mtu")).intValue()).isEqualTo(1450);

            Set<OverlayPeer> expected = new HashSet<>();
            for (int p = 1; p <= 3; p++) {
                if (p != h) {
                    expected.add(OV[p].self());
                }
            }
            assertThat(new HashSet<>(ov.peers())).isEqualTo(expected);
            assertThat(witnessed(ns)).as("ip route / ip neigh / bridge fdb in %s", ns).isEqualTo(expected);
        }
    }

    @Test
    void addingAndRemovingAPeerIsOneIdempotentCall() {
        Overlay ov = OV[1];
        String ns = PREFIX + "-h1";
        OverlayPeer ghost = OverlayPeer.of("10.244.200.0/24", "192.168.50.200", "02:00:00:00:c8:00");
        ov.addPeer(ghost);
        ov.addPeer(ghost);
        assertThat(witnessed(ns)).contains(ghost);
        assertThat(fdbLines(ns, ghost.vtepMac())).hasSize(1);
        // The host came back elsewhere with another MAC: one call brings every entry up to date.
        OverlayPeer moved = OverlayPeer.of("10.244.200.0/24", "192.168.50.201", "02:00:00:00:c8:01");
        ov.addPeer(moved);
        assertThat(witnessed(ns)).contains(moved).doesNotContain(ghost);
        assertThat(fdbLines(ns, ghost.vtepMac())).isEmpty();
        assertThat(ov.removePeer(moved)).isTrue();
        assertThat(ov.removePeer(moved)).as("second removal").isFalse();
        assertThat(fdbLines(ns, moved.vtepMac())).isEmpty();
        assertThat(Cmd.run("ip", "-n", ns, "route", "show", "10.244.200.0/24")).isBlank();
        assertThat(Cmd.run("ip", "-n", ns, "neigh", "show", "10.244.200.0")).isBlank();
        assertThat(new HashSet<>(ov.peers())).isEqualTo(Set.of(OV[2].self(), OV[3].self()));
        // sync: exactly the given set
        ov.sync(List.of(OV[2].self(), ghost));
        assertThat(new HashSet<>(witnessed(ns))).isEqualTo(Set.of(OV[2].self(), ghost));
        ov.sync(List.of(OV[2].self(), OV[3].self()));
        assertThat(new HashSet<>(witnessed(ns))).isEqualTo(Set.of(OV[2].self(), OV[3].self()));
    }

    @Test
    void createAgainAdoptsTheDeviceWithItsMacAndPeers() {
        Overlay again = Overlay.vxlan(DEV).on(OV[3].host()).vni(42).underlay(OverlayLab.underlay(3)).cidr(CIDR)
                .subnet("10.244.3.0/24").bridge("nkov0").create();
        assertThat(again.adopted()).isTrue();
        assertThat(again.vtepMac()).isEqualTo(OV[3].vtepMac());
        assertThat(again.mtu()).isEqualTo(1450);
        assertThat(again.peers()).isEqualTo(OV[3].peers()).hasSize(2);
        assertThat(again.network().endpoints()).hasSize(2);
        assertThatThrownBy(() -> Overlay.vxlan(DEV).on(OV[3].host()).vni(43).underlay(OverlayLab.underlay(3)).cidr(CIDR)
                .subnet("10.244.3.0/24").bridge("nkov0").create())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exists with other settings");
    }

    @Test
    void badInputIsRefusedAndLeavesNothing() {
        Host h2 = OV[2].host();
        assertThatThrownBy(() -> Overlay.vxlan("nkvx9").on(h2).underlay(OverlayLab.underlay(2)).cidr(CIDR)
                .subnet("10.245.1.0/24").create()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the cluster CIDR 10.244.0.0/16");
        assertThatThrownBy(() -> Overlay.vxlan("nkvx9").on(h2).underlay("192.168.77.7").cidr(CIDR)
                .subnet("10.244.9.0/24").create()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no link on").hasMessageContaining("192.168.77.7");
        assertThatThrownBy(() -> Overlay.vxlan("nkvx9").on(h2).underlay(OverlayLab.underlay(2)).cidr("10.244.0.1/16"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"10.244.0.1/16\"");
        assertThatThrownBy(() -> OV[2].addPeer(OverlayPeer.of("10.244.2.0/25", "192.168.50.9", "02:00:00:00:00:09")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps this host's own subnet");
        assertThatThrownBy(() -> OV[2].addPeer(OverlayPeer.of("10.9.0.0/24", "192.168.50.9", "02:00:00:00:00:09")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the cluster CIDR");
        assertThat(Probe.linkNames(PREFIX + "-h2")).doesNotContain("nkvx9", "brnkvx9");
    }

    /** The peers as {@code ip -j route}, {@code ip -j neigh} and {@code bridge -j fdb} show them on the device. */
    @SuppressWarnings("unchecked")
    static Set<OverlayPeer> witnessed(String ns) {
        Map<String, String> neigh = new java.util.HashMap<>();
        for (Map<String, Object> n : json("ip", "-n", ns, "-j", "neigh", "show", "dev", DEV)) {
            assertThat((List<String>) n.get("state")).contains("PERMANENT");
            neigh.put((String) n.get("dst"), (String) n.get("lladdr"));
        }
        Map<String, List<String>> fdb = new java.util.HashMap<>();
        for (Map<String, Object> f : json("bridge", "-n", ns, "-j", "fdb", "show", "dev", DEV)) {
            if (f.get("dst") != null) {
                assertThat(f.get("state")).isEqualTo("permanent");
                fdb.computeIfAbsent((String) f.get("mac"), k -> new ArrayList<>()).add((String) f.get("dst"));
            }
        }
        Set<OverlayPeer> out = new HashSet<>();
        for (Map<String, Object> r : json("ip", "-n", ns, "-j", "route", "show", "dev", DEV)) {
            if (r.get("gateway") == null) {
                continue;
            }
            assertThat((List<String>) r.get("flags")).contains("onlink");
            String mac = neigh.get((String) r.get("gateway"));
            assertThat(mac).as("neighbour entry for %s", r.get("gateway")).isNotNull();
            assertThat(fdb.get(mac)).as("fdb of %s", mac).hasSize(1);
            out.add(OverlayPeer.of((String) r.get("dst"), fdb.get(mac).get(0), mac));
        }
        assertThat(new TreeSet<>(neigh.keySet())).hasSize(out.size());
        return out;
    }

    static List<String> fdbLines(String ns, MacAddress mac) {
        return Cmd.run("bridge", "-n", ns, "fdb", "show", "dev", DEV).lines()
                .filter(l -> l.startsWith(mac.toString())).toList();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> json(String... argv) {
        String out = Cmd.run(argv).trim();
        return out.isEmpty() ? List.of() : (List<Map<String, Object>>) IpJson.parse(out);
    }
}
