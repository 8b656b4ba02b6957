package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end against the kernel, with real packets, each test inside its own {@link Sandbox} (never the root
 * namespace). Witnesses: {@code ip -j}, {@code iptables-save}, TCP connections made by Java code inside the namespaces.
 */
@Privileged
class NetworkTest {
    /** Unique per test JVM, so that concurrent runs of this suite on one machine do not see each other's namespaces. */
    static final String PREFIX = "nkt-core-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    @Test
    void twoContainersReachEachOtherAndTheGateway() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            assertThat(c1.address()).isEqualTo(ip("172.16.0.2"));
            assertThat(c2.address()).isEqualTo(ip("172.16.0.3"));
            assertThat(c1.prefix()).hasToString("172.16.0.2/24");
            assertThat(c1.interfaceName()).isEqualTo("eth0");

            assertThat(Probe.roundTrip(c1, c2.namespace(), c2.address())).isEqualTo(c1.address());
            assertThat(Probe.roundTrip(c2, c1.namespace(), c1.address())).isEqualTo(c2.address());
            assertThat(Probe.roundTrip(c1, sb.hostNamespace(), net.gateway())).isEqualTo(c1.address());
            if (Probe.hasPing()) {
                ExecResult r = c1.exec("ping", "-c1", "-W2", "172.16.0.3");
                assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
                assertThat(c2.exec("ping", "-c1", "-W2", "172.16.0.1").isSuccess()).isTrue();
            }

            // Witness with ip -j: container side as the walkthrough configures it.
            String ns1 = sb.name("c1");
            Map<String, Object> eth0 = Probe.ip(ns1, "addr", "show", "dev", "eth0").get(0);
            assertThat(eth0.get("operstate")).isEqualTo("UP");
            assertThat(eth0.get("addr_info").toString()).contains("local=172.16.0.2").contains("prefixlen=24")
                    .contains("broadcast=172.16.0.255");
            assertThat(Probe.ip(ns1, "route", "show", "default").get(0))
                    .containsEntry("gateway", "172.16.0.1").containsEntry("dev", "eth0");
            assertThat(Probe.ip(ns1, "link", "show", "lo").get(0).get("flags").toString()).contains("UP");
            assertThat(Probe.sysctl(ns1, "net/ipv4/conf/eth0/arp_notify")).isEqualTo("1");
            assertThat(Probe.sysctl(ns1, "net/ipv6/conf/eth0/accept_dad")).isEqualTo("0");
            // Host side: bridge with the gateway address, veths as its ports.
            String host = sb.name("host");
            Map<String, Object> br = Probe.ip(host, "addr", "show", "dev", "br0").get(0);
            assertThat(br.get("addr_info").toString()).contains("local=172.16.0.1").contains("broadcast=172.16.0.255");
            assertThat(Probe.ip(host, "link", "show", "master", "br0")).extracting(m -> m.get("ifname"))
                    .containsExactlyInAnyOrder(c1.hostInterface(), c2.hostInterface());
        }
    }

    @Test
    void aReusedAddressIsAnnouncedSoNeighboursForgetTheOldContainersMac() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            // The gateway and c2 learn c1's MAC for 172.16.0.2.
            assertThat(Probe.roundTrip(c2, c1.namespace(), c1.address())).isEqualTo(c2.address());
            assertThat(Probe.roundTrip(c1, sb.hostNamespace(), net.gateway())).isEqualTo(c1.address());
            String oldMac = mac(sb.name("c1"));
            assertThat(neighbourMac(sb.name("host"), "172.16.0.2")).isEqualTo(oldMac);
            assertThat(neighbourMac(sb.name("c2"), "172.16.0.2")).isEqualTo(oldMac);

            net.detach(c1);
            Endpoint c3 = net.attach(sb.name("c3"));
            assertThat(c3.address()).isEqualTo(ip("172.16.0.2"));
            String newMac = mac(sb.name("c3"));
            assertThat(newMac).isNotEqualTo(oldMac);
            // netkit's gratuitous ARP reaches the gateway and c2 at once (their entries would otherwise keep the old
            // MAC until they expire).
            for (String ns : List.of(sb.name("host"), sb.name("c2"))) {
                String seen = null;
                for (int i = 0; i < 100 && !newMac.equals(seen); i++) {
                    Thread.sleep(20);
                    seen = neighbourMac(ns, "172.16.0.2");
                }
                assertThat(seen).as("neighbour entry for 172.16.0.2 in " + ns).isEqualTo(newMac);
            }
            assertThat(Probe.roundTrip(c2, c3.namespace(), c3.address())).isEqualTo(c2.address());
        }
    }

    private static String mac(String ns) {
        return String.valueOf(Probe.ip(ns, "link", "show", "eth0").get(0).get("address"));
    }

    private static String neighbourMac(String ns, String address) {
        List<Map<String, Object>> n = Probe.ip(ns, "neigh", "show", address);
        return n.isEmpty() ? null : String.valueOf(n.get(0).get("lladdr"));
    }

    @Test
    void threeContainersAllPairsAndBridgeMacPinned() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("10.77.0.0/16").create()) {
            String host = sb.name("host");
            Object macBefore = Probe.ip(host, "link", "show", "br0").get(0).get("address");
            List<Endpoint> eps = List.of(net.attach(sb.name("a")), net.attach(sb.name("b")), net.attach(sb.name("c")));
            for (Endpoint from : eps) {
                for (Endpoint to : eps) {
                    if (from != to) {
                        assertThat(Probe.roundTrip(from, to.namespace(), to.address())).isEqualTo(from.address());
                    }
                }
                assertThat(Probe.roundTrip(from, sb.hostNamespace(), net.gateway())).isEqualTo(from.address());
            }
            assertThat(Probe.ip(host, "link", "show", "br0").get(0).get("address")).isEqualTo(macBefore);
            net.detach(eps.get(0));
            assertThat(Probe.ip(host, "link", "show", "br0").get(0).get("address")).isEqualTo(macBefore);
        }
    }

    @Test
    void masqueradeReachesTheInternetAsTheUplinkAddress() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            // Also where the FORWARD policy is DROP.
            Cmd.run("ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                assertThat(Probe.roundTrip(c2, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                assertThat(Probe.roundTrip(c1, c2.namespace(), c2.address())).isEqualTo(c1.address());
                if (Probe.hasPing()) {
                    assertThat(c1.exec("ping", "-c1", "-W2", "203.0.113.1").isSuccess()).isTrue();
                }
                assertThat(Probe.sysctl(host, "net/ipv4/ip_forward")).isEqualTo("1");
                String rules = Probe.iptablesSave(host);
                assertThat(rules).containsPattern("-A NETKIT-POST-\\w+ -s 172.16.0.0/24 ! -o br0 -m comment --comment \"?netkit:br0@")
                        .contains("-j MASQUERADE")
                        .containsPattern("-A FORWARD .*-j NETKIT-FWD-")
                        .containsPattern("-A NETKIT-FWD-\\w+ -i br0 -o br0 .*-j ACCEPT");
            }
            String after = Probe.iptablesSave(host);
            // only the administrator's chain NETKIT-USER stays (it is never deleted)
            assertThat(after).doesNotContainPattern("NETKIT-(?!USER)").doesNotContain("netkit:");
            assertThat(Probe.sysctl(host, "net/ipv4/ip_forward")).as("forwarding is left on").isEqualTo("1");
        }
    }

    @Test
    void withoutMasqueradeTheInternetIsUnreachable() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            // FORWARD policy DROP: bridged traffic passes FORWARD (br_netfilter), netkit accepts it explicitly.
            Cmd.run("ip", "netns", "exec", sb.name("host"), "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create();
                 ServerSocket server = Probe.listen(sb.internet(), sb.internetAddress())) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(sb.name("c2"));
                assertThat(Probe.connects(c1, sb.internetAddress(), server.getLocalPort(), 1000)).isFalse();
                assertThat(Probe.roundTrip(c1, c2.namespace(), c2.address())).isEqualTo(c1.address());
                String rules = Probe.iptablesSave(sb.name("host"));
                assertThat(rules).doesNotContain("MASQUERADE").containsPattern("-A NETKIT-FWD-\\w+ -i br0 -o br0 .*-j ACCEPT");
                assertThat(Probe.sysctl(sb.name("host"), "net/ipv4/ip_forward")).isEqualTo("0");
            }
        }
    }

    @Test
    void adoptAfterRestartSeesEverythingAndDeletesEverything() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            String givenName = sb.name("given");
            Cmd.run("ip", "netns", "add", givenName);
            try (NetNamespace given = NetNamespace.open(givenName)) {
                String br = "nkbr" + sb.name().substring(sb.name().length() - 6); // unique: found by Network.open(name) below
                Network first = Network.bridge(br).on(sb.host()).subnet("192.168.50.0/24").masquerade().create();
                first.attach(sb.name("c1"));
                first.attach(given);
                first.attach(EndpointSpec.create(sb.name("c3")).address("192.168.50.77"));

                // "Restart": fresh objects, from the kernel alone.
                try (Host h = Host.namespace(host)) {
                    assertThat(h.networks()).containsExactly(br);
                    Network second = Network.open(h, br);
                    assertThat(second.subnet()).hasToString("192.168.50.0/24");
                    assertThat(second.gateway()).isEqualTo(ip("192.168.50.1"));
                    assertThat(second.masquerading()).isTrue();
                    assertThat(second.endpoints()).extracting(Endpoint::name, e -> e.address().getHostAddress())
                            .containsExactly(
                                    org.assertj.core.groups.Tuple.tuple(sb.name("c1"), "192.168.50.2"),
                                    org.assertj.core.groups.Tuple.tuple(givenName, "192.168.50.3"),
                                    org.assertj.core.groups.Tuple.tuple(sb.name("c3"), "192.168.50.77"));
                    Endpoint adopted = second.endpoint(sb.name("c1")).orElseThrow();
                    assertThat(Probe.roundTrip(adopted, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                    // The adopted network allocates around what the first one made.
                    Endpoint c4 = second.attach(sb.name("c4"));
                    assertThat(c4.address()).isEqualTo(ip("192.168.50.4"));
                    assertThatThrownBy(() -> second.attach(given))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already attached");

                    // Without naming the host: the one namespace holding a netkit network of that name.
                    Network third = Network.open(br);
                    assertThat(third.host().name()).isEqualTo(host);
                    assertThat(third.endpoints()).hasSize(4);
                    third.delete();
                    assertThat(Probe.linkNames(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
                    assertThat(NetNamespace.list()).doesNotContain(sb.name("c1"), sb.name("c3"), sb.name("c4"))
                            .contains(givenName);
                    assertThat(Probe.linkNames(givenName)).containsExactly("lo");
                    assertThat(Probe.firewallRules(host)).doesNotContain("netkit:");
                    first.close(); // harmless after the adopted copy deleted it all
                    second.close();
                }
            } finally {
                Cmd.run("ip", "netns", "del", givenName);
            }
        }
    }

    @Test
    void thirtyTwoConcurrentAttachesGetDistinctReachableAddresses() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<Future<Endpoint>> futures = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    String n = sb.name("p" + i);
                    futures.add(pool.submit(() -> net.attach(n)));
                }
                List<Endpoint> eps = new ArrayList<>();
                for (Future<Endpoint> f : futures) {
                    eps.add(f.get());
                }
                Set<InetAddress> addresses = eps.stream().map(Endpoint::address).collect(Collectors.toSet());
                assertThat(addresses).hasSize(32);
                assertThat(net.endpoints()).hasSize(32);
                try (ServerSocket server = Probe.listen(sb.hostNamespace(), net.gateway())) {
                    List<Future<Boolean>> ok = new ArrayList<>();
                    for (Endpoint ep : eps) {
                        ok.add(pool.submit(() -> Probe.connects(ep, net.gateway(), server.getLocalPort(), 3000)));
                    }
                    for (Future<Boolean> f : ok) {
                        assertThat(f.get()).isTrue();
                    }
                }
                // Container to container across the set.
                assertThat(Probe.roundTrip(eps.get(0), eps.get(31).namespace(), eps.get(31).address())).isEqualTo(eps.get(0).address());

                List<Future<?>> detaches = new ArrayList<>();
                for (Endpoint ep : eps) {
                    detaches.add(pool.submit(() -> net.detach(ep)));
                }
                for (Future<?> f : detaches) {
                    f.get();
                }
                assertThat(net.endpoints()).isEmpty();
                String host = sb.name("host");
                assertThat(Probe.eventually(10_000, () -> Probe.linkNamesButWaiting(host).size() == 3))
                        .as("detached veths reaped: %s", Probe.linkNames(host)).isTrue();
                assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("p")));
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void failedAttachLeavesNothingBehind() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            String rulesBefore = Probe.firewallRules(host);
            // 1. A namespace that already has a default route: the last step (route) fails.
            String busy = sb.name("busy");
            Cmd.run("ip", "netns", "add", busy);
            Cmd.run("ip", "-n", busy, "link", "set", "lo", "up");
            Cmd.run("ip", "-n", busy, "route", "add", "default", "dev", "lo");
            try (NetNamespace ns = NetNamespace.open(busy)) {
                assertThatThrownBy(() -> net.attach(ns))
                        .isInstanceOf(NetkitException.class)
                        .hasMessageContaining("add default route via 172.16.0.1")
                        .hasMessageContaining("EEXIST")
                        .satisfies(e -> assertThat(((NetkitException) e).step()).startsWith("add default route"));
                assertThat(Probe.linkNames(busy)).containsExactly("lo");
            }
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br0");
            // 2. A host-side name that is taken: the veth step fails, the namespace netkit created is removed.
            String victim = sb.name("victim");
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(victim).hostInterface(Sandbox.UPLINK)))
                    .isInstanceOf(NetkitException.class)
                    .hasMessageContaining("create veth pair")
                    .hasMessageContaining("host interface name uplink0 is taken");
            assertThat(NetNamespace.exists(victim)).isFalse();
            // 3. The container-side name taken inside a given namespace.
            Cmd.run("ip", "-n", busy, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p");
            try (NetNamespace ns = NetNamespace.open(busy)) {
                assertThatThrownBy(() -> net.attach(ns)).isInstanceOf(NetkitException.class)
                        .hasMessageContaining("an interface named eth0 already exists in namespace " + busy)
                        .hasRootCauseInstanceOf(io.netkit.netlink.NetlinkException.class);
            }
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br0");
            assertThat(Probe.firewallRules(host)).isEqualTo(rulesBefore);
            // Nothing was allocated by the failures.
            assertThat(net.attach(sb.name("ok")).address()).isEqualTo(ip("172.16.0.2"));
            // 4. A failing create leaves nothing: the bridge name is taken by a plain link.
            assertThatThrownBy(() -> Network.bridge(Sandbox.UPLINK).on(sb.host()).subnet("10.9.0.0/24").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
            assertThatThrownBy(() -> Network.bridge("br1").on(sb.host()).subnet("172.16.0.128/25").create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overlaps");
            assertThatThrownBy(() -> Network.bridge("br!x").on(Probe.ipt(sb)).subnet("10.9.0.0/24").masquerade().create())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("br!x");
            assertThat(Probe.linkNames(host)).contains("br0").doesNotContain("br1", "br!x");
            Cmd.run("ip", "netns", "del", busy);
        }
    }

    @Test
    void badAttachesFailFast() {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/30").create()) {
            Endpoint only = net.attach(sb.name("only"));
            assertThat(only.address()).isEqualTo(ip("172.16.0.2"));
            assertThatThrownBy(() -> net.attach(sb.name("more")))
                    .isInstanceOf(SubnetExhaustedException.class).hasMessageContaining("exhausted");
            assertThat(NetNamespace.exists(sb.name("more"))).isFalse();
            assertThatThrownBy(() -> net.attach(only.namespace()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already attached");
            assertThatThrownBy(() -> net.attach(sb.name("only")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("x")).address("10.0.0.5")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.5").hasMessageContaining("outside");
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("x")).address("172.16.0.1")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway");
            assertThatThrownBy(() -> net.attach(sb.hostNamespace()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host namespace");
            assertThat(NetNamespace.exists(sb.name("x"))).isFalse();
        }
    }

    @Test
    @SuppressWarnings("try") // closes the network inside its try block on purpose, to look at what is left
    void detachFreesTheAddressAtOnceAndRemovesOwnedNamespace() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Endpoint c1 = net.attach(sb.name("c1"));
            net.detach(c1);
            net.detach(c1); // idempotent
            assertThat(c1.isAttached()).isFalse();
            assertThat(NetNamespace.exists(sb.name("c1"))).isFalse();
            Endpoint c2 = net.attach(sb.name("c2"));
            assertThat(c2.address()).isEqualTo(ip("172.16.0.2"));
            assertThat(Probe.roundTrip(c2, sb.hostNamespace(), net.gateway())).isEqualTo(c2.address());

            // A given namespace: detached and attached again right away.
            String givenName = sb.name("given");
            Cmd.run("ip", "netns", "add", givenName);
            try (NetNamespace given = NetNamespace.open(givenName)) {
                Endpoint g = net.attach(given);
                net.detach(g);
                Endpoint again = net.attach(given);
                assertThat(again.address()).isEqualTo(g.address());
                assertThat(Probe.roundTrip(again, sb.hostNamespace(), net.gateway())).isEqualTo(again.address());
            }
            net.close();
            assertThat(Probe.linkNames(givenName)).containsExactly("lo");
            Cmd.run("ip", "netns", "del", givenName);
        }
    }

    @Test
    void endpointOptions() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").gateway("172.16.0.254").mtu(1400).create()) {
            Endpoint e = net.attach(EndpointSpec.create(sb.name("opt")).interfaceName("eth1").address("172.16.0.10")
                    .mtu(1300).mac("02:42:ac:10:00:0a").hostInterface("vopt0"));
            assertThat(e.hostInterface()).isEqualTo("vopt0");
            Map<String, Object> eth1 = Probe.ip(sb.name("opt"), "link", "show", "eth1").get(0);
            assertThat(eth1).containsEntry("address", "02:42:ac:10:00:0a");
            assertThat(((Number) eth1.get("mtu")).intValue()).isEqualTo(1300);
            assertThat(Probe.ip(sb.name("opt"), "route", "show", "default").get(0)).containsEntry("gateway", "172.16.0.254");
            assertThat(((Number) Probe.ip(sb.name("host"), "link", "show", "br0").get(0).get("mtu")).intValue()).isEqualTo(1400);
            Endpoint d = net.attach(sb.name("dflt"));
            assertThat(d.address()).isEqualTo(ip("172.16.0.1"));
            assertThat(Probe.roundTrip(d, e.namespace(), e.address())).isEqualTo(d.address());
        }
    }

    @Test
    void sandboxCanBeKeptFoundAndRemovedByName() {
        String name;
        Network kept;
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            name = sb.name();
            kept = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create();
            kept.attach(sb.name("c1"));
            sb.keep();
        }
        assertThat(Sandbox.list()).contains(name);
        assertThat(NetNamespace.list()).contains(name + "-host", name + "-inet", name + "-c1");
        assertThat(Sandbox.remove(name)).isTrue();
        assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(name));
        assertThat(Sandbox.remove(name)).isFalse();
        kept.close(); // releases this process's handles; the network is already gone
    }

    @Test
    void execReportsExitCodeAndOutput() {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Endpoint c1 = net.attach(sb.name("c1"));
            ExecResult r = c1.exec("cat", "/proc/sys/net/ipv4/conf/eth0/arp_notify");
            assertThat(r.isSuccess()).isTrue();
            assertThat(r.stdout().trim()).isEqualTo("1");
            ExecResult bad = c1.exec("ls", "/does-not-exist");
            assertThat(bad.exitCode()).isNotZero();
            assertThat(bad.stderr()).contains("does-not-exist");
            long t = System.nanoTime();
            assertThatThrownBy(() -> c1.exec(java.time.Duration.ofMillis(300), "sh", "-c", "echo started; sleep 10"))
                    .isInstanceOf(NetkitException.class).hasMessageContaining("did not exit").hasMessageContaining("started");
            assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(5000);
            assertThat(c1.exec(java.time.Duration.ofSeconds(10), "true").isSuccess()).isTrue();
            assertThat(new HashSet<>(List.of(c1.namespace().inode()))).containsExactly(c1.namespaceInode());
        }
    }
}
