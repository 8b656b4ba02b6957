package io.netkit.examples;

import io.netkit.cluster.ClusterMember;
import io.netkit.cluster.ClusterNetwork;
import io.netkit.core.Endpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The overlay example's per-host agent: a JVM the example starts inside each simulated host's namespace, so its
 * etcd client connects from that host. It joins, prints {@code JOINED SUBNET MAC}, then reads commands:
 * {@code attach NAME} (prints {@code ATTACHED NAME ADDRESS}) and {@code leave} (or end of input: prints {@code LEFT}).
 *
 * <p>The code that matters:
 * <pre>{@code
 * ClusterMember m = ClusterNetwork.vxlan("demo").cidr("10.244.0.0/16").store("http://192.168.50.254:2379")
 *         .underlay("192.168.50.1").join();
 * m.attach("c1");
 * m.close();
 * }</pre>
 * args: CLUSTER CIDR STORE UNDERLAY
 */
public final class OverlayAgent {
    private OverlayAgent() {}

    public static void main(String[] args) throws Exception {
        ClusterMember m;
        try {
            m = ClusterNetwork.vxlan(args[0]).cidr(args[1]).store(args[2]).underlay(args[3])
                    .leaseTtl(Duration.ofSeconds(10)).joinTimeout(Duration.ofSeconds(30)).join();
        } catch (RuntimeException e) {
            System.out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            System.out.flush();
            System.exit(1);
            return;
        }
        System.out.println("JOINED " + m.subnet() + " " + m.overlay().vtepMac());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("leave")) {
            String[] w = line.trim().split(" ");
            try {
                if (w[0].equals("attach") && w.length == 2) {
                    Endpoint ep = m.attach(w[1]);
                    System.out.println("ATTACHED " + w[1] + " " + ep.address().getHostAddress());
                } else {
                    System.out.println("ERROR unknown command: " + line);
                }
            } catch (RuntimeException e) {
                System.out.println("ERROR " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
            System.out.flush();
        }
        m.close();
        System.out.println("LEFT");
        System.out.flush();
        System.exit(0);
    }
}
