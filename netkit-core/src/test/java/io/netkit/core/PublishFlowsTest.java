package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, publishing side, with real packets in {@link Sandbox}es: hairpin (defect 8), the administrator's chain
 * (defect 10), conntrack entries cut after unpublish, detach and address reuse (defect 7) and host ports reserved
 * host-wide (defect 6).
 */
@Privileged
class PublishFlowsTest {
    static final String PREFIX = "nkt-pfl-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void containersReachPublishedPortsThroughTheHostAddressItselfAndANeighbour() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Cmd.run("ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
                Endpoint other = net.attach(sb.name("other"));
                assertThat(hairpin(host, web.hostInterface())).as("port of a publishing endpoint").isTrue();
                try (ServerSocket server = PublishTest.listen(web, 80)) {
                    // from the internet, from the host itself, from a neighbour, from the container itself
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, sb.uplinkAddress(), 8080)).isNotNull();
                    assertThat(PublishTest.reach(other.namespace(), server, sb.uplinkAddress(), 8080))
                            .as("neighbour -> host address:published port").isNotNull();
                    assertThat(PublishTest.reach(web.namespace(), server, sb.uplinkAddress(), 8080))
                            .as("container -> its own published port through the host address").isNotNull();
                    assertThat(PublishTest.reach(other.namespace(), server, InetAddress.getByName("172.16.0.1"), 8080))
                            .as("neighbour -> gateway:published port").isNotNull();
                }
                // a port published later gets hairpin too
                Endpoint late = net.attach(sb.name("late"));
                assertThat(hairpin(host, late.hostInterface())).isFalse();
                late.publish(9090, 90);
                assertThat(hairpin(host, late.hostInterface())).isTrue();
                try (ServerSocket server = PublishTest.listen(late, 90)) {
                    assertThat(PublishTest.reach(late.namespace(), server, sb.uplinkAddress(), 9090)).isNotNull();
                }
            }
        }
    }

    @Test
    void localhostReachesPublishedPortsOnlyWhenTheNetworkAsks() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Cmd.run("ip", "-n", host, "link", "set", "lo", "up");
            InetAddress localhost = InetAddress.getByName("127.0.0.1");
            try (Network plain = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint web = plain.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
                try (ServerSocket server = PublishTest.listen(web, 80)) {
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, sb.uplinkAddress(), 8080)).isNotNull();
                    assertThat(PublishTest.connects(sb.hostNamespace(), localhost, 8080)).as("127.0.0.1 without opt-in").isFalse();
                }
                assertThat(Probe.sysctl(host, "net/ipv4/conf/br0/route_localnet")).isEqualTo("0");
            }
            try (Network net = Network.bridge("br1").on(Probe.ipt(sb)).subnet("172.17.0.0/24").publishOnLocalhost().create()) {
                assertThat(Probe.sysctl(host, "net/ipv4/conf/br1/route_localnet")).isEqualTo("1");
                Endpoint web = net.attach(EndpointSpec.create(sb.name("web1")).publish(8080, 80));
                try (ServerSocket server = PublishTest.listen(web, 80)) {
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, localhost, 8080)).as("127.0.0.1:8080").isNotNull();
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                }
                assertThat(Probe.iptablesSave(host)).containsPattern("-A NETKIT-POST-\\w+ -s 127.0.0.0/8 -o br1 .*-j MASQUERADE")
                        .containsPattern("-A OUTPUT -m addrtype --dst-type LOCAL .*-j NETKIT-DNAT-");
                // a process that adopts the network keeps the choice (it lives in the kernel: route_localnet)
                Network adopted = Network.open(sb.host(), "br1");
                Endpoint web2 = adopted.attach(EndpointSpec.create(sb.name("web2")).publish(9090, 90));
                try (ServerSocket server = PublishTest.listen(web2, 90)) {
                    assertThat(PublishTest.reach(sb.hostNamespace(), server, localhost, 9090)).as("127.0.0.1:9090").isNotNull();
                }
                web2.detach();
            }
        }
    }

    @Test
    void aDropInTheAdministratorsChainWinsOverNetkitsAccepts() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Cmd.run("ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).publish(8080, 80));
                assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                String save = Probe.iptablesSave(host);
                assertThat(save).contains(":NETKIT-USER - [0:0]")
                        .containsPattern("-A NETKIT-FWD-\\w+ -m comment --comment \"?netkit:br0@\\w+ admin first\"? -j NETKIT-USER");
                assertThat(save.indexOf("-j NETKIT-USER")).as("the admin jump comes before every accept of the network")
                        .isLessThan(save.indexOf("-j ACCEPT"));

                Cmd.run("ip", "netns", "exec", host, "iptables", "-I", "NETKIT-USER", "-s", c1.address().getHostAddress(),
                        "-j", "DROP");
                Cmd.run("ip", "netns", "exec", host, "iptables", "-I", "NETKIT-USER", "-p", "tcp", "--dport", "80",
                        "-j", "DROP");
                assertThat(Probe.roundTrip(c2, sb.internet(), sb.internetAddress())).as("others still pass").isEqualTo(sb.uplinkAddress());
                assertThatThrownBy(() -> Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).as("admin DROP wins")
                        .isInstanceOf(AssertionError.class).hasMessageContaining("could not connect");
                try (ServerSocket server = PublishTest.listen(c2, 80)) {
                    assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080))
                            .as("admin DROP wins over the published port's accept").isFalse();
                    // netkit's own changes (attach, publish) never flush the administrator's chain
                    Endpoint c3 = net.attach(EndpointSpec.create(sb.name("c3")).publish(9090, 90));
                    c3.detach();
                    assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                    Cmd.run("ip", "netns", "exec", host, "iptables", "-D", "NETKIT-USER", "-p", "tcp", "--dport", "80",
                            "-j", "DROP");
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                }
            }
            // the chain and the administrator's rule outlive the network; netkit's own rules are gone
            String after = Probe.iptablesSave(host);
            assertThat(after).contains(":NETKIT-USER").contains("-A NETKIT-USER -s 172.16.0.2/32 -j DROP")
                    .doesNotContain("NETKIT-FWD").doesNotContain("netkit:");
        }
    }

    @Test
    void aUdpFlowThatOutlivesUnpublishIsCut() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            Endpoint dns = net.attach(EndpointSpec.create(sb.name("dns")).publish(Protocol.UDP, 5353, 53));
            try (DatagramSocket server = dns.call(() -> new DatagramSocket(53));
                 DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40053))) {
                server.setSoTimeout(700);
                assertThat(sendAndReceive(client, sb.uplinkAddress(), 5353, server, "one")).isTrue();
                assertThat(sendAndReceive(client, sb.uplinkAddress(), 5353, server, "two")).isTrue();
                assertThat(dns.unpublish(Protocol.UDP, 5353)).isTrue();
                // Same client socket, same 4-tuple: without the flush its conntrack entry keeps the DNAT.
                assertThat(sendAndReceive(client, sb.uplinkAddress(), 5353, server, "three"))
                        .as("datagram of the old flow after unpublish").isFalse();
                assertThat(conntrack(sb.name("host"))).as("no entry translated to the container").doesNotContain("src=172.16.0.2");
            }
        }
    }

    @Test
    void flowsOfADetachedEndpointNeverReachTheNextHolderOfItsAddress() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            Endpoint old = net.attach(EndpointSpec.create(sb.name("old")).publish(Protocol.UDP, 5353, 53));
            InetAddress address = old.address();
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40054))) {
                try (DatagramSocket server = old.call(() -> new DatagramSocket(53))) {
                    server.setSoTimeout(700);
                    for (int i = 0; i < 3; i++) {
                        assertThat(sendUntilReceived(client, sb.uplinkAddress(), 5353, server, "hello " + i)).isTrue();
                        byte[] r = "answer".getBytes(StandardCharsets.US_ASCII);
                        server.send(new DatagramPacket(r, r.length, sb.internetAddress(), 40054));
                    }
                }
                old.detach();
                Endpoint next = net.attach(EndpointSpec.create(sb.name("next")).address(address.getHostAddress()));
                assertThat(next.address()).isEqualTo(address);
                try (DatagramSocket server = next.call(() -> new DatagramSocket(53))) {
                    server.setSoTimeout(500);
                    for (int i = 0; i < 3; i++) {
                        assertThat(sendAndReceive(client, sb.uplinkAddress(), 5353, server, "for the old one " + i))
                                .as("the old flow's datagram %d reaching the new holder of the address", i).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void theFlowsOfADetachedEndpointAreGoneOnceTheBackgroundWorkIsDone() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(Protocol.UDP, 5353, 53));
            String address = web.address().getHostAddress();
            try (DatagramSocket server = web.call(() -> new DatagramSocket(53));
                 DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40056))) {
                server.setSoTimeout(700);
                boolean through = false;
                for (int i = 0; i < 10 && !through; i++) { // the first datagrams may go while neighbours are resolved
                    through = sendAndReceive(client, sb.uplinkAddress(), 5353, server, "hello " + i);
                }
                assertThat(through).as("a datagram through the published port").isTrue();
            }
            assertThat(conntrack(sb.name("host"))).contains("=" + address + " ");
            web.detach(); // queues the conntrack cleanup: the dump walks the whole host-wide hash table
            net.awaitBackgroundWork();
            assertThat(conntrack(sb.name("host"))).as("no entry of the detached address").doesNotContain("=" + address + " ");
        }
    }

    @Test
    void flowsOfAnEndpointWhoseNamespaceVanishedAreCutWhenItsAddressIsReused() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            // A namespace someone else made, which then vanishes behind netkit's back (no detach).
            Cmd.run("ip", "netns", "add", sb.name("gone"));
            io.netkit.netlink.NetNamespace goneNs = io.netkit.netlink.NetNamespace.open(sb.name("gone"));
            Endpoint gone = net.attach(EndpointSpec.existing(goneNs).publish(Protocol.UDP, 5353, 53));
            InetAddress address = gone.address();
            try (DatagramSocket client = sb.internet().call(() -> new DatagramSocket(40055))) {
                try (DatagramSocket server = gone.call(() -> new DatagramSocket(53))) {
                    server.setSoTimeout(700);
                    for (int i = 0; i < 3; i++) {
                        assertThat(sendUntilReceived(client, sb.uplinkAddress(), 5353, server, "hello " + i)).isTrue();
                        byte[] r = "answer".getBytes(StandardCharsets.US_ASCII);
                        server.send(new DatagramPacket(r, r.length, sb.internetAddress(), 40055));
                    }
                }
                goneNs.close();
                Cmd.run("ip", "netns", "del", sb.name("gone"));
                assertThat(Probe.eventually(5000, () -> Probe.ip(sb.name("host"), "link", "show", "master", "br0").isEmpty()))
                        .as("the vanished namespace's veth is gone").isTrue();
                Endpoint next = net.attach(EndpointSpec.create(sb.name("next")).address(address.getHostAddress()));
                try (DatagramSocket server = next.call(() -> new DatagramSocket(53))) {
                    server.setSoTimeout(500);
                    for (int i = 0; i < 3; i++) {
                        assertThat(sendAndReceive(client, sb.uplinkAddress(), 5353, server, "for the old one " + i))
                                .as("the vanished endpoint's flow reaching the new holder, datagram %d", i).isFalse();
                    }
                }
            }
        }
    }

    @Test
    void aHostPortIsHeldByOneNetworkEvenWhenTwoPublishAtOnce() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network a = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create();
             Network b = Network.bridge("br1").on(Probe.ipt(sb)).subnet("172.17.0.0/24").create()) {
            Endpoint ea = a.attach(sb.name("ea"));
            Endpoint eb = b.attach(sb.name("eb"));
            ea.publish(8080, 80);
            assertThatThrownBy(() -> eb.publish(8080, 80)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/8080").hasMessageContaining(sb.name("ea"))
                    .hasMessageContaining("br0");
            assertThatThrownBy(() -> b.attach(EndpointSpec.create(sb.name("ec")).publish(8080, 81)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(sb.name("ea"));
            ea.unpublish(Protocol.TCP, 8080);

            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 8; round++) {
                    int port = 9000 + round;
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<Boolean>> f = new ArrayList<>();
                    for (Endpoint e : List.of(ea, eb)) {
                        f.add(pool.submit(() -> {
                            go.await();
                            try {
                                e.publish(port, 80);
                                return true;
                            } catch (IllegalArgumentException taken) {
                                assertThat(taken).hasMessageContaining("host port tcp/" + port);
                                return false;
                            }
                        }));
                    }
                    go.countDown();
                    int won = 0;
                    for (Future<Boolean> x : f) won += x.get(60, TimeUnit.SECONDS) ? 1 : 0;
                    long holders = List.of(ea, eb).stream()
                            .filter(e -> e.published().stream().anyMatch(m -> m.hostPort() == port)).count();
                    assertThat(holders).as("round %d: holders of host port %d", round, port).isLessThanOrEqualTo(1);
                    assertThat(holders).isEqualTo(won);
                    long dnats = Probe.iptablesSave(sb.name("host")).lines()
                            .filter(l -> l.contains("--dport " + port + " ") && l.contains("DNAT")).count();
                    assertThat(dnats).as("round %d: DNAT rules for port %d", round, port).isEqualTo(won);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Sends {@code text} from {@code client} to {@code to:port}; whether {@code server} received it. */
    /** {@link #sendAndReceive}, repeated up to 10 times: a positive check must not fail on a datagram lost to load. */
    static boolean sendUntilReceived(DatagramSocket client, InetAddress to, int port, DatagramSocket server, String text)
            throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            if (sendAndReceive(client, to, port, server, text)) {
                return true;
            }
        }
        return false;
    }

    static boolean sendAndReceive(DatagramSocket client, InetAddress to, int port, DatagramSocket server, String text)
            throws Exception {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(b, b.length, new InetSocketAddress(to, port)));
        DatagramPacket p = new DatagramPacket(new byte[64], 64);
        try {
            while (true) {
                server.receive(p);
                if (new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII).equals(text)) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    static boolean hairpin(String ns, String link) {
        Object info = Probe.ip(ns, "link", "show", "dev", link).get(0).get("linkinfo");
        Object slave = ((java.util.Map<?, ?>) info).get("info_slave_data");
        return Boolean.TRUE.equals(((java.util.Map<?, ?>) slave).get("hairpin"));
    }

    static String conntrack(String ns) {
        return Cmd.result("ip", "netns", "exec", ns, "conntrack", "-L").stdout();
    }
}
