package io.netkit.cluster;

import io.netkit.core.Endpoint;
import io.netkit.core.OverlayPeer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * A cluster agent as a separate JVM, started by the tests inside a simulated host's namespace (so its etcd client's
 * sockets are opened there): joins, then answers commands on stdin, one per line.
 * <pre>
 * args: CLUSTER CIDR STORE UNDERLAY TTL_SECONDS
 * out:  JOINED SUBNET MAC LEASE | ERROR MESSAGE
 * in:   attach NAME  -> ATTACHED NAME ADDRESS
 *       peers        -> PEERS SUBNET,UNDERLAY,MAC;...
 *       state        -> STATE CONNECTED|STORE_UNREACHABLE|SUBNET_LOST SUBNET LEASE
 *       leave (or end of input) -> LEFT, exit 0
 * </pre>
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) throws Exception {
        ClusterMember m;
        try {
            m = ClusterNetwork.vxlan(args[0]).cidr(args[1]).store(args[2]).underlay(args[3])
                    .leaseTtl(Duration.ofSeconds(Long.parseLong(args[4]))).resyncInterval(Duration.ofSeconds(2))
                    .joinTimeout(Duration.ofSeconds(60)).join();
        } catch (RuntimeException e) {
            System.out.println("ERROR " + e.getMessage().replace('\n', ' '));
            System.out.flush();
            System.exit(1);
            return;
        }
        System.out.println("JOINED " + m.subnet() + " " + m.overlay().vtepMac() + " " + Long.toHexString(m.leaseId()));
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.trim().split(" ");
            try {
                switch (w[0]) {
                    case "attach" -> {
                        Endpoint ep = m.attach(w[1]);
                        System.out.println("ATTACHED " + w[1] + " " + ep.address().getHostAddress());
                    }
                    case "peers" -> System.out.println("PEERS " + m.peers().stream()
                            .map(p -> p.subnet() + "," + p.underlay().getHostAddress() + "," + p.vtepMac())
                            .collect(Collectors.joining(";")));
                    case "state" -> System.out.println("STATE " + m.state() + " " + m.subnet() + " " + Long.toHexString(m.leaseId()));
                    case "leave" -> {
                        m.close();
                        System.out.println("LEFT");
                        System.out.flush();
                        System.exit(0);
                    }
                    default -> System.out.println("ERROR unknown command " + line);
                }
            } catch (RuntimeException e) {
                System.out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            System.out.flush();
        }
        m.close();
        System.out.println("LEFT");
        System.exit(0);
    }

    /** Parses a PEERS line's payload. */
    static java.util.Set<OverlayPeer> parsePeers(String payload) {
        java.util.Set<OverlayPeer> out = new java.util.HashSet<>();
        if (payload.isBlank()) {
            return out;
        }
        for (String p : payload.trim().split(";")) {
            String[] f = p.split(",");
            out.add(OverlayPeer.of(f[0], f[1], f[2]));
        }
        return out;
    }
}
