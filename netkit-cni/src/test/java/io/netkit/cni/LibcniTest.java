package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netkit.cni.internal.Attachments;
import io.netkit.core.Endpoint;
import io.netkit.core.Network;
import io.netkit.core.Sandbox;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference client library drives the plugin as engines do: libcni (Go) runs inside a sandbox host namespace
 * ({@code ip netns exec HOST cnidriver ...}), the thin client forwards to a daemon that runs in this JVM in the
 * machine's own namespace, and everything lands in the sandbox host — proving the daemon acts in its caller's namespace.
 * netkit first, the reference portmap and tuning plugins chained after it.
 */
@Privileged
class LibcniTest {
    static final int N = 20;
    static final String BRIDGE = "nkcbr0";

    @TempDir
    Path tmp;

    static String conflist(Path dataDir) {
        return """
                {"cniVersion": "1.0.0", "name": "netkit-test", "plugins": [
                  {"type": "netkit", "bridge": "%s", "isGateway": true, "isDefaultGateway": true, "ipMasq": true,
                   "hairpinMode": true, "mtu": 1400,
                   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.77.0.0/24", "gateway": "10.77.0.1"}]],
                            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "192.0.2.0/24"}], "dataDir": "%s"}},
                  {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
                  {"type": "tuning", "sysctl": {"net.core.somaxconn": "500"}}
                ]}
                """.formatted(BRIDGE, dataDir);
    }

    record Driver(Path exe, Path conf, Path cache, String paths, String hostNs, Map<String, String> env) {
        List<JsonObject> run(String mode, List<String> pairs) {
            List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", hostNs, exe.toString(), mode, conf.toString(),
                    cache.toString(), paths));
            argv.addAll(pairs);
            Proc.Result r = Proc.run(env, null, 240, argv);
            assertThat(r.exitCode()).as("cnidriver %s: %s", mode, r.stderr()).isZero();
            List<JsonObject> out = new ArrayList<>();
            for (String line : r.stdout().split("\n")) {
                if (!line.isBlank()) {
                    out.add(JsonParser.parseString(line).getAsJsonObject());
                }
            }
            return out;
        }
    }

    @Test
    void addCheckDelGcTwentyContainersThroughLibcniChainedWithPortmapAndTuning() throws Exception {
        Path exe = GoDriver.path();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.copy(Proc.client(), bin.resolve("netkit"));
        Path conf = tmp.resolve("netkit-test.conflist");
        Files.writeString(conf, conflist(tmp.resolve("ipam")));
        Path sock = tmp.resolve("run/cni.sock");
        try (Sandbox sb = Sandbox.create("nkcni"); CniDaemon daemon = CniDaemon.start(sock)) {
            String hostNs = sb.hostNamespace().name().orElseThrow();
            List<String> pairs = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                NetNamespace.create(sb.name("c" + i)).close();
                pairs.add("ctr" + i);
                pairs.add("/run/netns/" + sb.name("c" + i));
            }
            Driver d = new Driver(exe, conf, Files.createDirectories(tmp.resolve("cache")), bin + ":/usr/lib/cni", hostNs,
                    Map.of("NETKIT_CNI_SOCKET", sock.toString(), "NETKIT_CNI_JAR", "/nonexistent"));

            // ADD: 20 results, each valid by the spec's fields (checked in Go), distinct addresses, kernel agrees.
            List<JsonObject> added = d.run("add", pairs);
            assertThat(added).hasSize(N);
            Set<String> addresses = new HashSet<>();
            for (int i = 0; i < N; i++) {
                JsonObject l = added.get(i);
                assertThat(l.get("ok").getAsBoolean()).as("ADD %s: %s", "ctr" + i, l).isTrue();
                JsonObject res = l.getAsJsonObject("result");
                String addr = res.getAsJsonArray("ips").get(0).getAsJsonObject().get("address").getAsString();
                addresses.add(addr);
                assertThat(res.getAsJsonArray("ips").get(0).getAsJsonObject().get("gateway").getAsString()).isEqualTo("10.77.0.1");
                String ns = sb.name("c" + i);
                assertThat(Proc.ok("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0")).contains("inet " + addr);
                String routes = Proc.ok("ip", "-n", ns, "route");
                assertThat(routes).contains("default via 10.77.0.1 dev eth0").contains("192.0.2.0/24 via 10.77.0.1 dev eth0");
                assertThat(Proc.ok("ip", "-n", ns, "-o", "link", "show", "eth0")).contains("mtu 1400");
                // tuning ran after netkit, in the container: its sysctl is set
                assertThat(Proc.ok("ip", "netns", "exec", ns, "cat", "/proc/sys/net/core/somaxconn").trim()).isEqualTo("500");
                String hostIf = Attachments.hostInterface("ctr" + i, "eth0");
                assertThat(res.getAsJsonArray("interfaces").toString()).contains("\"name\":\"" + hostIf + "\"");
            }
            assertThat(addresses).hasSize(N);
            // The host side is in the sandbox host, not in this JVM's (the machine's) namespace.
            assertThat(Proc.ok("ip", "-n", hostNs, "-o", "link", "show", BRIDGE)).contains(BRIDGE);
            assertThat(Proc.run("ip", "-o", "link", "show", BRIDGE).ok()).isFalse();
            assertThat(Proc.ok("ip", "-n", hostNs, "-d", "link", "show", Attachments.hostInterface("ctr0", "eth0")))
                    .contains("hairpin on");
            assertThat(Proc.ok("ip", "netns", "exec", hostNs, "iptables-save", "-t", "nat")).contains("CNI-HOSTPORT-DNAT");

            // Network.open from Java sees the engine's containers; a Java-attached endpoint lives beside them.
            Network net = Network.open(sb.host(), BRIDGE);
            assertThat(net.endpoints()).extracting(Endpoint::hostInterface)
                    .contains(Attachments.hostInterface("ctr0", "eth0"), Attachments.hostInterface("ctr19", "eth0"));
            Endpoint javaSide = net.attach(sb.name("java"));
            assertThat(net.endpoints()).hasSize(N + 1);

            // portmap (chained after netkit, fed by netkit's prevResult): the internet reaches container 0's port 80.
            Path www = Files.createDirectories(tmp.resolve("www"));
            Files.writeString(www.resolve("index.html"), "hello from ctr0\n");
            Process httpd = new ProcessBuilder("ip", "netns", "exec", sb.name("c0"), "busybox", "httpd", "-f", "-p", "80",
                    "-h", www.toString()).start();
            try {
                String got = Proc.httpGet(sb.internet(), sb.uplinkAddress().getHostAddress(), 18080);
                assertThat(got).isEqualTo("hello from ctr0\n");
                // NAT to the sandbox internet from a container (ipMasq)
                assertThat(Proc.run("ip", "netns", "exec", sb.name("c5"), "ping", "-c1", "-W2", "203.0.113.1").ok()).isTrue();
            } finally {
                httpd.destroyForcibly().waitFor();
            }

            // CHECK: all fine; then drift in one container is reported with netkit's drift code. (Container 0 is left out:
            // Debian's portmap 1.1.1 fails its own CHECK of a container with port mappings when the host has no IPv6 NAT
            // chain, "could not check ipv6 dnat", whichever plugin came first.)
            assertThat(d.run("check", pairs.subList(2, pairs.size()))).allSatisfy(l -> assertThat(l.get("ok").getAsBoolean()).as(l.toString()).isTrue());
            Proc.ok("ip", "-n", sb.name("c3"), "addr", "flush", "dev", "eth0");
            JsonObject drift = d.run("check", pairs.subList(6, 8)).get(0);
            assertThat(drift.get("ok").getAsBoolean()).isFalse();
            assertThat(drift.getAsJsonObject("error").get("code").getAsInt()).isEqualTo(CniException.DRIFT);
            assertThat(drift.getAsJsonObject("error").get("details").getAsString()).contains("address 10.77.0.").contains("is missing on eth0");

            // A second ADD for the same container and ifname is an error.
            JsonObject again = d.run("add", pairs.subList(2, 4)).get(0);
            assertThat(again.get("ok").getAsBoolean()).isFalse();
            assertThat(again.getAsJsonObject("error").get("code").getAsInt()).isEqualTo(CniException.ALREADY_ATTACHED);

            // GC with 15 valid attachments: the 5 others go, the Java-attached endpoint (not a CNI attachment) stays.
            assertThat(d.run("gc", pairs.subList(0, 30)).get(0).get("ok").getAsBoolean()).isTrue();
            assertThat(net.endpoints()).extracting(Endpoint::hostInterface).hasSize(16).contains(javaSide.hostInterface())
                    .doesNotContain(Attachments.hostInterface("ctr15", "eth0"));
            assertThat(d.run("status", List.of()).get(0).get("ok").getAsBoolean()).isTrue();

            // DEL: all 20 (5 already gone through GC; container 19's namespace deleted first) succeed; twice.
            NetNamespace.delete(sb.name("c19"));
            assertThat(d.run("del", pairs)).allSatisfy(l -> assertThat(l.get("ok").getAsBoolean()).as(l.toString()).isTrue());
            assertThat(d.run("del", pairs)).allSatisfy(l -> assertThat(l.get("ok").getAsBoolean()).as(l.toString()).isTrue());
            assertThat(net.endpoints()).extracting(Endpoint::hostInterface).containsExactly(javaSide.hostInterface());
            String left = "";
            for (int t = 0; t < 50; t++) {
                left = Proc.ok("ip", "-n", hostNs, "-o", "link");
                if (!java.util.regex.Pattern.compile("nkc[0-9a-f]{12}").matcher(left).find()) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(left).doesNotContainPattern("nkc[0-9a-f]{12}");
            // the veth pairs are gone (deleted in bulk by netkit's reaper after DEL), so no container has eth0 left
            for (int i = 0; i < 19; i++) {
                assertThat(Proc.ok("ip", "-n", sb.name("c" + i), "-o", "link")).doesNotContain("eth0");
            }
            net.detach(javaSide);
        }
    }
}
