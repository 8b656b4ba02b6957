package io.netkit.examples;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Several hosts, one network: three simulated hosts (namespaces on an underlay bridge in a "lab" namespace) join a
 * VXLAN overlay coordinated through etcd, which runs inside the lab. Each host's agent is a JVM started inside its
 * host namespace ({@link OverlayAgent}); containers on different hosts then talk with their own addresses, and a host
 * that leaves vanishes from the others.
 *
 * <p>The code that matters (in each host):
 * <pre>{@code
 * try (ClusterMember m = ClusterNetwork.vxlan("demo").cidr("10.244.0.0/16")
 *         .store("http://192.168.50.254:2379").underlay("192.168.50.1").join()) {
 *     m.attach("c1");                     // 10.244.x.2, reachable from every other host's containers
 * }
 * }</pre>
 *
 * Run it: {@code java -jar netkit-examples/target/netkit-examples.jar overlay}
 */
public final class OverlayExample {
    static final String CIDR = "10.244.0.0/16";
    static final String LAB_ADDRESS = "192.168.50.254";
    static final String CLUSTER = "demo";
    static final int HOSTS = 3;
    static final int PORT = 7000;

    private OverlayExample() {}

    public static void main(String[] args) {
        Main.main(Examples.prepend("overlay", args));
    }

    static void run(Narrator say, SandboxNames names, boolean keep) {
        String base = names.prefix() + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        List<Agent> agents = new ArrayList<>();
        Process[] etcd = new Process[1];
        Path[] dataDir = new Path[1];
        Thread hook = new Thread(() -> {
            agents.forEach(a -> a.process.destroyForcibly());
            if (etcd[0] != null) {
                etcd[0].destroyForcibly();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        NetNamespace lab = null;
        List<NetNamespace> hosts = new ArrayList<>();
        try {
            lab = createLab(say, base);
            if (!Files.isExecutable(Path.of("/usr/bin/etcd"))) {
                say.verify("etcd is installed", false, "/usr/bin/etcd is missing: apt-get install -y etcd-server");
                return;
            }
            dataDir[0] = Files.createTempDirectory("netkit-demo-etcd-");
            etcd[0] = startEtcd(say, lab, base, dataDir[0]);
            for (int h = 1; h <= HOSTS; h++) {
                hosts.add(createHost(say, lab, base, h));
            }
            for (int h = 1; h <= HOSTS; h++) {
                agents.add(startAgent(say, hosts.get(h - 1), base, h));
            }
            for (Agent a : agents) {
                String[] w = a.await("JOINED", 90).split(" ");
                a.subnet = w[1];
                a.mac = w[2];
                say.fact("h" + a.n + ".subnet", a.subnet);
                say.result(a.ns + " leased " + a.subnet + ", VTEP MAC " + a.mac);
            }
            say.verify("the " + HOSTS + " hosts leased distinct subnets of " + CIDR,
                    agents.stream().map(a -> a.subnet).distinct().count() == HOSTS, "");
            for (Agent a : agents) {
                attach(say, a);
            }
            showDataPlane(say, base + "-h1");
            crossHostTraffic(say, agents);
            leave(say, agents.get(HOSTS - 1), base);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            say.verify("the example ran to the end", false, "interrupted");
        } finally {
            if (!keep) {
                tearDown(say, agents, etcd[0], dataDir[0], base);
            } else {
                agents.forEach(a -> a.process.destroyForcibly());
                if (etcd[0] != null) {
                    etcd[0].destroyForcibly();
                }
                deleteTree(dataDir[0]);
                say.note("kept: the namespaces " + base + "-* with their data plane; the agents and etcd are stopped");
            }
            hosts.forEach(NetNamespace::close);
            if (lab != null) {
                lab.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    private static NetNamespace createLab(Narrator say, String base) {
        String lab = base + "-lab";
        say.step("Create the lab: a namespace holding the underlay bridge ul0 (" + LAB_ADDRESS + "/24) that joins the simulated hosts",
                "ip netns add " + lab,
                "ip -n " + lab + " link add ul0 type bridge; ip -n " + lab + " addr add " + LAB_ADDRESS + "/24 dev ul0",
                "ip -n " + lab + " link set ul0 up; ip -n " + lab + " link set lo up");
        NetNamespace ns = NetNamespace.create(lab);
        say.madeNamespace(lab);
        ns.netlink().links().setUp("lo");
        ns.netlink().links().create(LinkSpec.bridge("ul0").up());
        ns.netlink().addresses().add("ul0", IpPrefix.parse(LAB_ADDRESS + "/24"));
        say.result(lab + ": ul0 " + LAB_ADDRESS + "/24");
        return ns;
    }

    private static Process startEtcd(Narrator say, NetNamespace lab, String base, Path dir) throws InterruptedException {
        String url = "http://" + LAB_ADDRESS + ":2379";
        String peer = "http://127.0.0.1:23800";
        List<String> argv = List.of("etcd", "--name", "lab", "--data-dir", dir.toString(), "--listen-client-urls", url,
                "--advertise-client-urls", url, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "lab=" + peer, "--logger", "zap", "--log-level", "error");
        say.step("Start etcd inside the lab, listening on " + url + " (data in a temporary directory)",
                "ip netns exec " + base + "-lab " + String.join(" ", argv) + " &");
        Process p = lab.start(new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean up = false;
        while (!up && p.isAlive() && System.nanoTime() < end) {
            up = lab.call(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(LAB_ADDRESS, 2379), 300);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            if (!up) {
                Thread.sleep(100);
            }
        }
        say.verify("etcd answers on " + url, up, up ? "" : p.isAlive() ? "no answer within 30 s" : "etcd exited with " + p.exitValue());
        return p;
    }

    private static NetNamespace createHost(Narrator say, NetNamespace lab, String base, int n) {
        String h = base + "-h" + n;
        String address = "192.168.50." + n;
        say.step("Create simulated host " + h + ": eth0 " + address + "/24 on the lab's underlay bridge",
                "ip netns add " + h,
                "ip -n " + base + "-lab link add ulh" + n + " master ul0 up type veth peer name eth0 netns " + h,
                "ip -n " + h + " addr add " + address + "/24 dev eth0; ip -n " + h + " link set eth0 up; ip -n " + h + " link set lo up",
                "ip -n " + h + " route add default via " + LAB_ADDRESS);
        NetNamespace ns = NetNamespace.create(h);
        say.madeNamespace(h);
        ns.netlink().links().setUp("lo");
        lab.netlink().links().create(LinkSpec.veth("ulh" + n, "eth0").peerNamespace(ns));
        lab.netlink().links().setMaster("ulh" + n, "ul0");
        lab.netlink().links().setUp("ulh" + n);
        ns.netlink().addresses().add("eth0", IpPrefix.parse(address + "/24"));
        ns.netlink().links().setUp("eth0");
        ns.netlink().routes().add(RouteSpec.defaultVia(IpAddresses.parse(LAB_ADDRESS)));
        say.result(h + ": eth0 " + address + "/24");
        return ns;
    }

    private static Agent startAgent(Narrator say, NetNamespace host, String base, int n) {
        String h = base + "-h" + n;
        String url = "http://" + LAB_ADDRESS + ":2379";
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx192m", "-cp", System.getProperty("java.class.path"),
                OverlayAgent.class.getName(), CLUSTER, CIDR, url, "192.168.50." + n));
        say.step("Start " + h + "'s agent: a JVM inside " + h + " that joins cluster \"" + CLUSTER + "\": it leases a /24 of "
                        + CIDR + " in etcd, builds the VXLAN device and bridge, and programs the other hosts",
                "ip netns exec " + h + " java -cp netkit-examples.jar " + OverlayAgent.class.getName() + " " + CLUSTER + " "
                        + CIDR + " " + url + " 192.168.50." + n,
                "   ClusterNetwork.vxlan(\"" + CLUSTER + "\").cidr(\"" + CIDR + "\").store(\"" + url + "\").underlay(\"192.168.50."
                        + n + "\").join()");
        Process p = host.start(new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD));
        return new Agent(n, h, p);
    }

    private static void attach(Narrator say, Agent a) throws InterruptedException {
        String c = a.ns + "c1";
        say.step("Attach container " + c + " on " + a.ns + " (the agent's member.attach): its address comes from " + a.subnet,
                "ip netns exec " + a.ns + " ... member.attach(\"" + c + "\")");
        a.send("attach " + c);
        String[] w = a.await("ATTACHED", 30).split(" ");
        a.container = c;
        a.address = IpAddresses.parse(w[2]);
        say.madeNamespace(c);
        say.fact(c, w[2]);
        say.result(c + ": eth0 " + w[2]);
    }

    private static void showDataPlane(Narrator say, String h) {
        say.step("Look at " + h + "'s data plane: one VXLAN device, and per remote host a neighbour entry, an FDB entry and a route",
                "ip -n " + h + " -d link show nkvx0", "ip -n " + h + " neigh show dev nkvx0",
                "bridge -n " + h + " fdb show dev nkvx0", "ip -n " + h + " route show dev nkvx0");
        for (String[] cmd : List.of(new String[] {"ip", "-n", h, "-d", "link", "show", "nkvx0"},
                new String[] {"ip", "-n", h, "neigh", "show", "dev", "nkvx0"},
                new String[] {"bridge", "-n", h, "fdb", "show", "dev", "nkvx0"},
                new String[] {"ip", "-n", h, "route", "show", "dev", "nkvx0"})) {
            run(cmd).lines().filter(l -> !l.isBlank()).map(String::strip).forEach(l -> say.output(l));
        }
    }

    private static void crossHostTraffic(Narrator say, List<Agent> agents) {
        say.step("TCP across hosts: a server in each container; each container connects to the containers of the other hosts",
                "ip netns exec CONTAINER nc -l ADDRESS " + PORT + " &   (in each)",
                "echo hello | ip netns exec CONTAINER nc ADDRESS " + PORT + "   (for each pair on different hosts)");
        List<Tcp.Server> servers = new ArrayList<>();
        try {
            for (Agent a : agents) {
                servers.add(Tcp.Server.start(NetNamespace.open(a.container), a.address, PORT, a.container));
            }
            for (Agent from : agents) {
                for (int i = 0; i < agents.size(); i++) {
                    Agent to = agents.get(i);
                    if (to == from) {
                        continue;
                    }
                    String claim = "TCP " + from.container + " -> " + to.container + " " + to.address.getHostAddress() + ":" + PORT
                            + " keeps the source address";
                    try (NetNamespace ns = NetNamespace.open(from.container)) {
                        String answer = Tcp.roundTrip(ns, to.address, PORT, "hello from " + from.container);
                        boolean seen = servers.get(i).clientsSeen().contains(from.address);
                        say.verify(claim, seen, seen ? "" : "the server saw " + servers.get(i).clientsSeen() + ": " + answer);
                    } catch (RuntimeException e) {
                        say.verify(claim, false, Main.describe(e));
                    }
                }
            }
        } finally {
            servers.forEach(Tcp.Server::close);
        }
    }

    private static void leave(Narrator say, Agent a, String base) throws InterruptedException {
        say.step(a.ns + " leaves the cluster (member.close()): its lease is revoked, and the other hosts remove its entries",
                "ip netns exec " + a.ns + " ... member.close()");
        a.send("leave");
        a.await("LEFT", 30);
        a.process.waitFor(30, TimeUnit.SECONDS);
        for (int h = 1; h < HOSTS; h++) {
            String other = base + "-h" + h;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            boolean gone = false;
            while (!gone && System.nanoTime() < end) {
                gone = !run("ip", "-n", other, "route", "show").contains(a.subnet + " ")
                        && !run("bridge", "-n", other, "fdb", "show").contains(a.mac);
                if (!gone) {
                    Thread.sleep(100);
                }
            }
            say.verify(other + " forgot " + a.ns + " (no route to " + a.subnet + ", no FDB entry for " + a.mac + ")", gone, "");
        }
    }

    private static void tearDown(Narrator say, List<Agent> agents, Process etcd, Path dataDir, String base) {
        say.step("Tear down: the agents leave (each removes its host's overlay and containers), etcd stops, the namespaces go",
                "ip netns exec HOST ... member.close()   (for each)", "kill ETCD; rm -r DATA_DIR",
                "ip netns del " + base + "-h1 ... " + base + "-lab");
        for (Agent a : agents) {
            if (a.process.isAlive()) {
                try {
                    a.send("leave");
                    if (!a.process.waitFor(30, TimeUnit.SECONDS)) {
                        a.process.destroyForcibly();
                    }
                } catch (RuntimeException | InterruptedException e) {
                    a.process.destroyForcibly();
                }
            }
        }
        if (etcd != null) {
            etcd.destroyForcibly();
            try {
                etcd.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(dataDir);
        List<String> containersLeft = agents.stream().map(a -> a.container).filter(c -> c != null && NetNamespace.exists(c)).toList();
        say.verify("the agents removed their containers", containersLeft.isEmpty(), containersLeft.isEmpty() ? "" : "left: " + containersLeft);
        for (String n : NetNamespace.list()) {
            if (n.startsWith(base + "-")) {
                NetNamespace.delete(n);
            }
        }
        boolean clean = NetNamespace.list().stream().noneMatch(n -> n.startsWith(base + "-"));
        say.verify("nothing left: no namespace named " + base + "-*", clean, "");
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: best effort
        }
    }

    private static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** One host's agent JVM and what it reported. */
    private static final class Agent {
        final int n;
        final String ns;
        final Process process;
        final OutputStream stdin;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        String subnet;
        String mac;
        String container;
        InetAddress address;

        Agent(int n, String ns, Process process) {
            this.n = n;
            this.ns = ns;
            this.process = process;
            this.stdin = process.getOutputStream();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // the agent ended
                }
                lines.add("EOF");
            }, "overlay-agent-" + n);
            t.setDaemon(true);
            t.start();
        }

        void send(String command) {
            try {
                stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String await(String prefix, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = end - System.nanoTime();
                String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (l == null || l.equals("EOF") || l.startsWith("ERROR")) {
                    throw new IllegalStateException("agent of " + ns + ": " + (l == null ? "no \"" + prefix + "\" within "
                            + seconds + " s" : l.equals("EOF") ? "ended" : l));
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }
    }
}
