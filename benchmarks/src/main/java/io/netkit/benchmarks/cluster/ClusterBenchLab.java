package io.netkit.benchmarks.cluster;

import io.netkit.cluster.ClusterMember;
import io.netkit.cluster.ClusterNetwork;
import io.netkit.core.Endpoint;
import io.netkit.core.Host;
import io.netkit.netlink.NetNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster side of {@link ClusterJoinBenchmark}: a JVM started inside the lab namespace (where etcd listens), so
 * every member's etcd client connects from there; each member programs its own simulated host's namespace through
 * netkit. args: STORE RUN_ID HOSTS. Joins hosts 1..HOSTS with one container each, prints READY, then per line
 * {@code join K} joins host K, attaches its container, waits until the container of every other host connects to it
 * (TCP) and prints {@code REACHED JOIN_MS PROPAGATION_MS}; {@code leave K} leaves and prints {@code LEFT}.
 */
public final class ClusterBenchLab {
    private ClusterBenchLab() {}

    static String store;
    static String runId;
    static final List<Host> HOSTS = new ArrayList<>();

    static ClusterMember join(int k) {
        Host h = Host.namespace(runId + "-h" + k);
        HOSTS.add(h);
        return ClusterNetwork.vxlan("bench").cidr("10.244.0.0/16").store(store).on(h).underlay("192.168.50." + k)
                .leaseTtl(Duration.ofSeconds(10)).join();
    }

    public static void main(String[] args) throws Exception {
        store = args[0];
        runId = args[1];
        int n = Integer.parseInt(args[2]);
        List<ClusterMember> members = new ArrayList<>();
        List<NetNamespace> containers = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            ClusterMember m = join(k);
            members.add(m);
            Endpoint e = m.attach(runId + "-h" + k + "c1");
            containers.add(NetNamespace.open(runId + "-h" + k + "c1"));
            e.address();
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        ClusterMember extra = null;
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split(" ");
            if (w[0].equals("join")) {
                int k = Integer.parseInt(w[1]);
                long t0 = System.nanoTime();
                extra = join(k);
                long joined = System.nanoTime();
                Endpoint e = extra.attach(runId + "-h" + k + "c1");
                InetAddress target = e.address();
                try (NetNamespace ns = NetNamespace.open(runId + "-h" + k + "c1");
                     ServerSocket server = ns.call(() -> new ServerSocket(7000, 256, target))) {
                    Thread acceptor = new Thread(() -> {
                        while (!server.isClosed()) {
                            try {
                                server.accept().close();
                            } catch (IOException ended) {
                                return;
                            }
                        }
                    });
                    acceptor.setDaemon(true);
                    acceptor.start();
                    for (NetNamespace c : containers) {
                        while (!c.call(() -> connects(target))) {
                            Thread.onSpinWait();
                        }
                    }
                }
                long reached = System.nanoTime();
                System.out.println("REACHED " + (joined - t0) / 1_000_000.0 + " " + (reached - joined) / 1_000_000.0);
            } else if (w[0].equals("leave") && extra != null) {
                extra.close();
                extra = null;
                System.out.println("LEFT");
            }
            System.out.flush();
        }
        for (ClusterMember m : members) {
            m.close();
        }
        containers.forEach(NetNamespace::close);
        HOSTS.forEach(Host::close);
        System.exit(0);
    }

    private static boolean connects(InetAddress target) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target, 7000), 50);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
