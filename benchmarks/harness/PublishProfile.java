// Publish and attach-with-port latency on a masquerading network through the native backend, with a syscall-traceable
// pause between operations (issue 12, second pass). As root, from the repository root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/harness/PublishProfile.java WARM N PAUSE_MS [publish|attach|parts]
// prints min/p10/median/p90/p99 (parts: each kernel request of a publish alone, medians of N); -DstartDelay=MS waits after "MEASURE <pid>" so that strace -f -p <pid> can attach.
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.*;
import java.util.*;

public class PublishProfile {
    public static void main(String[] a) throws Exception {
        int warm = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]);
        long pauseMs = Long.parseLong(a[2]);
        String what = a.length > 3 ? a[3] : "publish";
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            Host h = Host.namespace(spaces.create("host")).firewall(FirewallBackend.NFTABLES);
            Network net = Network.bridge("nkbbr0").on(h).subnet("172.16.0.0/20").masquerade().create();
            for (int i = 0; i < warm; i++) {
                Endpoint e = net.attach(EndpointSpec.create(spaces.name("w" + i)).publish(20000 + i % 1000, 80));
                e.publish(30000 + i % 1000, 81);
                net.detach(e);
            }
            if (what.equals("parts")) {
                parts(spaces, h, net, n);
                return;
            }
            Thread.sleep(2000);
            System.err.println("MEASURE " + ProcessHandle.current().pid());
            System.err.flush();
            Thread.sleep(Long.getLong("startDelay", 0));
            long[] t = new long[n];
            List<Endpoint> eps = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String c = spaces.name("c" + i);
                long t0;
                if (what.equals("publish")) {
                    Endpoint e = net.attach(c);
                    eps.add(e);
                    Thread.sleep(pauseMs);
                    t0 = System.nanoTime();
                    e.publish(10000 + i, 80);
                } else {
                    t0 = System.nanoTime();
                    eps.add(net.attach(EndpointSpec.create(c).publish(10000 + i, 80)));
                }
                t[i] = System.nanoTime() - t0;
                if (eps.size() >= 40) { for (Endpoint x : eps) net.detach(x); eps.clear(); Thread.sleep(500); }
                Thread.sleep(pauseMs);
            }
            System.err.println("DONE");
            Arrays.sort(t);
            System.out.printf("%s n=%d min %.3f p10 %.3f median %.3f ms p90 %.3f p99 %.3f%n", what, n, t[0]/1e6, t[n/10]/1e6, t[n/2]/1e6, t[n*9/10]/1e6, t[n*99/100]/1e6);
            for (Endpoint x : eps) net.detach(x);
            net.close();
            h.close();
        }
    }

    /** Each kernel request of a publish alone, on the same host (40 endpoints, one publishing): medians of n. */
    static void parts(BenchNamespaces spaces, Host h, Network net, int n) throws Exception {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 40; i++) eps.add(net.attach(EndpointSpec.create(spaces.name("p" + i)).publish(40000 + i, 80)));
        io.netkit.netlink.NetNamespace ns = h.netns();
        io.netkit.netlink.Links links = ns.netlink().links();
        String hostIf = eps.get(0).hostInterface();
        String alias = links.get(hostIf).alias();
        io.netkit.nftables.Nftables nft = io.netkit.nftables.Nftables.shared(ns);
        Map<String, Runnable> ops = new LinkedHashMap<>();
        ops.put("host link dump (" + links.list().size() + " links)", links::list);
        ops.put("get one link", () -> links.get(hostIf));
        ops.put("set alias", () -> links.setAlias(hostIf, alias));
        ops.put("set alias + hairpin (one request)", () -> links.setAliasAndHairpin(hostIf, alias, true));
        ops.put("set hairpin", () -> links.setHairpin(hostIf, true));
        ops.put("sysctl get (hand-off to the namespace thread)", () -> ns.sysctl().get("net.ipv4.ip_forward"));
        ops.put("sysctl peek (kept file, caller's thread)", () -> ns.sysctl().peek("net.ipv4.ip_forward"));
        ops.put("nft GETGEN", nft::generation);
        ops.put("nft chain dump (all tables)", nft::chains);
        ops.put("endpoint.published() (one GET + decode)", () -> eps.get(0).published());
        for (Map.Entry<String, Runnable> e : ops.entrySet()) {
            for (int i = 0; i < 200; i++) e.getValue().run();
            long[] t = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                e.getValue().run();
                t[i] = System.nanoTime() - t0;
                Thread.sleep(2);
            }
            Arrays.sort(t);
            System.out.printf("%-50s median %7.1f us  p10 %7.1f us%n", e.getKey(), t[n / 2] / 1e3, t[n / 10] / 1e3);
        }
        for (Endpoint x : eps) net.detach(x);
        net.close();
        h.close();
    }
}
