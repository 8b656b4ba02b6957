// Attach latency with a syscall-traceable pause between attaches (issue 14 profile). As root, from the repository root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/harness/AttachProfile.java WARM N PAUSE_MS   (e.g. 1000 200 30)
// prints min/p10/median/p90/p99; -DstartDelay=MS waits after "MEASURE <pid>" so that perf trace -p <pid> can attach.
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.*;
import java.util.*;

public class AttachProfile {
    public static void main(String[] a) throws Exception {
        int warm = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]);
        long pauseMs = Long.parseLong(a[2]);
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            String host = spaces.create("host");
            Host h = Host.namespace(host);
            Network net = Network.bridge("nkbbr0").on(h).subnet("172.16.0.0/24").create();
            for (int i = 0; i < warm; i++) net.detach(net.attach(spaces.name("w" + i)));
            Thread.sleep(2000);
            System.err.println("MEASURE " + ProcessHandle.current().pid());
            System.err.flush();
            Thread.sleep(Long.getLong("startDelay", 0));
            long[] t = new long[n];
            List<Endpoint> eps = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String c = spaces.name("c" + i);
                long t0 = System.nanoTime();
                Endpoint e = net.attach(c);
                t[i] = System.nanoTime() - t0;
                eps.add(e);
                if (eps.size() >= 100) { for (Endpoint x : eps) net.detach(x); eps.clear(); Thread.sleep(500); }
                Thread.sleep(pauseMs);
            }
            System.err.println("DONE");
            Arrays.sort(t);
            System.out.printf("attach n=%d min %.3f p10 %.3f median %.3f ms p90 %.3f p99 %.3f%n", n, t[0]/1e6, t[n/10]/1e6, t[n/2]/1e6, t[n*9/10]/1e6, t[n*99/100]/1e6);
            for (Endpoint x : eps) net.detach(x);
            net.close();
            h.close();
        }
    }
}
