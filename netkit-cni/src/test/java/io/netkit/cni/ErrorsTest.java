package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netkit.core.Sandbox;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the real path (thin client, socket, daemon) from a sandbox host: each gets the spec's error code, a
 * message an operator can act on, a non-zero exit code, and leaves nothing half-made. Also VERSION, runtimeConfig ips/mac,
 * DEL then ADD again, and the slow path
 * (no daemon: the client runs target/netkit-cni.jar in-process) and its message when even that is impossible.
 */
@Privileged
class ErrorsTest {
    static final String CONF = """
            {"cniVersion": "1.0.0", "name": "errs", "type": "netkit", "bridge": "nkebr0", "isGateway": true,
             "ipam": {"type": "host-local", "subnet": "10.78.0.0/30"}}
            """;

    @TempDir
    static Path tmp;
    static Sandbox sb;
    static CniDaemon daemon;

    @BeforeAll
    static void start() {
        sb = Sandbox.create("nkcnie");
        daemon = CniDaemon.start(tmp.resolve("cni.sock"));
    }

    @AfterAll
    static void stop() {
        if (daemon != null) {
            daemon.close();
        }
        if (sb != null) {
            sb.close();
        }
    }

    static Proc.Result call(Map<String, String> env, String stdin) {
        Map<String, String> e = new HashMap<>(env);
        e.putIfAbsent("NETKIT_CNI_SOCKET", daemon.socket().toString());
        e.putIfAbsent("NETKIT_CNI_LOG", tmp.resolve("plugin.log").toString());
        return Proc.run(e, stdin, 60, List.of("ip", "netns", "exec", sb.hostNamespace().name().orElseThrow(),
                Proc.client().toString()));
    }

    static Map<String, String> env(String cmd, String id, String netns) {
        Map<String, String> e = new HashMap<>();
        e.put("CNI_COMMAND", cmd);
        e.put("CNI_CONTAINERID", id);
        e.put("CNI_NETNS", netns);
        e.put("CNI_IFNAME", "eth0");
        e.put("CNI_PATH", "/usr/lib/cni");
        return e;
    }

    static JsonObject error(Proc.Result r, int code) {
        assertThat(r.exitCode()).as(r.stdout()).isNotZero();
        JsonObject o = JsonParser.parseString(r.stdout()).getAsJsonObject();
        assertThat(o.get("code").getAsInt()).as(r.stdout()).isEqualTo(code);
        assertThat(o.get("msg").getAsString()).isNotBlank();
        return o;
    }

    static String contents(Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    String hostLinks() {
        return Proc.ok("ip", "-n", sb.hostNamespace().name().orElseThrow(), "-o", "link");
    }

    @Test
    void malformedJsonIsCode6AndNamesThePosition() {
        JsonObject o = error(call(env("ADD", "m1", "/run/netns/whatever"), "{\"cniVersion\": \"1.0.0\", \"name\": "), 6);
        assertThat(o.get("msg").getAsString()).isEqualTo("failed to decode network configuration");
        assertThat(o.get("details").getAsString()).contains("malformed JSON").contains("line 1");
    }

    @Test
    void unknownCniVersionIsCode1AndListsTheSupportedOnes() {
        JsonObject o = error(call(env("ADD", "v1", "/run/netns/whatever"), CONF.replace("1.0.0", "9.9.9")), 1);
        assertThat(o.get("details").getAsString()).contains("\"9.9.9\"").contains("1.0.0").contains("1.1.0");
    }

    @Test
    void missingEnvironmentIsCode4AndNamesTheVariable() {
        Map<String, String> e = env("ADD", "e1", "/run/netns/x");
        e.remove("CNI_CONTAINERID");
        JsonObject o = error(call(e, CONF.replace("nkebr0", "nkebr9")), 4);
        assertThat(o.get("msg").getAsString()).contains("CNI_CONTAINERID");
        Map<String, String> noCmd = env("ADD", "e1", "/run/netns/x");
        noCmd.remove("CNI_COMMAND");
        assertThat(error(call(noCmd, CONF.replace("nkebr0", "nkebr9")), 4).get("msg").getAsString()).contains("CNI_COMMAND");
        assertThat(hostLinks()).doesNotContain("nkebr9");
    }

    @Test
    void nonExistentNetnsIsCode3AndNothingIsMade() {
        JsonObject o = error(call(env("ADD", "n1", "/run/netns/nkcnie-does-not-exist"), CONF.replace("nkebr0", "nkebr8")), 3);
        assertThat(o.get("msg").getAsString()).contains("/run/netns/nkcnie-does-not-exist").contains("does not exist");
        assertThat(hostLinks()).doesNotContain("nkebr8").doesNotContain(io.netkit.cni.internal.Attachments.hostInterface("n1", "eth0"));
        // DEL of a container whose namespace is gone succeeds (idempotent)
        assertThat(call(env("DEL", "n1", "/run/netns/nkcnie-does-not-exist"), CONF).exitCode()).isZero();
    }

    @Test
    void ipv6DisabledInTheContainerIsCode2BeforeAnythingIsMade() {
        NetNamespace.create(sb.name("v6off")).close();
        Proc.ok("ip", "netns", "exec", sb.name("v6off"), "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1");
        String dual = CONF.replace("nkebr0", "nkebr6").replace("\"subnet\": \"10.78.0.0/30\"",
                "\"ranges\": [[{\"subnet\": \"10.79.0.0/24\"}], [{\"subnet\": \"fd00:79::/64\"}]]");
        JsonObject o = error(call(env("ADD", "v6", "/run/netns/" + sb.name("v6off")), dual), CniException.UNSUPPORTED_FIELD);
        assertThat(o.get("msg").getAsString()).contains("fd00:79::/64").contains("disable_ipv6=1");
        assertThat(o.get("details").getAsString()).contains("remove the IPv6 range set");
        assertThat(hostLinks()).doesNotContain("nkebr6").doesNotContain(io.netkit.cni.internal.Attachments.hostInterface("v6", "eth0"));
        assertThat(Proc.ok("ip", "-n", sb.name("v6off"), "-o", "link")).doesNotContain("eth0");
    }

    @Test
    void exhaustedRangeIsCode101NamingTheRange() {
        String ranged = CONF.replace("nkebr0", "nkebr5").replace("\"subnet\": \"10.78.0.0/30\"",
                "\"ranges\": [[{\"subnet\": \"10.77.0.0/24\", \"rangeStart\": \"10.77.0.9\", \"rangeEnd\": \"10.77.0.9\"}]]");
        NetNamespace.create(sb.name("r1")).close();
        NetNamespace.create(sb.name("r2")).close();
        Proc.Result first = call(env("ADD", "r1", "/run/netns/" + sb.name("r1")), ranged);
        assertThat(first.exitCode()).as(first.stdout()).isZero();
        assertThat(first.stdout()).contains("10.77.0.9/24");
        JsonObject o = error(call(env("ADD", "r2", "/run/netns/" + sb.name("r2")), ranged), CniException.SUBNET_EXHAUSTED);
        assertThat(o.get("msg").getAsString()).contains("10.77.0.9-10.77.0.9 of 10.77.0.0/24");
        assertThat(Proc.ok("ip", "-n", sb.name("r2"), "-o", "link")).doesNotContain("eth0");
        // the same bridge with another range is a configuration conflict, named
        JsonObject c = error(call(env("ADD", "r2", "/run/netns/" + sb.name("r2")), ranged.replace("\"rangeEnd\": \"10.77.0.9\"",
                "\"rangeEnd\": \"10.77.0.20\"")), CniException.INVALID_NETWORK_CONFIG);
        assertThat(c.get("msg").getAsString()).contains("rangeStart/rangeEnd [10.77.0.9-10.77.0.9]");
        // DEL cleans up whatever the bridge holds, also under a configuration that differs (the engine must not be stuck)
        assertThat(call(env("DEL", "r1", "/run/netns/" + sb.name("r1")), ranged.replace("\"rangeEnd\": \"10.77.0.9\"",
                "\"rangeEnd\": \"10.77.0.20\"")).exitCode()).isZero();
        assertThat(io.netkit.core.Network.open(sb.host(), "nkebr5").endpoints()).isEmpty();
        io.netkit.core.Network.open(sb.host(), "nkebr5").delete();
    }

    @Test
    void exhaustedSubnetIsCode101AndLeavesNoVeth() {
        // a /30 has one address beside the gateway
        NetNamespace.create(sb.name("x1")).close();
        NetNamespace.create(sb.name("x2")).close();
        Proc.Result first = call(env("ADD", "x1", "/run/netns/" + sb.name("x1")), CONF);
        assertThat(first.exitCode()).as(first.stdout()).isZero();
        JsonObject o = error(call(env("ADD", "x2", "/run/netns/" + sb.name("x2")), CONF), CniException.SUBNET_EXHAUSTED);
        assertThat(o.get("msg").getAsString()).contains("10.78.0.0/30");
        assertThat(o.get("details").getAsString()).contains("larger subnet");
        Map<String, String> status = env("STATUS", "", "");
        JsonObject st = error(call(status, CONF.replace("1.0.0", "1.1.0")), CniException.PLUGIN_NOT_AVAILABLE);
        assertThat(st.get("msg").getAsString()).contains("no free address");
        assertThat(Proc.ok("ip", "-n", sb.name("x2"), "-o", "link")).doesNotContain("eth0");
        // attached ones only (in the bridge): an earlier test's detached veth may still wait for the reaper
        assertThat(hostLinks().lines().filter(l -> l.matches(".*nkc[0-9a-f]{12}.* master .*")).count()).isEqualTo(1);
        assertThat(call(env("DEL", "x1", "/run/netns/" + sb.name("x1")), CONF).exitCode()).isZero();
    }

    @Test
    void invalidAndUnsupportedConfigurationsAreCodes7And2() {
        JsonObject bad = error(call(env("ADD", "c1", "/run/netns/x"), CONF.replace("10.78.0.0/30", "10.78.0.0/33")), 7);
        assertThat(bad.get("msg").getAsString()).contains("10.78.0.0/33");
        JsonObject v6 = error(call(env("ADD", "c1", "/run/netns/x"), CONF.replace("10.78.0.0/30", "fd00::/32")), 7);
        assertThat(v6.get("msg").getAsString()).contains("fd00::/32").contains("/48../120");
        Map<String, String> check = env("CHECK", "c1", "/run/netns/" + sb.name("x1"));
        NetNamespace.create(sb.name("chk")).close();
        check.put("CNI_NETNS", "/run/netns/" + sb.name("chk"));
        assertThat(error(call(check, CONF), 7).get("msg").getAsString()).contains("prevResult");
        JsonObject dhcp = error(call(env("ADD", "c1", "/run/netns/x"), CONF.replace("host-local", "dhcp")), 2);
        assertThat(dhcp.get("msg").getAsString()).contains("dhcp");
    }

    @Test
    void delThenAddAgainIntoTheSameNamespaceRightAway() {
        // DEL leaves the veth pair to the bulk reaper; an immediate re-ADD (podman network disconnect + connect) must work
        NetNamespace.create(sb.name("re")).close();
        String conf = CONF.replace("nkebr0", "nkebr2").replace("10.78.0.0/30", "10.80.0.0/24");
        Map<String, String> e = env("ADD", "re1", "/run/netns/" + sb.name("re"));
        for (int round = 0; round < 3; round++) {
            e.put("CNI_COMMAND", "ADD");
            Proc.Result add = call(e, conf);
            assertThat(add.exitCode()).as(add.stdout()).isZero();
            assertThat(Proc.ok("ip", "-n", sb.name("re"), "-o", "-4", "addr", "show", "dev", "eth0")).contains("inet 10.80.0.2/24");
            e.put("CNI_COMMAND", "DEL");
            assertThat(call(e, conf).exitCode()).isZero();
        }
    }

    @Test
    void theFirewallKeyPicksTheBackendAndTheOtherOneForAnExistingNetworkIsCode7() {
        NetNamespace.create(sb.name("fw1")).close();
        NetNamespace.create(sb.name("fw2")).close();
        String host = sb.hostNamespace().name().orElseThrow();
        String conf = CONF.replace("nkebr0", "nkebr4").replace("10.78.0.0/30", "10.82.0.0/24")
                .replace("\"isGateway\": true,", "\"isGateway\": true, \"ipMasq\": true, \"firewall\": \"iptables\",");
        Proc.Result r = call(env("ADD", "fw1", "/run/netns/" + sb.name("fw1")), conf);
        assertThat(r.exitCode()).as(r.stdout()).isZero();
        // iptables although the default (auto) would have picked the native table in this fresh host namespace
        assertThat(Proc.ok("ip", "netns", "exec", host, "iptables-save")).contains("netkit:nkebr4@").contains("MASQUERADE");
        assertThat(Proc.netkitRules(host).lines().filter(l -> l.contains("nkebr4") && !l.startsWith("-A")).toList())
                .as("no native rule of nkebr4").isEmpty();
        JsonObject o = error(call(env("ADD", "fw2", "/run/netns/" + sb.name("fw2")),
                conf.replace("\"iptables\"", "\"nftables\"")), 7);
        assertThat(o.get("msg").getAsString()).contains("firewall iptables (config: nftables)");
        assertThat(Proc.ok("ip", "-n", sb.name("fw2"), "-o", "link")).doesNotContain("eth0");
        assertThat(call(env("DEL", "fw1", "/run/netns/" + sb.name("fw1")), conf).exitCode()).isZero();
    }

    @Test
    void runtimeConfigIpsAndMacAreHonouredAndAnAllocatedIpIsRefused() {
        NetNamespace.create(sb.name("rc1")).close();
        NetNamespace.create(sb.name("rc2")).close();
        String conf = CONF.replace("nkebr0", "nkebr3").replace("10.78.0.0/30", "10.81.0.0/24")
                .replace("\"isGateway\": true,", "\"isGateway\": true, \"runtimeConfig\": {\"ips\": [\"10.81.0.77/24\"], "
                        + "\"mac\": \"02:42:0a:51:00:4d\"},");
        Proc.Result r = call(env("ADD", "rc1", "/run/netns/" + sb.name("rc1")), conf);
        assertThat(r.exitCode()).as(r.stdout()).isZero();
        assertThat(Proc.ok("ip", "-n", sb.name("rc1"), "-o", "-4", "addr", "show", "dev", "eth0")).contains("inet 10.81.0.77/24");
        assertThat(Proc.ok("ip", "-n", sb.name("rc1"), "-o", "link", "show", "eth0")).contains("link/ether 02:42:0a:51:00:4d");
        // the same address for another container: refused, nothing made
        JsonObject o = error(call(env("ADD", "rc2", "/run/netns/" + sb.name("rc2")), conf), 7);
        assertThat(o.get("msg").getAsString()).contains("10.81.0.77").contains("already allocated");
        assertThat(Proc.ok("ip", "-n", sb.name("rc2"), "-o", "link")).doesNotContain("eth0");
        assertThat(call(env("DEL", "rc1", "/run/netns/" + sb.name("rc1")), conf).exitCode()).isZero();
    }

    @Test
    void versionListsTheSupportedVersions() {
        Proc.Result r = call(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\": \"1.0.0\"}");
        assertThat(r.exitCode()).isZero();
        JsonObject o = JsonParser.parseString(r.stdout()).getAsJsonObject();
        assertThat(o.get("cniVersion").getAsString()).isEqualTo("1.0.0");
        assertThat(o.getAsJsonArray("supportedVersions").toString()).isEqualTo("[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]");
    }

    @Test
    void withoutDaemonTheClientRunsTheJarInProcessOrSaysWhatToStart() {
        NetNamespace.create(sb.name("slow")).close();
        Map<String, String> e = env("ADD", "slow1", "/run/netns/" + sb.name("slow"));
        e.put("NETKIT_CNI_SOCKET", tmp.resolve("no-daemon.sock").toString());
        e.put("NETKIT_CNI_JAR", Proc.jar().toString());
        e.put("NETKIT_CNI_LOG", tmp.resolve("slow/cni.log").toString());
        Proc.Result r = call(e, CONF.replace("nkebr0", "nkebr1").replace("10.78.0.0/30", "10.79.0.0/24"));
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        assertThat(r.stderr()).as("logs go to the file, not to stdout or stderr").isEmpty();
        assertThat(contents(tmp.resolve("slow/cni.log"))).contains("ADD slow1 eth0 on nkebr1");
        assertThat(JsonParser.parseString(r.stdout()).getAsJsonObject().getAsJsonArray("ips").get(0).getAsJsonObject()
                .get("address").getAsString()).isEqualTo("10.79.0.2/24");
        e.put("CNI_COMMAND", "DEL");
        assertThat(call(e, CONF.replace("nkebr0", "nkebr1").replace("10.78.0.0/30", "10.79.0.0/24")).exitCode()).isZero();
        // the slow path deletes the veth pair before it exits (no background reaper in a one-shot process)
        assertThat(hostLinks()).doesNotContainPattern("nkc[0-9a-f]{12}");

        e.put("NETKIT_CNI_JAR", tmp.resolve("missing.jar").toString());
        JsonObject o = error(call(e, CONF), CniException.TRY_AGAIN_LATER);
        assertThat(o.get("msg").getAsString()).isEqualTo("netkit CNI daemon is not running");
        assertThat(o.get("details").getAsString()).contains("no-daemon.sock").contains("java -jar").contains("daemon");
    }
}
