package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Port publishing ({@code docker run -p}) with real packets, each test in its own {@link Sandbox}: a server inside a
 * container is reached from the sandbox's "internet" namespace at the host's uplink address.
 */
@Privileged
class PublishTest {
    static final String PREFIX = "nkt-pub-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    /** A TCP server on {@code port} of every address inside {@code ep}'s namespace. */
    static ServerSocket listen(Endpoint ep, int port) {
        return ep.call(() -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(port), 16);
            return s;
        });
    }

    /**
     * The client address {@code server} sees when a client in {@code ns} connects to {@code to:port}, or null. For
     * positive checks: tried up to 5 times, so that a SYN lost to a loaded machine does not fail a test (negative checks
     * use {@link #connects} once).
     */
    static InetAddress reach(NetNamespace ns, ServerSocket server, InetAddress to, int port) throws Exception {
        // One accept for all attempts: a second accept would leave the first one waiting to steal the connection.
        CompletableFuture<InetAddress> seen = Probe.acceptOne(server);
        for (int attempt = 1; attempt <= 5; attempt++) {
            if (connects(ns, to, port)) {
                return seen.get(5, TimeUnit.SECONDS);
            }
        }
        seen.cancel(true);
        return null;
    }

    static boolean connects(NetNamespace ns, InetAddress to, int port) {
        return ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(to, port), 1000);
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Test
    void publishedPortIsReachedFromTheInternetUntilUnpublished() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            // Also where the FORWARD policy is DROP.
            Cmd.run("ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
                Endpoint c1 = net.attach(sb.name("c1"));
                assertThat(c1.published()).isEmpty();
                try (ServerSocket server = listen(c1, 80)) {
                    assertThat(connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();

                    assertThat(c1.publish(8080, 80)).isEqualTo(PortMapping.tcp(8080, 80));
                    assertThat(c1.published()).containsExactly(PortMapping.tcp(8080, 80));
                    assertThat(c1.published().get(0)).hasToString("8080:80/tcp");
                    // From the internet the client keeps its own address (DNAT only).
                    assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                    // From the host itself (nat OUTPUT).
                    assertThat(reach(sb.hostNamespace(), server, sb.uplinkAddress(), 8080)).isNotNull();

                    // Witnesses: the alias record and iptables-save.
                    assertThat(Probe.ip(host, "link", "show", "dev", c1.hostInterface()).get(0).get("ifalias").toString())
                            .contains(" pub=t8080:80");
                    String rules = Probe.iptablesSave(host);
                    assertThat(rules)
                            .containsPattern("-A NETKIT-DNAT-\\w+ -p tcp -m tcp --dport 8080 -m comment --comment "
                                    + "\"?netkit:br0@\\w+ publish\"? -j DNAT --to-destination 172.16.0.2:80")
                            .containsPattern("-A PREROUTING -m addrtype --dst-type LOCAL .*-j NETKIT-DNAT-")
                            .containsPattern("-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL .*-j NETKIT-DNAT-")
                            .containsPattern("-A NETKIT-FWD-\\w+ -d 172.16.0.2/32 -o br0 -p tcp -m tcp --dport 80 .*-j ACCEPT")
                            .containsPattern("-A NETKIT-POST-\\w+ -s 172.16.0.0/24 -d 172.16.0.2/32 -p tcp -m tcp --dport 80 -m conntrack --ctstate DNAT .*-j MASQUERADE")
                            .containsPattern("-A NETKIT-POST-\\w+ -s 172.16.0.0/24 ! -o br0 .*-j MASQUERADE");

                    // Publishing the same mapping again changes nothing.
                    c1.publish(8080, 80);
                    assertThat(c1.published()).containsExactly(PortMapping.tcp(8080, 80));
                    assertThat(Probe.iptablesSave(host)).isEqualTo(rules);

                    assertThat(c1.unpublish(Protocol.TCP, 8080)).isTrue();
                    assertThat(c1.unpublish(Protocol.TCP, 8080)).isFalse();
                    assertThat(c1.published()).isEmpty();
                    assertThat(connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                    assertThat(Probe.iptablesSave(host)).doesNotContain("DNAT").doesNotContain("--dport")
                            .containsPattern("-s 172.16.0.0/24 ! -o br0 .*-j MASQUERADE");
                    assertThat(Probe.ip(host, "link", "show", "dev", c1.hostInterface()).get(0).get("ifalias").toString())
                            .doesNotContain("pub=");
                    // The masquerade still works.
                    assertThat(Probe.roundTrip(c1, sb.internet(), sb.internetAddress())).isEqualTo(sb.uplinkAddress());
                }
            }
            // only the administrator's chain NETKIT-USER stays (it is never deleted)
            assertThat(Probe.iptablesSave(host)).doesNotContainPattern("NETKIT-(?!USER)").doesNotContain("netkit:");
        }
    }

    @Test
    void mappingsOfAnEndpointWhoseNamespaceVanishedNeverReachTheNextHolderOfItsAddress() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            String host = sb.name("host");
            // A namespace someone else made (netkit's own handle on a namespace it created would keep it alive).
            Cmd.run("ip", "netns", "add", sb.name("c1"));
            NetNamespace c1ns = NetNamespace.open(sb.name("c1"));
            Endpoint c1 = net.attach(EndpointSpec.existing(c1ns).publish(8080, 80));
            assertThat(c1.address()).isEqualTo(InetAddress.getByName("172.16.0.2"));
            assertThat(Probe.iptablesSave(host)).contains("--to-destination 172.16.0.2:80");
            assertThat(Probe.ip(host, "-d", "link", "show", "dev", "br0").get(0).get("ifalias").toString()).contains(" pub=1");

            // c1's namespace goes away behind netkit's back: the kernel deletes its veth pair, and with it the record.
            c1ns.close();
            Cmd.run("ip", "netns", "del", sb.name("c1"));
            for (int i = 0; i < 250 && !Probe.ip(host, "link", "show", "master", "br0").isEmpty(); i++) {
                Thread.sleep(20);
            }
            assertThat(Probe.ip(host, "link", "show", "master", "br0")).as("c1's veth, gone with its namespace").isEmpty();
            // The next container gets 172.16.0.2 and listens on port 80; publishing network: attach re-applies the
            // rules from the kernel's records, so the old mapping no longer leads to it.
            Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).address("172.16.0.2"));
            assertThat(Probe.iptablesSave(host)).doesNotContain("DNAT").doesNotContain("--dport 8080");
            try (ServerSocket server = listen(c2, 80)) {
                assertThat(connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                // c2's own mapping works, and a detach without mappings leaves it alone.
                Endpoint c3 = net.attach(sb.name("c3"));
                c2.publish(9090, 80);
                assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 9090)).isEqualTo(sb.internetAddress());
                c3.detach();
                assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 9090)).isEqualTo(sb.internetAddress());
            }
        }
    }

    @Test
    void mappingsDeclaredInTheSpecWorkWithoutMasqueradeAndGoWithDetach() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Cmd.run("ip", "netns", "exec", host, "iptables", "-P", "FORWARD", "DROP");
            try (Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
                assertThat(Probe.sysctl(host, "net/ipv4/ip_forward")).isEqualTo("0");
                Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80)
                        .publish(Protocol.UDP, 5353, 53).publish(Protocol.TCP, 5353, 53));
                assertThat(web.published()).containsExactly(PortMapping.tcp(8080, 80), PortMapping.udp(5353, 53),
                        PortMapping.tcp(5353, 53));
                assertThat(Probe.sysctl(host, "net/ipv4/ip_forward")).as("publishing forwards").isEqualTo("1");
                try (ServerSocket server = listen(web, 80);
                     DatagramSocket udp = web.call(() -> new DatagramSocket(53))) {
                    assertThat(reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());

                    udp.setSoTimeout(3000);
                    byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
                    sb.internet().run(() -> {
                        try (DatagramSocket s = new DatagramSocket()) {
                            s.send(new DatagramPacket(hello, hello.length, sb.uplinkAddress(), 5353));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    DatagramPacket got = new DatagramPacket(new byte[16], 16);
                    udp.receive(got);
                    assertThat(new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)).isEqualTo("hello");
                    assertThat(got.getAddress()).isEqualTo(sb.internetAddress());

                    web.detach();
                    assertThat(web.published()).isEmpty();
                    assertThat(connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                    assertThat(Probe.iptablesSave(host)).doesNotContain("DNAT").doesNotContain("--dport")
                            .containsPattern("-A NETKIT-FWD-\\w+ -i br0 -o br0 .*-j ACCEPT");
                }
            }
            // only the administrator's chain NETKIT-USER stays (it is never deleted)
            assertThat(Probe.iptablesSave(host)).doesNotContainPattern("NETKIT-(?!USER)").doesNotContain("netkit:");
        }
    }

    @Test
    void anAdoptedNetworkSeesAndChangesTheMappings() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            // A namespace someone else made (netkit's own handle on a namespace it created would keep it alive).
            Cmd.run("ip", "netns", "add", sb.name("c1"));
            NetNamespace c1ns = NetNamespace.open(sb.name("c1"));
            Endpoint c1 = net.attach(EndpointSpec.existing(c1ns).publish(8080, 80));
            Endpoint c2 = net.attach(sb.name("c2"));

            Network adopted = Network.open(sb.host(), "br0");
            Endpoint c1b = adopted.endpoint(sb.name("c1")).orElseThrow();
            Endpoint c2b = adopted.endpoint(sb.name("c2")).orElseThrow();
            assertThat(c1b).isNotSameAs(c1);
            assertThat(c1b.published()).containsExactly(PortMapping.tcp(8080, 80));
            assertThat(c2b.published()).isEmpty();

            // A change through the adopted objects keeps the creator's mapping (rules are rebuilt from the kernel).
            c2b.publish(9090, 90);
            assertThat(c2.published()).containsExactly(PortMapping.tcp(9090, 90));
            assertThatThrownBy(() -> c2.publish(8080, 81)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/8080").hasMessageContaining(sb.name("c1"));
            try (ServerSocket s1 = listen(c1, 80); ServerSocket s2 = listen(c2, 90)) {
                assertThat(reach(sb.internet(), s1, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                assertThat(reach(sb.internet(), s2, sb.uplinkAddress(), 9090)).isEqualTo(sb.internetAddress());
                c1b.detach();
                assertThat(connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                assertThat(reach(sb.internet(), s2, sb.uplinkAddress(), 9090)).isEqualTo(sb.internetAddress());
            }
            String rules = Probe.iptablesSave(sb.name("host"));
            assertThat(rules).doesNotContain("--dport 8080").contains("--dport 9090");
            adopted.close();
            assertThat(Probe.iptablesSave(sb.name("host"))).doesNotContain("netkit:");
        }
    }

    @Test
    void duplicateAndBadPortsAreRefusedWithNothingHalfMade() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
            String host = sb.name("host");
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            c1.publish(8080, 80);
            String rules = Probe.iptablesSave(host);
            List<String> links = Probe.linkNamesButWaiting(host);

            assertThatThrownBy(() -> c2.publish(8080, 81)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/8080 is already published by endpoint " + sb.name("c1"));
            assertThatThrownBy(() -> c1.publish(8080, 81)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/8080").hasMessageContaining("unpublish it first");
            assertThatThrownBy(() -> net.attach(EndpointSpec.create(sb.name("c3")).publish(8080, 80)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("host port tcp/8080 is already published by endpoint " + sb.name("c1"));
            assertThat(NetNamespace.list()).doesNotContain(sb.name("c3"));
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrderElementsOf(links);
            assertThat(c2.published()).isEmpty();
            assertThat(Probe.iptablesSave(host)).isEqualTo(rules);

            // Another netkit network on the same host cannot take the port either.
            try (Network other = Network.bridge("br1").on(Probe.ipt(sb)).subnet("172.17.0.0/24").create()) {
                Endpoint d1 = other.attach(sb.name("d1"));
                assertThatThrownBy(() -> d1.publish(8080, 80)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("host port tcp/8080").hasMessageContaining("network br0");
            }

            assertThatThrownBy(() -> c2.publish(0, 80)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("host port 0 out of range: expected 1..65535");
            assertThatThrownBy(() -> c2.publish(Protocol.UDP, 53, 65536)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("container port 65536 out of range: expected 1..65535");
            assertThatThrownBy(() -> EndpointSpec.create("x").publish(70000, 80)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("host port 70000 out of range: expected 1..65535");
            assertThatThrownBy(() -> EndpointSpec.create("x").publish(80, 80).publish(80, 81))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host port tcp/80");
            assertThatThrownBy(() -> c2.unpublish(Protocol.TCP, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("host port -1 out of range: expected 1..65535");

            // The alias record is limited to 255 bytes: publishing stops there, clearly, and keeps what fits.
            int published = 0;
            IllegalArgumentException full = null;
            for (int port = 10001; port < 10060 && full == null; port++) {
                try {
                    c2.publish(port, port);
                    published++;
                } catch (IllegalArgumentException e) {
                    full = e;
                }
            }
            assertThat(full).isNotNull();
            assertThat(full.getMessage()).contains("255 bytes (IFALIASZ)").contains("published port");
            assertThat(published).isGreaterThan(5);
            assertThat(c2.published()).hasSize(published);
            assertThat(Probe.iptablesSave(host).lines().filter(l -> l.contains("-j DNAT")).count()).isEqualTo(published + 1);
            assertThat(Probe.ip(host, "link", "show", "dev", c2.hostInterface()).get(0).get("ifalias").toString().length())
                    .isLessThanOrEqualTo(255);
        }
    }

    @Test
    void twoProcessesPublishingAtOnceKeepEachOthersMappings() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create()) {
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    PublishMain.class.getName(), sb.name("host"), "br0", sb.name("c2"), "2001", "8")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("ready");
                try (OutputStream go = child.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.UTF_8));
                }
                List<PortMapping> mine = new ArrayList<>();
                for (int port = 1001; port <= 1008; port++) {
                    mine.add(c1.publish(port, port));
                }
                assertThat(out.readLine()).isEqualTo("done");
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();

                assertThat(c1.published()).containsExactlyElementsOf(mine);
                assertThat(c2.published()).hasSize(8).allMatch(m -> m.hostPort() >= 2001 && m.hostPort() <= 2008);
                String rules = Probe.iptablesSave(sb.name("host"));
                assertThat(rules.lines().filter(l -> l.contains("-j DNAT --to-destination 172.16.0.2:100")).count()).isEqualTo(8);
                assertThat(rules.lines().filter(l -> l.contains("-j DNAT --to-destination 172.16.0.3:200")).count()).isEqualTo(8);
                try (ServerSocket s = listen(c2, 2008)) {
                    assertThat(reach(sb.internet(), s, sb.uplinkAddress(), 2008)).isEqualTo(sb.internetAddress());
                }
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void mappingsThatDoNotFitTheAliasFailTheAttachWithNothingLeft() {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
            String rules = Probe.iptablesSave(sb.name("host"));
            List<String> links = Probe.linkNames(sb.name("host"));
            EndpointSpec spec = EndpointSpec.create(sb.name("c".repeat(60)));
            for (int port = 30001; port <= 30012; port++) {
                spec = spec.publish(port, port);
            }
            EndpointSpec tooMany = spec;
            assertThatThrownBy(() -> net.attach(tooMany)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot record 12 published port(s) for endpoint " + sb.name("c".repeat(60)))
                    .hasMessageContaining("255 bytes (IFALIASZ)");
            assertThat(NetNamespace.list()).doesNotContain(sb.name("c".repeat(60)));
            assertThat(Probe.linkNames(sb.name("host"))).containsExactlyInAnyOrderElementsOf(links);
            assertThat(Probe.iptablesSave(sb.name("host"))).isEqualTo(rules);
            assertThat(net.endpoints()).isEmpty();
        }
    }
}
