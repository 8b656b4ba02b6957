package io.netkit.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.OverlayLab;
import io.netkit.core.OverlayPeer;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Several simulated hosts in one overlay coordinated through a real etcd: the hosts are namespaces on the lab's
 * underlay bridge, etcd runs inside the lab namespace (192.168.50.254:2379, data in a temporary directory), and each
 * host's agent is a child JVM started inside its host namespace, so its etcd client connects from there. Nothing
 * runs in or reaches the root namespace.
 */
@Privileged
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterNetworkTest {
    static final String PREFIX = "nkt-cl-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    static final String CIDR = "10.244.0.0/16";
    static final String CLUSTER = "pods";
    static final int TTL = 3;
    private static String rootBefore;
    private static OverlayLab lab;
    private static Etcd etcd;
    private static Path logs;
    private static final Map<Integer, Agent> AGENTS = new HashMap<>();
    private static final Map<Integer, NetNamespace> HOSTS = new HashMap<>();

    @BeforeAll
    static void threeHostsJoin() throws Exception {
        rootBefore = rootState();
        logs = Files.createDirectories(Path.of("target", "cluster-logs"));
        try (java.util.stream.Stream<Path> old = Files.list(logs)) {
            old.forEach(p -> p.toFile().delete()); // each run's logs only
        }
        lab = new OverlayLab(PREFIX);
        etcd = Etcd.start(lab.lab, OverlayLab.LAB_ADDRESS, logs.resolve("etcd.log"));
        for (int h = 1; h <= 3; h++) {
            startAgent(h);
        }
        for (int h = 1; h <= 3; h++) {
            AGENTS.get(h).joined(60);
            for (int c = 1; c <= 2; c++) {
                AGENTS.get(h).attach(container(h, c));
            }
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            for (Agent a : AGENTS.values()) {
                a.close();
            }
            if (etcd != null) {
                etcd.close();
            }
            removeLockFilesOfKilledAgents();
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
        assertThat(rootState()).as("root namespace links, addresses, routes").isEqualTo(rootBefore);
        assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(PREFIX + "-"));
        assertThat(Cmd.run("iptables-save")).doesNotContain("netkit:");
        assertThat(Cmd.run("nft", "list", "tables")).as("no native netkit table in the root namespace")
                .doesNotContain("inet netkit");
    }

    /**
     * A kill -9'd agent cannot remove its network's lock file ({@code /run/netkit/INODE-nkov0-ID.lock}, named after its
     * host namespace's inode); removed while the host namespaces still exist, so the inodes are surely ours.
     */
    static void removeLockFilesOfKilledAgents() throws IOException {
        Path dir = Path.of(System.getProperty("netkit.lockDirectory", "/run/netkit"));
        if (!Files.isDirectory(dir)) {
            return;
        }
        Set<String> ours = new HashSet<>();
        for (NetNamespace h : HOSTS.values()) {
            ours.add(h.inode() + "-");
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (ours.stream().anyMatch(name::startsWith)) {
                    try (java.util.stream.Stream<Path> tree = Files.walk(f)) {
                        for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
    }

    static Agent startAgent(int h) {
        NetNamespace ns = HOSTS.computeIfAbsent(h, n -> lab.host(n));
        Agent a = Agent.start(ns, logs.resolve("agent-h" + h + ".log"), CLUSTER, CIDR, etcd.url(), OverlayLab.underlay(h),
                Integer.toString(TTL));
        AGENTS.put(h, a);
        return a;
    }

    static String container(int h, int c) {
        return PREFIX + "-h" + h + "c" + c;
    }

    static InetAddress addressOf(String containerNs) {
        List<Map<String, Object>> a = json("ip", "-n", containerNs, "-j", "-4", "addr", "show", "eth0");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> info = (List<Map<String, Object>>) a.get(0).get("addr_info");
        return IpAddresses.parse((String) info.get(0).get("local"));
    }

    @Test
    @Order(1)
    void threeHostsTcpBothWaysWithSourceAddressesKept() throws Exception {
        int[][] pairs = {{1, 1, 2, 1}, {2, 1, 1, 1}, {3, 2, 1, 2}, {1, 2, 3, 2}, {2, 2, 3, 1}, {3, 1, 2, 2}};
        for (int[] p : pairs) {
            String client = container(p[0], p[1]);
            String server = container(p[2], p[3]);
            assertThat(roundTrip(client, server, addressOf(server))).as("%s -> %s", client, server)
                    .isEqualTo(addressOf(client));
        }
        for (int h = 1; h <= 3; h++) {
            assertThat(roundTrip(container(h, 1), lab.prefix + "-lab", OverlayLab.internet()))
                    .as("host %d's container seen from the internet", h).isEqualTo(IpAddresses.parse(OverlayLab.underlay(h)));
        }
    }

    @Test
    @Order(2)
    void kernelTablesOfEveryHostMatchWhatTheOverlayReports() throws Exception {
        Set<String> subnets = new HashSet<>();
        for (int h = 1; h <= 3; h++) {
            subnets.add(AGENTS.get(h).subnet);
        }
        assertThat(subnets).as("distinct subnets").hasSize(3);
        for (int h = 1; h <= 3; h++) {
            Set<OverlayPeer> expected = new HashSet<>();
            for (int p = 1; p <= 3; p++) {
                if (p != h) {
                    expected.add(AGENTS.get(p).self(OverlayLab.underlay(p)));
                }
            }
            String ns = PREFIX + "-h" + h;
            assertThat(AGENTS.get(h).peers()).as("what host %d's overlay reports", h).isEqualTo(expected);
            assertThat(witnessed(ns)).as("ip route / ip neigh / bridge fdb in host %d", h).isEqualTo(expected);
            Map<String, Object> link = json("ip", "-n", ns, "-j", "-d", "link", "show", "nkvx0").get(0);
            @SuppressWarnings("unchecked")
            Map<String, Object> info = (Map<String, Object>) ((Map<String, Object>) link.get("linkinfo")).get("info_data");
            assertThat(info.get("local")).isEqualTo(OverlayLab.underlay(h));
            assertThat(info.get("learning")).isEqualTo(false);
            assertThat(((Number) link.get("mtu")).intValue()).isEqualTo(1450);
            assertThat(link.get("address")).isEqualTo(AGENTS.get(h).mac);
        }
    }

    @Test
    @Order(3)
    void aFourthHostJoinsIsReachedAndLeavesWithoutTrace() throws Exception {
        Agent a4 = startAgent(4).joined(60);
        a4.attach(container(4, 1));
        OverlayPeer p4 = a4.self(OverlayLab.underlay(4));
        InetAddress c41 = addressOf(container(4, 1));
        for (int h = 1; h <= 3; h++) {
            int host = h;
            assertThat(eventually(15, () -> reaches(container(host, 1), container(4, 1), c41)))
                    .as("host %d's container reaches the new host's container", h).isTrue();
            assertThat(witnessed(PREFIX + "-h" + h)).contains(p4);
        }
        assertThat(roundTrip(container(4, 1), container(2, 2), addressOf(container(2, 2)))).isEqualTo(c41);
        a4.leave();
        AGENTS.remove(4);
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(eventually(10, () -> !witnessed(ns).contains(p4) && traces(ns, p4).isEmpty()))
                    .as("host %d forgot the host that left: %s", h, traces(ns, p4)).isTrue();
        }
        assertThat(NetNamespace.list()).doesNotContain(container(4, 1));
        assertThat(json("ip", "-n", PREFIX + "-h4", "-j", "link", "show")).noneMatch(l -> "nkvx0".equals(l.get("ifname")));
    }

    @Test
    @Order(4)
    void aKilledAgentRestartedBeforeExpiryKeepsItsSubnetAndAfterExpiryIsDropped() throws Exception {
        Agent a5 = startAgent(5).joined(60);
        a5.attach(container(5, 1));
        OverlayPeer p5 = a5.self(OverlayLab.underlay(5));
        assertThat(eventually(10, () -> witnessed(PREFIX + "-h1").contains(p5))).isTrue();
        a5.kill();
        Agent again = startAgent(5).joined(60);
        assertThat(again.subnet).as("subnet after a restart within the lease").isEqualTo(a5.subnet);
        assertThat(again.mac).as("VTEP MAC kept with the adopted device").isEqualTo(a5.mac);
        InetAddress c51 = addressOf(container(5, 1));
        assertThat(roundTrip(container(1, 1), container(5, 1), c51)).isEqualTo(addressOf(container(1, 1)));
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(witnessed(ns)).contains(p5);
            assertThat(traces(ns, p5)).as("entries for host 5 in host %d, none duplicated", h).hasSize(3);
        }
        again.kill();
        AGENTS.remove(5);
        // kill -9 revokes nothing: the entry lives on until the lease runs out (at most TTL after the last keep-alive)
        assertThat(traces(PREFIX + "-h1", p5)).as("host 5 right after its agent was killed").hasSize(3);
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(eventually(TTL + 12, () -> traces(ns, p5).isEmpty())).as("host %d dropped the dead host", h).isTrue();
        }
        // its leftovers in host 5 (bridge, device, container) go with the namespace
    }

    @Test
    @Order(5)
    void withEtcdStoppedTrafficFlowsAndAHostThatJoinsMeanwhileBecomesReachable() throws Exception {
        Map<Integer, String> subnets = new HashMap<>();
        for (int h = 1; h <= 3; h++) {
            subnets.put(h, AGENTS.get(h).state()[1]);
        }
        long stoppedAt = System.nanoTime();
        etcd.stop();
        for (int h = 1; h <= 3; h++) {
            Agent a = AGENTS.get(h);
            assertThat(eventually(30, () -> "STORE_UNREACHABLE".equals(stateOf(a)[0]))).as("host %d noticed the outage", h).isTrue();
        }
        // an outage longer than the lease TTL (etcd extends every lease when it starts again)
        TimeUnit.NANOSECONDS.sleep(Math.max(0, stoppedAt + TimeUnit.SECONDS.toNanos(TTL + 1) - System.nanoTime()));
        assertThat(roundTrip(container(1, 1), container(2, 1), addressOf(container(2, 1))))
                .as("existing cross-host traffic without the store").isEqualTo(addressOf(container(1, 1)));
        Agent a6 = startAgent(6);
        Thread.sleep(1500); // host 6 starts joining while etcd is still down
        etcd.start();
        a6.joined(60);
        a6.attach(container(6, 1));
        InetAddress c61 = addressOf(container(6, 1));
        for (int h = 1; h <= 3; h++) {
            Agent a = AGENTS.get(h);
            assertThat(eventually(30, () -> "CONNECTED".equals(stateOf(a)[0]))).as("host %d reconnected", h).isTrue();
            assertThat(a.state()[1]).as("host %d's subnet after the outage", h).isEqualTo(subnets.get(h));
        }
        for (int h = 1; h <= 3; h++) {
            int host = h;
            assertThat(eventually(30, () -> reaches(container(host, 2), container(6, 1), c61)))
                    .as("host %d reaches the host that joined while etcd was down", h).isTrue();
        }
        assertThat(roundTrip(container(3, 1), container(1, 2), addressOf(container(1, 2))))
                .as("old hosts still reach each other").isEqualTo(addressOf(container(3, 1)));
        for (int h = 1; h <= 3; h++) {
            int host = h;
            assertThat(eventually(15, () -> peersOf(AGENTS.get(host)).equals(witnessed(PREFIX + "-h" + host))))
                    .as("host %d: overlay %s, kernel %s", h, peersOf(AGENTS.get(h)), witnessed(PREFIX + "-h" + h)).isTrue();
            assertThat(AGENTS.get(h).peers()).contains(a6.self(OverlayLab.underlay(6))).hasSize(3);
        }
    }

    @Test
    @Order(6)
    void aHostCutOffLongerThanItsLeaseTakesItsSubnetBackOrStepsOutWhenItWasTaken() throws Exception {
        Agent a9 = startAgent(9).joined(60);
        OverlayPeer p9 = a9.self(OverlayLab.underlay(9));
        String lease = a9.state()[2];
        assertThat(eventually(15, () -> witnessed(PREFIX + "-h1").contains(p9))).isTrue();
        // a partition from a running etcd: the lab's end of host 9's underlay link goes down
        lab.lab.netlink().links().setDown("ulh9");
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(eventually(TTL + 20, () -> !witnessed(ns).contains(p9))).as("host %d dropped host 9 (lease ran out)", h).isTrue();
        }
        assertThat(eventually(30, () -> "STORE_UNREACHABLE".equals(stateOf(a9)[0]))).isTrue();
        lab.lab.netlink().links().setUp("ulh9");
        assertThat(eventually(40, () -> "CONNECTED".equals(stateOf(a9)[0]))).as("host 9 back").isTrue();
        String[] back = a9.state();
        assertThat(back[1]).as("the same subnet leased again").isEqualTo(a9.subnet);
        assertThat(back[2]).as("under a new lease").isNotEqualTo(lease);
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(eventually(15, () -> witnessed(ns).contains(p9))).as("host %d has host 9 again", h).isTrue();
        }

        // cut off again; this time another host leases host 9's subnet meanwhile
        lab.lab.netlink().links().setDown("ulh9");
        assertThat(eventually(TTL + 20, () -> !witnessed(PREFIX + "-h1").contains(p9))).isTrue();
        try (Agent taker = Agent.startMain(lab.lab, logs.resolve("taker.log"), TakeSubnetMain.class, etcd.url(), CLUSTER,
                CIDR, a9.subnet, "192.168.50.99")) {
            assertThat(taker.await("TAKEN", 60)).isEqualTo("TAKEN " + a9.subnet);
            lab.lab.netlink().links().setUp("ulh9");
            assertThat(eventually(40, () -> "SUBNET_LOST".equals(stateOf(a9)[0]))).as("host 9 lost its subnet").isTrue();
            assertThat(witnessed(PREFIX + "-h9")).as("host 9 left the overlay: no routes to the others").isEmpty();
            assertThat(a9.peers()).isEmpty();
            assertThat(Files.readString(logs.resolve("agent-h9.log"))).contains("another host leased its subnet " + a9.subnet);
        }
        a9.leave();
        AGENTS.remove(9);
        for (int h = 1; h <= 3; h++) {
            String ns = PREFIX + "-h" + h;
            assertThat(eventually(15, () -> witnessed(ns).stream().noneMatch(p -> p.subnet().toString().equals(a9.subnet))))
                    .as("host %d forgot the subnet's holder after it revoked its lease", h).isTrue();
        }
    }

    static String[] stateOf(Agent a) {
        try {
            return a.state();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Set<OverlayPeer> peersOf(Agent a) {
        try {
            return a.peers();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    @Order(7)
    void twoAgentsStartedAtTheSameMomentGetDistinctSubnets() throws Exception {
        Agent a7 = startAgent(7);
        Agent a8 = startAgent(8);
        a7.joined(60);
        a8.joined(60);
        assertThat(a7.subnet).isNotEqualTo(a8.subnet);
        Set<String> all = new HashSet<>();
        for (Agent a : AGENTS.values()) {
            all.add(a.subnet);
        }
        assertThat(all).as("every live host's subnet").hasSize(AGENTS.size());
        a7.leave();
        a8.leave();
        AGENTS.remove(7);
        AGENTS.remove(8);
    }

    @Test
    @Order(8)
    void twoHostsJoiningAtOnceNeverShareASubnetAndAFullCidrSaysSo() throws Exception {
        int rounds = Integer.getInteger("netkit.cluster.raceRounds", 50);
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx192m", "-cp", System.getProperty("java.class.path"),
                LeaseRaceMain.class.getName(), etcd.url(), Integer.toString(rounds), OverlayLab.LAB_ADDRESS));
        Process p = lab.lab.start(new ProcessBuilder(argv)
                .redirectError(ProcessBuilder.Redirect.appendTo(logs.resolve("race.log").toFile())));
        p.getOutputStream().close();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                out.add(l);
            }
        }
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        List<String> races = out.stream().filter(l -> l.startsWith("RACE ")).toList();
        assertThat(races).as("output: %s", out).hasSize(rounds);
        for (String r : races) {
            String[] w = r.split(" ");
            assertThat(w[2]).as(r).isNotEqualTo(w[3]);
            for (String subnet : List.of(w[2], w[3])) { // random free subnets of the race's CIDR
                assertThat(IpPrefix.parse(subnet).prefixLength()).as(r).isEqualTo(24);
                assertThat(IpPrefix.parse("10.98.0.0/16").contains(IpPrefix.parse(subnet).address())).as(r).isTrue();
            }
        }
        assertThat(out).contains("TAKEN 10.97.0.0/24");
        assertThat(out.stream().filter(l -> l.startsWith("FULL ")).findFirst()).get().asString()
                .contains("no free subnet").contains("10.97.0.0/24");
        assertThat(out).as("nothing made in the host after the refusal").contains("FULLCLEAN true");
    }

    // ------------------------------------------------------------------------------------------------ witnesses

    /** Whether a TCP connection from {@code clientNs} to {@code address} in {@code serverNs} completes, once. */
    static boolean reaches(String clientNs, String serverNs, InetAddress address) {
        try {
            roundTrip(clientNs, serverNs, address);
            return true;
        } catch (AssertionError | Exception e) {
            return false;
        }
    }

    /** Server in {@code serverNs} on {@code address}, client in {@code clientNs}: the client address the server saw. */
    static InetAddress roundTrip(String clientNs, String serverNs, InetAddress address) throws Exception {
        try (NetNamespace s = NetNamespace.open(serverNs); NetNamespace c = NetNamespace.open(clientNs);
             ServerSocket server = s.call(() -> {
                 ServerSocket ss = new ServerSocket();
                 ss.bind(new InetSocketAddress(address, 0), 8);
                 return ss;
             })) {
            server.setSoTimeout(5000);
            CompletableFuture<InetAddress> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket a = server.accept()) {
                    return a.getInetAddress();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            boolean ok = c.call(() -> {
                try (Socket sock = new Socket()) {
                    sock.connect(new InetSocketAddress(address, server.getLocalPort()), 2000);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            if (!ok) {
                seen.cancel(true);
                throw new AssertionError(clientNs + " could not connect to " + address.getHostAddress());
            }
            return seen.get(5, TimeUnit.SECONDS);
        }
    }

    /** The peers as {@code ip -j route}, {@code ip -j neigh} and {@code bridge -j fdb} show them on nkvx0. */
    static Set<OverlayPeer> witnessed(String ns) {
        Map<String, String> neigh = new HashMap<>();
        for (Map<String, Object> n : json("ip", "-n", ns, "-j", "neigh", "show", "dev", "nkvx0")) {
            neigh.put((String) n.get("dst"), (String) n.get("lladdr"));
        }
        Map<String, List<String>> fdb = new HashMap<>();
        for (Map<String, Object> f : json("bridge", "-n", ns, "-j", "fdb", "show", "dev", "nkvx0")) {
            if (f.get("dst") != null) {
                fdb.computeIfAbsent((String) f.get("mac"), k -> new ArrayList<>()).add((String) f.get("dst"));
            }
        }
        Set<OverlayPeer> out = new HashSet<>();
        for (Map<String, Object> r : json("ip", "-n", ns, "-j", "route", "show", "dev", "nkvx0")) {
            String mac = r.get("gateway") == null ? null : neigh.get((String) r.get("gateway"));
            if (mac != null && fdb.getOrDefault(mac, List.of()).size() == 1) {
                out.add(OverlayPeer.of((String) r.get("dst"), fdb.get(mac).get(0), mac));
            }
        }
        return out;
    }

    /** Every route, neighbour and FDB line in {@code ns} that mentions {@code p}'s subnet, VTEP address or MAC. */
    static List<String> traces(String ns, OverlayPeer p) {
        List<String> out = new ArrayList<>();
        String vtep = p.vtepAddress().getHostAddress();
        Cmd.run("ip", "-n", ns, "route", "show").lines().filter(l -> l.startsWith(p.subnet().toString() + " ")).forEach(out::add);
        Cmd.run("ip", "-n", ns, "neigh", "show").lines().filter(l -> l.startsWith(vtep + " ")).forEach(out::add);
        Cmd.run("bridge", "-n", ns, "fdb", "show").lines().filter(l -> l.startsWith(p.vtepMac().toString())).forEach(out::add);
        return out;
    }

    static boolean eventually(int seconds, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> json(String... argv) {
        String out = Cmd.run(argv).trim();
        return out.isEmpty() ? List.of() : (List<Map<String, Object>>) IpJson.parse(out);
    }

    @SuppressWarnings("unchecked")
    static String rootState() {
        List<Map<String, Object>> l = (List<Map<String, Object>>) IpJson.parse(Cmd.run("ip", "-j", "link", "show"));
        List<Map<String, Object>> a = (List<Map<String, Object>>) IpJson.parse(Cmd.run("ip", "-j", "-4", "addr", "show"));
        return l.stream().map(m -> m.get("ifname") + "/" + m.get("master")).sorted().toList()
                + "\n" + a.stream().map(m -> m.get("ifname") + " " + m.get("addr_info")).sorted().toList()
                + "\n" + Cmd.run("ip", "-j", "route", "show", "table", "all");
    }
}
