package io.netkit.core;

import static io.netkit.core.RecoveryTest.child;
import static io.netkit.core.RecoveryTest.nothingLeft;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A process killed ({@code Runtime.halt}, as kill -9) at every step of {@link Overlay.Builder#create()} or
 * {@link Overlay#close()}: the next create of the overlay in another process finishes it (or, with other settings,
 * undoes it and builds the new one), and its close leaves nothing, as {@code ip}, {@code bridge} and the sweep show.
 */
@Privileged
class OverlayCrashTest {
    static final String PREFIX = "nkt-oc-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    static final String DEVICE = "nkvx0";
    static final String BRIDGE = "brov0";

    @BeforeEach
    void snapshotFiles() throws Exception {
        RecoveryTest.filesBefore = RecoveryTest.allLockFiles();
    }

    /** The overlay both processes build: the sandbox's uplink address is the underlay. */
    static Overlay overlay(Host host, String device, String subnet) {
        return Overlay.vxlan(device).on(host).vni(7).underlay("203.0.113.2").cidr("10.244.0.0/16").subnet(subnet)
                .bridge(BRIDGE).create();
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay:recorded-ahead", "create:bridge-made", "create:rules-installed",
            "overlay:network-made", "overlay:vxlan-made", "overlay:vxlan-recorded", "overlay:address-added"})
    void aCreateKilledAtAnyStepIsFinishedByTheNextCreate(String point) throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            assertThat(child(point, "overlay", host, DEVICE, "10.244.1.0/24")).as(RecoveryTest.lastOutput).isEqualTo(137);
            try (Overlay ov = overlay(sb.host(), DEVICE, "10.244.1.0/24")) {
                healthy(host, ov, "10.244.1.0");
            }
            nothingLeft(sb);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"create:bridge-made", "overlay:network-made", "overlay:vxlan-made", "overlay:vxlan-recorded",
            "overlay:address-added", "overlay:close-device-deleted", "teardown:links-removed"})
    void aCreateOrCloseKilledIsUndoneByACreateWithOtherSettings(String point) throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            // A cluster member that lost its lease in between leases another subnet.
            String mode = point.startsWith("overlay:close") || point.startsWith("teardown") ? "overlay-close" : "overlay";
            assertThat(child(point, mode, host, DEVICE, "10.244.1.0/24")).as(RecoveryTest.lastOutput).isEqualTo(137);
            try (Overlay ov = overlay(sb.host(), DEVICE, "10.244.2.0/24")) {
                healthy(host, ov, "10.244.2.0");
                assertThat(Cmd.run("ip", "-n", host, "-j", "addr")).doesNotContain("10.244.1.");
            }
            nothingLeft(sb);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlay:close-recorded-ahead", "overlay:close-device-deleted", "teardown:marked",
            "teardown:links-removed", "teardown:namespaces-removed"})
    void aCloseKilledAtAnyStepIsFinishedByTheNextCreateAndClose(String point) throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            assertThat(child(point, "overlay-close", host, DEVICE, "10.244.1.0/24")).as(RecoveryTest.lastOutput)
                    .isEqualTo(137);
            try (Overlay ov = overlay(sb.host(), DEVICE, "10.244.1.0/24")) {
                healthy(host, ov, "10.244.1.0");
            }
            nothingLeft(sb);
        }
    }

    @Test
    void killedAtRandomMomentsTheNextCreateFinishesOrUndoesAndCloseLeavesNothing() throws Exception {
        long seed = new java.util.Random().nextLong();
        java.util.Random rnd = new java.util.Random(seed);
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            for (int kill = 0; kill < Integer.getInteger("netkit.test.overlayKills", 4); kill++) {
                Process p = CrashTest.start("overlay-loop", host, DEVICE, Long.toString(rnd.nextLong()));
                List<String> lines = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                            p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                        for (String l; (l = out.readLine()) != null; ) {
                            lines.add(l);
                            running.countDown();
                        }
                    } catch (java.io.IOException killed) {
                        // the pipe closes with the process
                    }
                    running.countDown();
                });
                reader.start();
                assertThat(running.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                Thread.sleep(rnd.nextInt(400));
                p.destroyForcibly(); // SIGKILL, at whatever step the loop is
                assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                reader.join(10_000);
                assertThat(lines).as("seed " + seed + ": the child's loop runs").isNotEmpty();
                // The same create as the killed process's last one finishes (or adopts) it; the close leaves nothing.
                String subnet = lines.stream().filter(l -> l.startsWith("creating ")).reduce((a, b) -> b).orElseThrow()
                        .substring("creating ".length());
                Overlay ov = overlay(sb.host(), DEVICE, subnet + "/24");
                healthy(host, ov, subnet);
                ov.close();
                nothingLeft(sb);
            }
        }
    }

    @Test
    void aVxlanDeviceWithoutRecordIsFinishedOnlyWhenItsRecordAheadNamesIt() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            assertThat(child("overlay:vxlan-made", "overlay", host, DEVICE, "10.244.1.0/24")).as(RecoveryTest.lastOutput)
                    .isEqualTo(137);
            // Someone replaced the half-made device with their own (same name and settings, but not its link group):
            // it is refused and kept.
            Cmd.run("ip", "-n", host, "link", "del", DEVICE);
            Cmd.run("ip", "-n", host, "link", "add", DEVICE, "type", "vxlan", "id", "7", "dstport", "4789", "local",
                    "203.0.113.2", "dev", Sandbox.UPLINK, "nolearning");
            assertThatThrownBy(() -> overlay(sb.host(), DEVICE, "10.244.1.0/24"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not made by netkit");
            assertThat(Probe.linkNames(host)).contains(DEVICE);
            Cmd.run("ip", "-n", host, "link", "del", DEVICE);
            // With the foreign device gone, the next create finishes the killed one.
            try (Overlay ov = overlay(sb.host(), DEVICE, "10.244.1.0/24")) {
                healthy(host, ov, "10.244.1.0");
            }
            nothingLeft(sb);
        }
    }

    /**
     * Exactly one healthy overlay on {@code host}: the device (vxlan, vni 7, netkit's record, up) with the VTEP address
     * and nothing else, its bridge with the subnet's gateway, and a peer's FDB entry once added.
     */
    @SuppressWarnings("unchecked")
    static void healthy(String host, Overlay ov, String vtep) {
        assertThat(Probe.linkNames(host)).as("links").containsExactlyInAnyOrder("lo", Sandbox.UPLINK, DEVICE, BRIDGE);
        Map<String, Object> dev = Probe.ip(host, "link", "show", "dev", DEVICE).get(0);
        Map<String, Object> info = (Map<String, Object>) dev.get("linkinfo");
        assertThat(info.get("info_kind")).isEqualTo("vxlan");
        Map<String, Object> data = (Map<String, Object>) info.get("info_data");
        assertThat(((Number) data.get("id")).intValue()).isEqualTo(7);
        assertThat(String.valueOf(dev.get("ifalias"))).as("record").contains("vni").contains(vtep);
        assertThat((List<Object>) dev.get("flags")).as("flags").contains("UP");
        List<Map<String, Object>> addrs = (List<Map<String, Object>>) Probe.ip(host, "addr", "show", "dev", DEVICE).get(0)
                .get("addr_info");
        assertThat(addrs).as("addresses of " + DEVICE).filteredOn(a -> "inet".equals(a.get("family")))
                .extracting(a -> a.get("local") + "/" + a.get("prefixlen")).containsExactly(vtep + "/32");
        assertThat(Cmd.run("ip", "-n", host, "-j", "addr", "show", "dev", BRIDGE)).contains(ov.subnet().toString()
                .replace(".0/24", "."));
        String peerSubnet = vtep.equals("10.244.1.0") ? "10.244.9.0/24" : "10.244.8.0/24";
        ov.addPeer(new OverlayPeer(IpPrefix.parse(peerSubnet), io.netkit.netlink.IpAddresses.parse("203.0.113.9"),
                MacAddress.parse("0a:58:0a:f4:09:00")));
        assertThat(Cmd.run("bridge", "-n", host, "-j", "fdb", "show", "dev", DEVICE)).contains("0a:58:0a:f4:09:00")
                .contains("203.0.113.9");
        assertThat(ov.peers()).hasSize(1);
    }
}
