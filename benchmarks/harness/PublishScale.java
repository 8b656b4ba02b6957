// Attach latency on a publishing network vs its size (issue 12, host-port index): per round, interleaved, an attach on a
// masquerading network that never published (yardstick), an attach without ports on a publishing network, and an
// attach with one published port on it; BASE endpoints (with a port each / plain) attached beforehand. As root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/harness/PublishScale.java WARM N BASE
// prints min/median/p90/p99 of each.
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.*;
import java.util.*;

public class PublishScale {
    public static void main(String[] a) throws Exception {
        int warm = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]), base = Integer.parseInt(a[2]);
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            Host h = Host.namespace(spaces.create("host")).firewall(FirewallBackend.NFTABLES);
            Network pub = Network.bridge("nkbbr0").on(h).subnet("172.16.0.0/22").masquerade().create();
            Network masq = Network.bridge("nkbbr1").on(h).subnet("172.17.0.0/22").masquerade().create();
            for (int i = 0; i < warm; i++) {
                pub.detach(pub.attach(EndpointSpec.create(spaces.name("w" + i)).publish(20000 + i % 1000, 80)));
                pub.detach(pub.attach(EndpointSpec.create(spaces.name("v" + i))));
                masq.detach(masq.attach(EndpointSpec.create(spaces.name("u" + i))));
            }
            for (int i = 0; i < base; i++) {
                pub.attach(EndpointSpec.create(spaces.name("b" + i)).publish(30000 + i, 80));
                masq.attach(EndpointSpec.create(spaces.name("m" + i)));
            }
            Thread.sleep(2000);
            long[][] t = new long[3][n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                masq.attach(EndpointSpec.create(spaces.name("p" + i)));
                t[0][i] = System.nanoTime() - t0; Thread.sleep(20);
                t0 = System.nanoTime();
                pub.attach(EndpointSpec.create(spaces.name("q" + i)));
                t[1][i] = System.nanoTime() - t0; Thread.sleep(20);
                t0 = System.nanoTime();
                pub.attach(EndpointSpec.create(spaces.name("r" + i)).publish(10000 + i, 80));
                t[2][i] = System.nanoTime() - t0; Thread.sleep(20);
            }
            String[] names = {"plain(masq)", "noport(pub)", "port(pub)"};
            for (int k = 0; k < 3; k++) {
                long[] x = t[k]; Arrays.sort(x);
                System.out.printf("%-12s base=%d n=%d min %.3f median %.3f p90 %.3f p99 %.3f%n", names[k], base, n, x[0]/1e6, x[n/2]/1e6, x[n*9/10]/1e6, x[n*99/100]/1e6);
            }
            pub.close(); masq.close(); h.close();
        }
    }
}
