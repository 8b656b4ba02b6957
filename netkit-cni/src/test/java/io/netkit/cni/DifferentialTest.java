package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.netkit.core.Sandbox;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same configuration through the reference {@code bridge} + {@code host-local} plugins and through netkit, each in
 * its own sandbox host: the container side (addresses, routes, sysctls, link attributes and flags) must match except
 * for the documented, deliberate differences listed in {@link #DOCUMENTED}.
 */
@Privileged
class DifferentialTest {
    /**
     * Deliberate differences (README "Differences from the reference bridge plugin"): netkit brings {@code lo} up (the
     * reference leaves it to the runtime's loopback plugin), and its veth keeps the kernel's default txqueuelen 1000
     * (the reference creates it with 0; both use the noqueue qdisc, so no packet is queued either way). Dual stack: netkit
     * adds the container's IPv6 address with {@code nodad} (usable at once; netkit's allocation already guarantees it is
     * unique on the bridge), where the reference runs duplicate address detection and waits for it to settle.
     */
    static final Set<String> DOCUMENTED = Set.of("link lo flags", "link lo operstate", "link lo qdisc", "addr lo", "link eth0 txqlen",
            "route 127.0.0.0/8 local", "route 127.0.0.1 local", "route 127.255.255.255 local", "route ::1 local",
            "addr eth0 fd00:67::50 nodad");

    @TempDir
    Path tmp;

    static final String CONF = """
            {"cniVersion": "1.0.0", "name": "diff", "type": "TYPE", "bridge": "nkdbr0", "isGateway": true,
             "isDefaultGateway": true, "ipMasq": true, "hairpinMode": true, "mtu": 1450,
             "ipam": {"type": "host-local", "subnet": "10.66.0.0/24", "routes": [{"dst": "192.0.2.0/24"}], "dataDir": "DATA"}}
            """;

    /** The dual-stack conflist: one IPv4 and one IPv6 range set with gateways and rangeStart/rangeEnd, both default routes. */
    static final String DUAL = """
            {"cniVersion": "1.0.0", "name": "diff6", "type": "TYPE", "bridge": "nkdbr6", "isGateway": true,
             "isDefaultGateway": true, "ipMasq": true, "mtu": 1450,
             "ipam": {"type": "host-local", "ranges": [
                 [{"subnet": "10.67.0.0/24", "gateway": "10.67.0.254", "rangeStart": "10.67.0.50", "rangeEnd": "10.67.0.60"}],
                 [{"subnet": "fd00:67::/64", "gateway": "fd00:67::fe", "rangeStart": "fd00:67::50", "rangeEnd": "fd00:67::60"}]],
               "routes": [{"dst": "2001:db8:7::/48"}], "dataDir": "DATA"}}
            """;

    @Test
    void containerSideMatchesTheReferenceBridgePlugin() throws Exception {
        Map<String, String> diff = compare(CONF, "route 192.0.2.0/24");
        assertThat(diff).as("the documented differences are real").containsKey("link lo flags").containsKey("link eth0 txqlen");
    }

    /**
     * Dual stack: the same addresses in both families (inside rangeStart..rangeEnd), routes and sysctls; the IPv6
     * address differs only by netkit's {@code nodad} (see {@link #DOCUMENTED}).
     */
    @Test
    void dualStackContainerSideMatchesTheReferenceBridgePlugin() throws Exception {
        Map<String, String> diff = compare(DUAL, "route 2001:db8:7::/48");
        assertThat(diff).as("the documented differences are real").containsKey("link lo flags")
                .containsKey("addr eth0 fd00:67::50 nodad");
    }

    private Map<String, String> compare(String conf, String extraRoute) throws Exception {
        try (Sandbox ref = Sandbox.create("nkdref"); Sandbox nk = Sandbox.create("nkdnk");
             CniDaemon daemon = CniDaemon.start(tmp.resolve("cni.sock"))) {
            NetNamespace.create(ref.name("c")).close();
            NetNamespace.create(nk.name("c")).close();
            Map<String, String> env = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "diff1", "CNI_IFNAME", "eth0",
                    "CNI_PATH", "/usr/lib/cni", "NETKIT_CNI_SOCKET", daemon.socket().toString());
            Map<String, String> refEnv = new java.util.HashMap<>(env);
            refEnv.put("CNI_NETNS", "/run/netns/" + ref.name("c"));
            Proc.Result r1 = Proc.run(refEnv, conf.replace("TYPE", "bridge").replace("DATA", tmp.resolve("ipam").toString()), 60,
                    List.of("ip", "netns", "exec", ref.hostNamespace().name().orElseThrow(), "/usr/lib/cni/bridge"));
            assertThat(r1.exitCode()).as(r1.stdout() + r1.stderr()).isZero();
            Map<String, String> nkEnv = new java.util.HashMap<>(env);
            nkEnv.put("CNI_NETNS", "/run/netns/" + nk.name("c"));
            Proc.Result r2 = Proc.run(nkEnv, conf.replace("TYPE", "netkit").replace("DATA", tmp.resolve("ipam").toString()), 60,
                    List.of("ip", "netns", "exec", nk.hostNamespace().name().orElseThrow(), Proc.client().toString()));
            assertThat(r2.exitCode()).as(r2.stdout()).isZero();

            // Both results: the same addresses and gateway at the same interface index.
            JsonObject res1 = JsonParser.parseString(r1.stdout()).getAsJsonObject();
            JsonObject res2 = JsonParser.parseString(r2.stdout()).getAsJsonObject();
            assertThat(res2.get("ips")).isEqualTo(res1.get("ips"));

            Map<String, String> a = state(ref.name("c"));
            Map<String, String> b = state(nk.name("c"));
            assertThat(a).containsKeys("addr eth0", "route default", extraRoute, "sysctl net/ipv4/conf/eth0/arp_notify",
                    "sysctl net/ipv6/conf/eth0/accept_dad");
            Map<String, String> diff = new TreeMap<>();
            for (String k : union(a, b)) {
                if (!java.util.Objects.equals(a.get(k), b.get(k))) {
                    diff.put(k, "reference=" + a.get(k) + " netkit=" + b.get(k));
                }
            }
            assertThat(diff.keySet()).as("undocumented differences: %s", diff).isSubsetOf(DOCUMENTED);
            return diff;
        }
    }

    private static Set<String> union(Map<String, String> a, Map<String, String> b) {
        Set<String> s = new java.util.TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    /** The container side as ip -j and /proc/sys show it, keyed, without what is random (MACs, link-local addresses). */
    private static Map<String, String> state(String ns) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (JsonElement e : JsonParser.parseString(Proc.ok("ip", "-n", ns, "-j", "-d", "link")).getAsJsonArray()) {
            JsonObject l = e.getAsJsonObject();
            String name = l.get("ifname").getAsString();
            for (String k : l.keySet()) {
                if (Set.of("address", "ifname", "broadcast", "linkinfo").contains(k)) {
                    continue;
                }
                m.put("link " + name + " " + k, l.get(k).toString());
            }
            if (l.has("linkinfo")) {
                m.put("link " + name + " kind", l.getAsJsonObject("linkinfo").get("info_kind").getAsString());
            }
        }
        for (JsonElement e : JsonParser.parseString(Proc.ok("ip", "-n", ns, "-j", "addr")).getAsJsonArray()) {
            JsonObject l = e.getAsJsonObject();
            JsonArray infos = new JsonArray();
            for (JsonElement ai : l.getAsJsonArray("addr_info")) {
                JsonObject o = ai.getAsJsonObject().deepCopy();
                if (o.get("local").getAsString().startsWith("fe80:")) {
                    o.addProperty("local", "fe80::(from the MAC)");
                }
                if (o.has("nodad")) { // a key of its own, so that the rest of the address is compared
                    m.put("addr " + l.get("ifname").getAsString() + " " + o.get("local").getAsString() + " nodad", o.remove("nodad").toString());
                }
                infos.add(o);
            }
            m.put("addr " + l.get("ifname").getAsString(), infos.toString());
        }
        for (JsonElement e : JsonParser.parseString(Proc.ok("ip", "-n", ns, "-j", "route", "show", "table", "all")).getAsJsonArray()) {
            JsonObject r = e.getAsJsonObject();
            String dst = r.get("dst").getAsString();
            if (dst.startsWith("fe80::") && !dst.contains("/")) {
                dst = "fe80::(from the MAC)";
                r.addProperty("dst", dst);
            }
            m.put("route " + dst + (r.has("table") ? " " + r.get("table").getAsString() : ""), r.toString());
        }
        try (Stream<Path> s = Stream.of("net/ipv4/conf/eth0", "net/ipv6/conf/eth0", "net/ipv4/conf/all", "net/ipv4/conf/default")
                .flatMap(d -> list(Path.of("/proc/sys").resolve(d)))) {
            List<Path> files = s.filter(p -> !p.getFileName().toString().equals("stable_secret")).toList();
            List<String> argv = new java.util.ArrayList<>(List.of("ip", "netns", "exec", ns, "grep", "-H", "-s", "."));
            files.forEach(p -> argv.add(p.toString()));
            argv.add("/proc/sys/net/ipv4/ip_forward");
            for (String line : Proc.run(Map.of(), null, 30, argv).stdout().split("\n")) {
                int c = line.indexOf(':');
                if (c > 0) {
                    m.merge("sysctl " + line.substring("/proc/sys/".length(), c), line.substring(c + 1), (x, y) -> x + " " + y);
                }
            }
        }
        return m;
    }

    private static Stream<Path> list(Path dir) {
        try {
            return Files.list(dir).toList().stream();
        } catch (IOException e) {
            return Stream.empty();
        }
    }
}
