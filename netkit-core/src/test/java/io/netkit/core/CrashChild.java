package io.netkit.core;

import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The second process of the crash tests ({@link RecoveryTest}, {@link CrashTest}). Run with
 * {@code -Dnetkit.test.haltAt=POINT} it halts at that crash point (see {@code internal.Faults}). Modes:
 * <pre>
 * half-attach HOST BRIDGE VICTIM-NS ADDRESS   holds the lock, marks it, creates a recorded veth, halts (no close)
 * attach HOST BRIDGE NS                       attaches NS
 * attach-spare HOST BRIDGE NS                 attaches NS into a namespace unshared ahead of time (a spare)
 * attach-wait HOST BRIDGE NS                  attaches NS, prints "attached", waits for a line (its pair made ahead waits meanwhile)
 * detach HOST BRIDGE NS                       detaches the endpoint of NS
 * delete HOST BRIDGE                          deletes the network
 * create HOST BRIDGE SUBNET                   creates a network with masquerade
 * create-ipt HOST BRIDGE SUBNET               the same on the iptables backend (an older process's network)
 * threads HOST BRIDGE PREFIX N                prints "ready", waits for a line, attaches PREFIX-0.. from N threads
 * loop HOST BRIDGE PREFIX SEED                attaches, detaches, publishes and unpublishes at random, forever
 * attach-port HOST BRIDGE NS HOSTPORT        attaches a new namespace NS publishing HOSTPORT:80, prints its address
 * udp HOST BRIDGE NS HOSTPORT                 attaches NS publishing udp HOSTPORT:53, prints its address, reads a
 *                                             line: "detach" detaches it and waits for the flows' cleanup
 * overlay HOST DEVICE SUBNET                 creates the overlay of {@link OverlayCrashTest} with SUBNET (no close)
 * overlay-close HOST DEVICE SUBNET           the same, then closes it
 * overlay-loop HOST DEVICE SEED              creates (subnet 10.244.1.0/24 or .2.0/24 at random, "creating SUBNET" before) and closes it, forever
 * nftloop HOST BRIDGES PREFIX SEED            the same on the native backend over the comma-separated BRIDGES (the
 *                                             first is never deleted), also creating and deleting the others
 * </pre>
 */
public final class CrashChild {
    private CrashChild() {}

    public static void main(String[] args) throws Exception {
        try (Host host = Host.namespace(args[1])) {
            if (args[0].equals("nftloop")) {
                nftLoop(host.firewall(FirewallBackend.NFTABLES), args[2].split(","), args[3], Long.parseLong(args[4]));
            }
            if (args[0].equals("create-ipt")) {
                Network.bridge(args[2]).on(host.firewall(FirewallBackend.IPTABLES)).subnet(args[3]).masquerade().create();
                System.exit(0);
            }
            if (args[0].equals("overlay-loop")) {
                Random rnd = new Random(Long.parseLong(args[3]));
                for (int i = 0; ; i++) {
                    String subnet = "10.244." + (1 + rnd.nextInt(2)) + ".0";
                    System.out.println("creating " + subnet);
                    System.out.flush();
                    Overlay ov = OverlayCrashTest.overlay(host, args[2], subnet + "/24");
                    System.out.println("created " + i);
                    System.out.flush();
                    ov.close();
                    System.out.println("closed " + i);
                    System.out.flush();
                }
            }
            if (args[0].startsWith("overlay")) {
                Overlay ov = OverlayCrashTest.overlay(host, args[2], args[3]);
                if (args[0].equals("overlay-close")) {
                    ov.close();
                }
                System.exit(0);
            }
            if (args[0].equals("create")) {
                Network.bridge(args[2]).on(host).subnet(args[3]).masquerade().create();
                System.exit(0);
            }
            Network net = Network.open(host, args[2]);
            switch (args[0]) {
                case "half-attach" -> halfAttach(net, args[3], args[4]);
                case "attach" -> System.out.println(net.attach(args[3]).address().getHostAddress());
                case "attach-spare" -> {
                    // The attach waits for it and only names it (and plugs in the veth pair made in it, unless
                    // -Dnetkit.veth.spare=false).
                    SpareVeths.Key k = SpareVeths.keyFor(net, EndpointSpec.create(args[3]), net.mtu);
                    if (k == null) {
                        Attach.CONTAINERS.prepareNext();
                    } else {
                        Attach.CONTAINERS.prepareNext(k, SpareVeths.ahead(net, k));
                    }
                    System.out.println(net.attach(args[3]).address().getHostAddress());
                }
                case "attach-wait" -> {
                    net.attach(args[3]);
                    System.out.println("attached");
                    System.out.flush();
                    new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
                }
                case "detach" -> net.endpoint(args[3]).orElseThrow().detach();
                case "delete" -> net.delete();
                case "threads" -> threads(net, args[3], Integer.parseInt(args[4]));
                case "loop" -> loop(net, args[3], Long.parseLong(args[4]));
                case "udp" -> udp(net, args[3], Integer.parseInt(args[4]));
                case "attach-port" -> System.out.println(net.attach(EndpointSpec.create(args[3])
                        .publish(Integer.parseInt(args[4]), 80)).address().getHostAddress());
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        System.out.flush();
        System.exit(0);
    }

    /** Defect 1's window: the lock is held, the network changed, and the process dies before releasing the lock. */
    private static void halfAttach(Network net, String victim, String address) {
        NetworkLock.Held held = net.allocations.acquire();
        held.changed();
        EndpointRecord r = new EndpointRecord(net.name, net.id, IpPrefix.parse(address), "eth0",
                Namespaces.inodeOf(victim), victim, null, false, List.of());
        net.hostLinks().create(LinkSpec.veth("nkvhalf0001", "nkvhalfpeer").master(net.name).group(net.group)
                .alias(r.encode(victim)));
        Runtime.getRuntime().halt(137);
    }

    /** Issue 12's crash test ({@link CleanFlowsTest}): an endpoint with a UDP port whose process dies. */
    private static void udp(Network net, String ns, int hostPort) throws Exception {
        Endpoint e = net.attach(EndpointSpec.create(ns).publish(Protocol.UDP, hostPort, 53));
        System.out.println(e.address().getHostAddress());
        System.out.flush();
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if ("detach".equals(line)) {
            e.detach();
            net.awaitBackgroundWork(); // with -Dnetkit.test.haltAt=flows:before-dump the process dies here
        }
    }

    private static void threads(Network net, String prefix, int n) throws Exception {
        System.out.println("ready");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<Endpoint>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = prefix + "-" + i;
            fs.add(pool.submit(() -> net.attach(name)));
        }
        for (Future<Endpoint> f : fs) {
            Endpoint e = f.get();
            System.out.println(e.name() + " " + e.address().getHostAddress());
        }
        pool.shutdown();
    }

    private static void loop(Network net, String prefix, long seed) {
        Random rnd = new Random(seed);
        List<Endpoint> mine = new ArrayList<>();
        for (int i = 0; ; i++) {
            int op = rnd.nextInt(10);
            try {
                if (mine.size() < 3 || (op < 5 && mine.size() < 8)) {
                    EndpointSpec spec = EndpointSpec.create(prefix + "-" + i);
                    if (rnd.nextInt(3) == 0) {
                        spec = spec.publish(20000 + i % 20000, 80);
                    }
                    mine.add(net.attach(spec));
                } else if (op < 8) {
                    mine.remove(rnd.nextInt(mine.size())).detach();
                } else if (op < 9) {
                    mine.get(rnd.nextInt(mine.size())).publish(40000 + i % 20000, 8080);
                } else {
                    Endpoint e = mine.get(rnd.nextInt(mine.size()));
                    for (PortMapping m : e.published()) {
                        e.unpublish(m.protocol(), m.hostPort());
                    }
                }
                System.out.println("step " + i);
                System.out.flush();
            } catch (IllegalArgumentException e) {
                System.out.println("refused " + i + ": " + e.getMessage()); // a host port already taken, say
            }
        }
    }

    /** Native backend: networks come and go beside attach, detach, publish and unpublish; "step N" after each. */
    private static void nftLoop(Host host, String[] bridges, String prefix, long seed) {
        Random rnd = new Random(seed);
        java.util.Map<String, Network> nets = new java.util.HashMap<>();
        List<Endpoint> mine = new ArrayList<>();
        for (int i = 0; ; i++) {
            int b = rnd.nextInt(bridges.length);
            String br = bridges[b];
            int op = rnd.nextInt(12);
            try {
                Network net = nets.get(br);
                if (net == null) {
                    try {
                        net = Network.open(host, br);
                    } catch (NetkitException absent) {
                        net = Network.bridge(br).on(host).subnet("172.20." + b + ".0/24").masquerade().create();
                    }
                    nets.put(br, net);
                }
                Network n = net;
                List<Endpoint> here = mine.stream().filter(e -> e.network() == n).toList();
                if (op == 0 && b > 0) {
                    net.delete();
                    nets.remove(br);
                    mine.removeAll(here);
                } else if (here.size() < 2 || (op < 6 && here.size() < 5)) {
                    EndpointSpec spec = EndpointSpec.create(prefix + "-" + i);
                    if (rnd.nextInt(2) == 0) {
                        spec = spec.publish(20000 + i % 20000, 80);
                    }
                    mine.add(net.attach(spec));
                } else if (op < 9) {
                    Endpoint e = here.get(rnd.nextInt(here.size()));
                    mine.remove(e);
                    e.detach();
                } else if (op < 11) {
                    here.get(rnd.nextInt(here.size())).publish(40000 + i % 20000, 8080);
                } else {
                    Endpoint e = here.get(rnd.nextInt(here.size()));
                    for (PortMapping m : e.published()) {
                        e.unpublish(m.protocol(), m.hostPort());
                    }
                }
                System.out.println("step " + i);
                System.out.flush();
            } catch (IllegalArgumentException e) {
                System.out.println("refused " + i + ": " + e.getMessage()); // a host port already taken, say
            }
        }
    }
}
