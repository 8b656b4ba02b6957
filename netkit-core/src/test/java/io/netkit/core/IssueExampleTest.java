package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The API exactly as the issue shows it, on a namespace acting as the host, then a restart and teardown. */
@Privileged
class IssueExampleTest {
    @Test
    void theWalkthroughAsTheIssueWritesIt() throws Exception {
        String simHost = NetworkTest.PREFIX + "-sim-host";
        String container1 = NetworkTest.PREFIX + "-container1";
        String before = Probe.rootState();
        Cmd.run("ip", "netns", "add", simHost);
        Process sleeper = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            Thread.sleep(200); // let unshare switch namespaces
            long pid = sleeper.pid();
            try (Host host = Host.namespace(simHost)) {
                try (Network net = Network.bridge("br0")
                        .on(host)
                        .subnet("172.16.0.0/24")
                        .masquerade()
                        .create()) {
                    Endpoint c1 = net.attach(container1);
                    Endpoint c2 = net.attach(NetNamespace.ofPid(pid));
                    assertThat(c1.address().getHostAddress()).isEqualTo("172.16.0.2");
                    assertThat(c1.namespace().name()).contains(container1);
                    if (Probe.hasPing()) {
                        assertThat(c1.exec("ping", "-c1", "-W2", "172.16.0.1").exitCode()).isZero();
                    }
                    try (ServerSocket server = Probe.listen(c2.namespace(), c2.address())) {
                        Socket s = c1.call(() -> new Socket(c2.address(), server.getLocalPort()));
                        s.close();
                    }
                    net.detach(c2);

                    // Restart: fresh objects from the kernel alone.
                    Network again = Network.open(host, "br0");
                    assertThat(again.endpoints()).extracting(Endpoint::name).containsExactly(container1);
                    Endpoint c1again = again.endpoints().get(0);
                    assertThat(c1again.call(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(c1again.gateway(), 9), 1000);
                            return "connected";
                        } catch (java.net.ConnectException refused) {
                            return "refused"; // the gateway answered with RST: the path works
                        }
                    })).isEqualTo("refused");
                    again.delete();
                }
            }
            assertThat(Probe.linkNames(simHost)).containsExactly("lo");
            assertThat(Probe.iptablesSave(simHost)).doesNotContain("netkit");
            assertThat(NetNamespace.exists(container1)).isFalse();
            String inPid = Cmd.run("nsenter", "--net=/proc/" + pid + "/ns/net", "ip", "-br", "link");
            assertThat(inPid).doesNotContain("eth0");
        } finally {
            sleeper.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            Cmd.run("ip", "netns", "del", simHost);
        }
        assertThat(Probe.rootState()).isEqualTo(before);
    }
}
