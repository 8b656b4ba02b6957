package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.cni.internal.Attachments;
import io.netkit.core.Network;
import io.netkit.core.Sandbox;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dual-stack conflist (host-local ranges: one IPv4 and one IPv6 range set, each with its gateway and
 * rangeStart/rangeEnd; routes 0.0.0.0/0, ::/0 and an IPv6 prefix; the runtime's {@code ips} capability and a port
 * mapping with {@code hostIP}) driven by
 * libcni from a sandbox host, with the reference {@code firewall} plugin (iptables backend) chained after netkit: ADD,
 * traffic in both families, CHECK, DEL, and nothing of the container left in iptables, ip6tables or the links.
 */
@Privileged
class DualStackFirewallTest {
    static final String BRIDGE = "nkc6br0";

    @TempDir
    Path tmp;

    static final String CONFLIST = """
            {"cniVersion": "1.0.0", "name": "netkit-ds", "plugins": [
              {"type": "netkit", "bridge": "%s", "isGateway": true, "isDefaultGateway": true, "ipMasq": true,
               "capabilities": {"ips": true, "portMappings": true},
               "ipam": {"type": "host-local", "ranges": [
                   [{"subnet": "10.79.0.0/24", "gateway": "10.79.0.254", "rangeStart": "10.79.0.100", "rangeEnd": "10.79.0.150"}],
                   [{"subnet": "fd00:79::/64", "gateway": "fd00:79::fe", "rangeStart": "fd00:79::100", "rangeEnd": "fd00:79::1ff"}]],
                 "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}, {"dst": "2001:db8:5::/48"}]}},
              {"type": "firewall", "backend": "iptables"}
            ]}
            """.formatted(BRIDGE);

    @Test
    void dualStackRangesAndIpsThroughLibcniChainedWithTheFirewallPlugin() throws Exception {
        Path exe = GoDriver.path();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.copy(Proc.client(), bin.resolve("netkit"));
        Path conf = tmp.resolve("netkit-ds.conflist");
        Files.writeString(conf, CONFLIST);
        Path sock = tmp.resolve("run/cni.sock");
        try (Sandbox sb = Sandbox.create("nkcni6"); CniDaemon daemon = CniDaemon.start(sock)) {
            String hostNs = sb.hostNamespace().name().orElseThrow();
            List<String> pairs = new ArrayList<>();
            for (String c : List.of("a", "b", "c")) {
                NetNamespace.create(sb.name(c)).close();
                pairs.add("ctr" + c);
                pairs.add("/run/netns/" + sb.name(c));
            }
            Map<String, String> env = new HashMap<>(Map.of("NETKIT_CNI_SOCKET", sock.toString(), "NETKIT_CNI_JAR", "/nonexistent",
                    "CNIDRIVER_IPS", "ctrc=10.79.0.140,fd00:79::140/64", "CNIDRIVER_PORTS", "ctra=203.0.113.2/18081/80"));
            LibcniTest.Driver d = new LibcniTest.Driver(exe, conf, Files.createDirectories(tmp.resolve("cache")),
                    bin + ":/usr/lib/cni", hostNs, env);

            List<JsonObject> added = d.run("add", pairs);
            Map<String, List<String>> got = new HashMap<>();
            for (JsonObject l : added) {
                assertThat(l.get("ok").getAsBoolean()).as("ADD: %s", l).isTrue();
                JsonObject res = l.getAsJsonObject("result");
                List<String> ips = new ArrayList<>();
                for (JsonElement e : res.getAsJsonArray("ips")) {
                    ips.add(e.getAsJsonObject().get("address").getAsString() + " gw " + e.getAsJsonObject().get("gateway").getAsString());
                }
                got.put(l.get("id").getAsString(), ips);
                assertThat(routes(res.getAsJsonArray("routes"))).contains("0.0.0.0/0 via 10.79.0.254", "::/0 via fd00:79::fe",
                        "2001:db8:5::/48 via fd00:79::fe");
            }
            // Next free inside rangeStart..rangeEnd per family; the ips capability's fixed addresses for container c.
            assertThat(got.get("ctra")).containsExactly("10.79.0.100/24 gw 10.79.0.254", "fd00:79::100/64 gw fd00:79::fe");
            assertThat(got.get("ctrb")).containsExactly("10.79.0.101/24 gw 10.79.0.254", "fd00:79::101/64 gw fd00:79::fe");
            assertThat(got.get("ctrc")).containsExactly("10.79.0.140/24 gw 10.79.0.254", "fd00:79::140/64 gw fd00:79::fe");
            // The kernel agrees; the ranges are on the bridge's record for every other process.
            assertThat(Proc.ok("ip", "-n", sb.name("a"), "-o", "addr", "show", "dev", "eth0"))
                    .contains("inet 10.79.0.100/24").contains("inet6 fd00:79::100/64");
            assertThat(Proc.ok("ip", "-n", sb.name("a"), "-6", "route")).contains("default via fd00:79::fe dev eth0")
                    .contains("2001:db8:5::/48 via fd00:79::fe dev eth0");
            assertThat(Proc.ok("ip", "-n", hostNs, "-d", "link", "show", BRIDGE))
                    .contains("pool=10.79.0.100-10.79.0.150").contains("pool6=fd00:79::100-fd00:79::1ff");
            assertThat(Network.open(sb.host(), BRIDGE).allocationRanges()).hasSize(2);

            // The firewall plugin (fed by netkit's prevResult) allowed each container's addresses in both families.
            assertThat(Proc.ok("ip", "netns", "exec", hostNs, "iptables-save", "-t", "filter"))
                    .contains(":CNI-FORWARD").contains("-s 10.79.0.100/32").contains("-d 10.79.0.140/32");
            assertThat(Proc.ok("ip", "netns", "exec", hostNs, "ip6tables-save", "-t", "filter"))
                    .contains(":CNI-FORWARD").contains("-s fd00:79::101/128");

            // Traffic: container to container over IPv6, to the sandbox internet over IPv4 (NAT44) and IPv6 (NAT66).
            assertThat(Proc.run("ip", "netns", "exec", sb.name("a"), "ping", "-6", "-c1", "-W5", "fd00:79::140").ok()).isTrue();
            assertThat(Proc.run("ip", "netns", "exec", sb.name("b"), "ping", "-c1", "-W5", "203.0.113.1").ok()).isTrue();
            assertThat(Proc.run("ip", "netns", "exec", sb.name("c"), "ping", "-6", "-c1", "-W5", "2001:db8::1").ok()).isTrue();

            // runtimeConfig portMappings with hostIP: published on that host address only (-d), not on the IPv6 one.
            // (netkit's rules: native here by default, AUTO; the witness shows them whichever backend holds them.)
            assertThat(Proc.netkitRules(hostNs).lines().filter(l -> l.contains("dport 18081")).toList()).isNotEmpty()
                    .allMatch(l -> l.contains("203.0.113.2")).noneMatch(l -> l.contains("ip6") || l.contains("fd00:"));
            Path www = Files.createDirectories(tmp.resolve("www"));
            Files.writeString(www.resolve("index.html"), "hello from ctra\n");
            Process httpd = new ProcessBuilder("ip", "netns", "exec", sb.name("a"), "busybox", "httpd", "-f", "-p", "80",
                    "-h", www.toString()).start();
            try {
                assertThat(Proc.httpGet(sb.internet(), "203.0.113.2", 18081)).isEqualTo("hello from ctra\n");
            } finally {
                httpd.destroyForcibly().waitFor();
            }

            // CHECK through both plugins.
            assertThat(d.run("check", pairs)).allSatisfy(l -> assertThat(l.get("ok").getAsBoolean()).as(l.toString()).isTrue());

            // DEL: nothing of the containers is left in iptables, ip6tables or the links.
            assertThat(d.run("del", pairs)).allSatisfy(l -> assertThat(l.get("ok").getAsBoolean()).as(l.toString()).isTrue());
            assertThat(Proc.netkitRules(hostNs)).doesNotContain("10.79.0.1").doesNotContain("fd00:79::1");
            // The firewall plugin removed its per-container rules; its shared chains stay, as the reference plugin leaves
            // them for every network of the host (they hold no rule of these containers).
            for (String tool : List.of("iptables-save", "ip6tables-save")) {
                assertThat(Proc.ok("ip", "netns", "exec", hostNs, tool, "-t", "filter").lines()
                        .filter(l -> l.startsWith("-A CNI-FORWARD") && !l.contains("-j CNI-ADMIN")).toList()).as(tool).isEmpty();
            }
            String left = "";
            for (int t = 0; t < 100; t++) {
                left = Proc.ok("ip", "-n", hostNs, "-o", "link");
                if (!left.contains(Attachments.PREFIX + Attachments.hostInterface("ctra", "eth0").substring(3))
                        && !left.matches("(?s).*nkc[0-9a-f]{12}.*")) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(left).doesNotContainPattern("nkc[0-9a-f]{12}");
            Network.open(sb.host(), BRIDGE).delete();
        }
    }

    private static List<String> routes(JsonArray rs) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : rs) {
            out.add(e.getAsJsonObject().get("dst").getAsString() + " via " + e.getAsJsonObject().get("gw").getAsString());
        }
        return out;
    }
}
