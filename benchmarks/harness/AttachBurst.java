// Back-to-back attaches (no pause: the spare namespace made after each attach competes with the next one).
//   java [-Dnetkit.netns.spare=false] -cp benchmarks/target/benchmarks.jar benchmarks/harness/AttachBurst.java WARM N ROUNDS   (e.g. 300 50 3)
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.*;
import java.util.*;

public class AttachBurst {
    public static void main(String[] a) throws Exception {
        int warm = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            Host h = Host.namespace(spaces.create("host"));
            Network net = Network.bridge("nkbbr0").on(h).subnet("172.16.0.0/24").create();
            for (int i = 0; i < warm; i++) net.detach(net.attach(spaces.name("w" + i)));
            Thread.sleep(1000);
            List<Long> all = new ArrayList<>(); long total = 0;
            for (int r = 0; r < rounds; r++) {
                List<Endpoint> eps = new ArrayList<>();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) { long s = System.nanoTime(); eps.add(net.attach(spaces.name("r" + r + "c" + i))); all.add(System.nanoTime() - s); }
                total += System.nanoTime() - t0;
                for (Endpoint e : eps) net.detach(e);
                Thread.sleep(1000);
            }
            Collections.sort(all);
            int m = all.size();
            System.out.printf("burst %dx%d: mean %.3f ms/attach, min %.3f p10 %.3f median %.3f p90 %.3f%n", rounds, n, total / 1e6 / m, all.get(0)/1e6, all.get(m/10)/1e6, all.get(m/2)/1e6, all.get(m*9/10)/1e6);
            net.close(); h.close();
        }
    }
}
