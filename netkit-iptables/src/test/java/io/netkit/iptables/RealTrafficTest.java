package io.netkit.iptables;

import io.netkit.iptables.testing.Privileged;
import io.netkit.iptables.testing.RootNamespaceGuard;
import io.netkit.iptables.testing.TestNamespace;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packets really flow with the container-network layout, with the FORWARD policy DROP. Topology, all in
 * namespaces this test makes (nothing leads into the machine's own namespace):
 * <pre>
 *  c1 (172.16.0.2) --+                                      
 *                    nkbr0 172.16.0.1 [host] up0 203.0.113.2 ---- 203.0.113.1 [inet]
 *  c2 (172.16.0.3) --+
 * </pre>
 * "inet" has no route to 172.16.0.0/24, so replies reach the containers only through MASQUERADE.
 */
@Privileged
@ExtendWith(RootNamespaceGuard.class)
class RealTrafficTest {

    @ParameterizedTest
    @EnumSource(Backend.class)
    void masqueradeForwardAcceptAndPublishWork(Backend b) throws Exception {
        try (TestNamespace host = TestNamespace.create("h-ipt"); TestNamespace c1 = TestNamespace.create("c1-ipt");
             TestNamespace c2 = TestNamespace.create("c2-ipt"); TestNamespace inet = TestNamespace.create("i-ipt")) {
            host.exec("ip", "link", "add", "nkbr0", "type", "bridge");
            host.exec("ip", "addr", "add", "172.16.0.1/24", "dev", "nkbr0");
            host.exec("ip", "link", "set", "nkbr0", "up");
            int i = 2;
            for (TestNamespace c : List.of(c1, c2)) {
                host.exec("ip", "link", "add", "vc" + i, "type", "veth", "peer", "name", "eth0", "netns", c.name());
                host.exec("ip", "link", "set", "vc" + i, "master", "nkbr0", "up");
                c.exec("ip", "addr", "add", "172.16.0." + i + "/24", "dev", "eth0");
                c.exec("ip", "link", "set", "eth0", "up");
                c.exec("ip", "link", "set", "lo", "up");
                c.exec("ip", "route", "add", "default", "via", "172.16.0.1");
                i++;
            }
            host.exec("ip", "link", "add", "up0", "type", "veth", "peer", "name", "eth0", "netns", inet.name());
            host.exec("ip", "addr", "add", "203.0.113.2/24", "dev", "up0");
            host.exec("ip", "link", "set", "up0", "up");
            inet.exec("ip", "addr", "add", "203.0.113.1/24", "dev", "eth0");
            inet.exec("ip", "link", "set", "eth0", "up");
            host.exec("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            host.exec(b.command(Family.IPV4), "-P", "FORWARD", "DROP");

            assertThat(ping(c1, "203.0.113.1")).as("no NAT, FORWARD DROP").isFalse();
            assertThat(ping(c1, "172.16.0.3")).as("bridged traffic passes FORWARD (br_netfilter)").isFalse();

            Iptables ipt = Iptables.builder().runner(host.runner()).backend(b).build();
            Owner owner = Owner.of("nkt-traffic");
            ipt.apply(ContainerNetworkRules.builder(owner, "nkbr0", "172.16.0.0/24").adminChain().masquerade().forwardAccept()
                    .publish(Protocol.TCP, 8080, "172.16.0.2", 80).build());

            assertThat(ping(c1, "203.0.113.1")).as("masquerade + forward accept").isTrue();
            assertThat(ping(c1, "172.16.0.3")).as("bridge-internal accept").isTrue();

            Process server = new ProcessBuilder("ip", "netns", "exec", c1.name(), "python3", "-m", "http.server", "80",
                    "--bind", "172.16.0.2").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                assertThat(fetch(inet, "http://203.0.113.2:8080/")).as("published port from outside").isTrue();
                // hairpin (issue 9 defect 8): a neighbour through the host address, then the container itself
                // (a frame back out of the port it came in on needs hairpin_mode on that bridge port)
                assertThat(fetch(c2, "http://203.0.113.2:8080/")).as("neighbour -> host address:published port").isTrue();
                assertThat(fetch(c2, "http://172.16.0.1:8080/")).as("neighbour -> gateway:published port").isTrue();
                host.exec("ip", "link", "set", "vc2", "type", "bridge_slave", "hairpin", "on");
                assertThat(fetch(c1, "http://203.0.113.2:8080/")).as("container -> its own published port").isTrue();
                // host-local clients: the host address always; 127.0.0.1 only with localhost() + route_localnet
                assertThat(fetch(host, "http://203.0.113.2:8080/")).as("host -> its own address").isTrue();
                host.exec("ip", "link", "set", "lo", "up");
                assertThat(fetchOnce(host, "http://127.0.0.1:8080/")).as("127.0.0.1 without localhost()").isFalse();
                host.exec("sysctl", "-q", "-w", "net.ipv4.conf.nkbr0.route_localnet=1");
                ipt.apply(ContainerNetworkRules.builder(owner, "nkbr0", "172.16.0.0/24").adminChain().masquerade()
                        .forwardAccept().localhost().publish(Protocol.TCP, 8080, "172.16.0.2", 80).build());
                assertThat(fetch(host, "http://127.0.0.1:8080/")).as("127.0.0.1 with localhost()").isTrue();
            } finally {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }

            // defect 10: the administrator's chain is evaluated before netkit's accepts, and a DROP there wins
            host.exec(b.command(Family.IPV4), "-I", ContainerNetworkRules.ADMIN_CHAIN, "-s", "172.16.0.3/32", "-j", "DROP");
            assertThat(ping(c2, "203.0.113.1")).as("admin DROP wins over netkit's accept").isFalse();
            assertThat(ping(c1, "203.0.113.1")).as("others pass").isTrue();
            ipt.apply(ContainerNetworkRules.builder(owner, "nkbr0", "172.16.0.0/24").adminChain().masquerade().forwardAccept().build());
            assertThat(ping(c2, "203.0.113.1")).as("a re-apply does not flush the admin chain").isFalse();

            ipt.remove(owner);
            assertThat(ping(c1, "203.0.113.1")).as("removed again").isFalse();
            assertThat(host.exec(b.saveCommand(Family.IPV4), "-t", "filter"))
                    .as("the admin chain and its rule outlive the network")
                    .contains("-A NETKIT-USER -s 172.16.0.3/32 -j DROP");
        }
    }

    private static boolean ping(TestNamespace from, String to) {
        try {
            from.exec("ping", "-c", "1", "-W", "1", to);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static boolean fetchOnce(TestNamespace from, String url) {
        try {
            from.exec("curl", "-s", "-o", "/dev/null", "--max-time", "2", url);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /** Retries for a few seconds while the server starts. */
    private static boolean fetch(TestNamespace from, String url) throws InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                from.exec("curl", "-s", "-o", "/dev/null", "--max-time", "2", url);
                return true;
            } catch (IllegalStateException e) {
                Thread.sleep(100);
            }
        }
        return false;
    }
}
