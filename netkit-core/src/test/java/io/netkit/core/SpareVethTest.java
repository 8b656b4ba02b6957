package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14: the container's veth pair made ahead of time with the spare namespace ({@link SpareVeths}). Witnesses:
 * {@code ip -j -d} in the host namespace (the waiting host end: a veth in no bridge and link group 0; then the
 * endpoint's host end, by name and index) and in the container, and TCP through the endpoint.
 */
@Privileged
class SpareVethTest {
    static final String PREFIX = NetworkTest.PREFIX;
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @AfterEach
    void defaults() {
        System.clearProperty("netkit.veth.spare");
        System.clearProperty("netkit.netns.spare");
    }

    /** Host ends waiting in {@code host}: veths with no master, in the default group, without alias. */
    static List<Map<String, Object>> waiting(String host) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> l : Probe.ip(host, "link", "show", "type", "veth")) {
            if (l.get("master") == null && "default".equals(String.valueOf(l.get("group"))) && l.get("ifalias") == null) {
                out.add(l);
            }
        }
        return out;
    }

    /** The one waiting host end, once the spare is made (after an attach, when idle). */
    static Map<String, Object> awaitWaiting(String host) throws InterruptedException {
        assertThat(Probe.eventually(20_000, () -> waiting(host).size() == 1)).as("a pair made ahead: %s", waiting(host))
                .isTrue();
        return waiting(host).get(0);
    }

    static Map<String, Object> link(String ns, String name) {
        return Probe.ip(ns, "link", "show", "dev", name).get(0);
    }

    /** What {@code ip -j -d} shows of a link that does not depend on which link it is (index, MAC, peer, counters). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> shape(Map<String, Object> l) {
        Map<String, Object> info = (Map<String, Object>) l.get("linkinfo");
        Map<String, Object> slave = info == null ? null : (Map<String, Object>) info.get("info_slave_data");
        return Map.of("flags", l.get("flags"), "mtu", l.get("mtu"), "group", String.valueOf(l.get("group")),
                "master", String.valueOf(l.get("master")), "kind", String.valueOf(info == null ? null : info.get("info_kind")),
                "slave", String.valueOf(info == null ? null : info.get("info_slave_kind")),
                "hairpin", String.valueOf(slave == null ? null : slave.get("hairpin")),
                "qdisc", String.valueOf(l.get("qdisc")), "txqlen", String.valueOf(l.get("txqlen")),
                "addrgenmode", String.valueOf(l.get("inet6_addr_gen_mode")));
    }

    @Test
    void theNextAttachPlugsInThePairMadeAheadAndItLooksLikeOneMadeOnTheSpot() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name() + "-host";
            System.setProperty("netkit.veth.spare", "false");
            Endpoint plain = net.attach(sb.name("c0"));   // made on the spot, for comparison
            SpareSchedulingTest.settled();
            System.clearProperty("netkit.veth.spare");
            net.attach(sb.name("c1"));   // a bare spare may be taken here; the next one carries a pair
            Map<String, Object> ahead = awaitWaiting(host);
            String name = (String) ahead.get("ifname");
            assertThat(name).startsWith(Network.HOST_VETH_PREFIX);
            assertThat(ahead.get("flags").toString()).doesNotContain("UP");
            assertThat(net.endpoints()).as("a waiting pair is no endpoint").hasSize(2);

            Endpoint c2 = net.attach(sb.name("c2"));
            assertThat(c2.hostInterface()).as("the pair made ahead").isEqualTo(name);
            Map<String, Object> plugged = link(host, name);
            assertThat(plugged.get("ifindex")).isEqualTo(ahead.get("ifindex"));
            assertThat(plugged.get("master")).isEqualTo("br0");
            assertThat(plugged.get("ifalias").toString()).contains(net.id);
            assertThat(shape(plugged)).as("ip -j -d: as a host end made on the spot")
                    .isEqualTo(shape(link(host, plain.hostInterface())));
            assertThat(shape(link(sb.name("c2"), "eth0"))).as("ip -j -d: eth0 as one made on the spot")
                    .isEqualTo(shape(link(sb.name("c0"), "eth0")));
            assertThat(Probe.roundTrip(c2, sb.hostNamespace(), net.gateway())).isEqualTo(c2.address());
            assertThat(Probe.roundTrip(plain, sb.hostNamespace(), net.gateway())).isEqualTo(plain.address());

            // Adopted by another handle: the plugged endpoint carries a full record.
            try (Network other = Network.open(sb.host(), "br0")) {
                assertThat(other.endpoints()).extracting(Endpoint::hostInterface).contains(name);
                other.detach(other.endpoint(sb.name("c2")).orElseThrow());
            }
        }
    }

    @Test
    void deletingTheNetworkRemovesItsWaitingPairAtOnce() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").mtu(1400).create();
            net.attach(sb.name("c1"));
            Map<String, Object> ahead = awaitWaiting(host);
            assertThat(((Number) ahead.get("mtu")).intValue()).as("made at the network's MTU").isEqualTo(1400);
            net.delete();
            assertThat(Probe.linkNames(host)).as("nothing waits once the network is gone")
                    .containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
        }
    }

    @Test
    void deletingTheNetworkFromAnotherProcessRemovesThePairALiveProcessMadeAhead() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create();
            List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), "attach-wait", host, "br0",
                    sb.name("c1")));
            Process child = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).isEqualTo("attached");
                awaitWaiting(host);   // the child's pair, made once it was idle
                try (Network net = Network.open(sb.host(), "br0")) {
                    net.delete();
                }
                assertThat(Probe.linkNames(host)).as("the live child's waiting pair went with the network")
                        .containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anAttachThatCannotUseThePairLeavesItAndOneWhoseWaitingPairWasDeletedMakesANewOne() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name() + "-host";
            net.attach(sb.name("c1"));
            String name = (String) awaitWaiting(host).get("ifname");

            // Another interface name: made on the spot; the pair waits on.
            Endpoint other = net.attach(EndpointSpec.create(sb.name("c2")).interfaceName("net1"));
            assertThat(other.hostInterface()).isNotEqualTo(name);
            assertThat(waiting(host)).extracting(l -> l.get("ifname")).containsExactly(name);
            assertThat(Probe.roundTrip(other, sb.hostNamespace(), net.gateway())).isEqualTo(other.address());

            // Deleted behind netkit's back: the attach that takes the spare makes the pair as usual.
            Cmd.run("ip", "-n", host, "link", "del", name);
            Endpoint c3 = net.attach(sb.name("c3"));
            assertThat(Probe.ip(sb.name("c3"), "link", "show", "dev", "eth0")).hasSize(1);
            assertThat(link(host, c3.hostInterface()).get("master")).isEqualTo("br0");
            assertThat(Probe.roundTrip(c3, sb.hostNamespace(), net.gateway())).isEqualTo(c3.address());
        }
    }

    @Test
    void turnedOffTheSpareNamespaceIsMadeBare() throws Exception {
        System.setProperty("netkit.veth.spare", "false");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name() + "-host";
            net.attach(sb.name("c1"));
            SpareSchedulingTest.settled();
            Thread.sleep(300);
            assertThat(waiting(host)).isEmpty();
            Endpoint c2 = net.attach(sb.name("c2"));
            assertThat(Probe.roundTrip(c2, sb.hostNamespace(), net.gateway())).isEqualTo(c2.address());
        }
    }
}
