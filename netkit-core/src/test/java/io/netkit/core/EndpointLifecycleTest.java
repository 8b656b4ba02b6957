package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Namespaces given by pid, namespaces that vanish, two processes allocating at once, adoption errors. */
@Privileged
class EndpointLifecycleTest {
    private static String rootBefore;

    @org.junit.jupiter.api.BeforeAll
    static void snapshotRoot() {
        rootBefore = Probe.rootState();
    }

    @org.junit.jupiter.api.AfterAll
    static void rootUnchangedAndNothingLeft() {
        Probe.assertNothingLeft(NetworkTest.PREFIX, rootBefore);
    }

    static final String PREFIX = NetworkTest.PREFIX;

    private static String netnsLink(String path) {
        try {
            return java.nio.file.Files.readSymbolicLink(Path.of(path)).toString(); // "net:[4026531840]"
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void attachByPidAndAdoptIt() throws Exception {
        Process sleeper = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            // wait until unshare has switched namespaces
            assertThat(Probe.eventually(10_000, () -> !netnsLink("/proc/" + sleeper.pid() + "/ns/net")
                    .equals(netnsLink("/proc/self/ns/net")))).isTrue();
            try (NetNamespace fresh = NetNamespace.ofPid(sleeper.pid())) {
                Endpoint ep = net.attach(fresh);
                assertThat(ep.namespaceName()).isEmpty();
                assertThat(ep.name()).isEqualTo(ep.hostInterface());
                assertThat(Probe.roundTrip(ep, sb.hostNamespace(), net.gateway())).isEqualTo(ep.address());
                String out = Cmd.run("nsenter", "--net=/proc/" + sleeper.pid() + "/ns/net", "ip", "-br", "-4", "addr", "show", "eth0");
                assertThat(out).contains("172.16.0.2/24");

                try (Host h = Host.namespace(sb.name("host"))) {
                    Network adopted = Network.open(h, "br0");
                    Endpoint again = adopted.endpoints().get(0);
                    assertThat(again.namespaceInode()).isEqualTo(fresh.inode());
                    assertThat(again.namespace().path()).isEqualTo(Path.of("/proc/" + sleeper.pid() + "/ns/net"));
                    assertThat(Probe.roundTrip(again, sb.hostNamespace(), net.gateway())).isEqualTo(ep.address());
                    adopted.detach(again);
                    assertThat(net.endpoints()).isEmpty();
                }
            }
        } finally {
            sleeper.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEndpointWhoseNamespaceVanishedFreesItsAddress() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String doomed = sb.name("doomed");
            Cmd.run("ip", "netns", "add", doomed);
            try (NetNamespace ns = NetNamespace.open(doomed)) {
                assertThat(net.attach(ns).address()).isEqualTo(IpAddresses.parse("172.16.0.2"));
            }
            net.attach(sb.name("other")); // .3
            Cmd.run("ip", "netns", "del", doomed); // the kernel destroys the namespace and its veth pair
            assertThat(Probe.eventually(10_000, () -> net.endpoints().size() == 1)).isTrue();
            assertThat(net.attach(sb.name("next")).address()).isEqualTo(IpAddresses.parse("172.16.0.2"));
        }
    }

    @Test
    void twoProcessesNeverHandOutOneAddressTwice() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    AttachMain.class.getName(), sb.name("host"), "br0", "16", sb.name("child") + "-")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                try (OutputStream go = child.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.UTF_8));
                }
                List<Future<Endpoint>> mine = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    String n = sb.name("parent-" + i);
                    mine.add(pool.submit(() -> net.attach(n)));
                }
                Set<String> addresses = new HashSet<>();
                for (Future<Endpoint> f : mine) {
                    addresses.add(f.get().address().getHostAddress());
                }
                List<String> childLines = out.lines().collect(Collectors.toList());
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();
                assertThat(childLines).hasSize(16);
                for (String l : childLines) {
                    addresses.add(l.split(" ")[1]);
                }
                assertThat(addresses).hasSize(32);
                List<Endpoint> all = net.endpoints();
                assertThat(all).hasSize(32);
                assertThat(all.stream().map(e -> e.address().getHostAddress()).collect(Collectors.toSet())).isEqualTo(addresses);
            } finally {
                pool.shutdownNow();
                child.destroyForcibly();
            }
        }
        assertThat(NetNamespace.list()).noneMatch(n -> n.contains("-child-") || n.contains("-parent-"));
    }

    @Test
    void openRefusesWhatNetkitDidNotMake() {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            Cmd.run("ip", "-n", sb.name("host"), "link", "add", "plainbr", "type", "bridge");
            assertThatThrownBy(() -> Network.open(sb.host(), "plainbr"))
                    .isInstanceOf(NetkitException.class).hasMessageContaining("not made by netkit");
            assertThatThrownBy(() -> Network.open(sb.host(), "nosuch"))
                    .isInstanceOf(NetkitException.class).hasMessageContaining("no link named nosuch");
            assertThat(sb.host().networks()).isEmpty();
        }
    }

    @Test
    void attachAfterDeleteFailsClearly() {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create();
            net.close();
            net.close();
            assertThat(net.isDeleted()).isTrue();
            assertThatThrownBy(() -> net.attach(sb.name("late")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
            assertThat(NetNamespace.exists(sb.name("late"))).isFalse();
            InetAddress gw = net.gateway();
            assertThat(gw.getHostAddress()).isEqualTo("172.16.0.1");
        }
    }
}
