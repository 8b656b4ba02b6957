package io.netkit.benchmarks.netlink;

import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.Links;
import io.netkit.netlink.NetNamespace;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Not a JMH benchmark (issue 14): how long deleting N detached veth pairs stalls a concurrent rtnl caller — a probe
 * thread changing the MTU of a bridge in its own namespace back to back — in three ways: one link-group deletion then
 * the namespaces released together (what netkit's reaper does); the namespaces released together (their veths go in
 * the kernel's batched {@code cleanup_net}); the namespaces released one by one 10 ms apart (what {@code ip netns del}
 * per detach does). Run: {@code java -cp benchmarks/target/benchmarks.jar io.netkit.benchmarks.netlink.ReleaseCost 100 2}
 * (as root; namespaces {@code nkb-PID-kc-*}, removed afterwards).
 */
public final class ReleaseCost {
    private ReleaseCost() {}

    static final String P = "nkb-" + ProcessHandle.current().pid() + "-kc";
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]);
        int rounds = Integer.parseInt(a[1]);
        NetNamespace host = NetNamespace.create(P + "-host");
        NetNamespace probe = NetNamespace.create(P + "-probe");
        try {
            probe.netlink().links().create(LinkSpec.bridge("pb0"));
            for (int r = 0; r < rounds; r++) {
                for (String mode : new String[] {"group", "netns-batch", "netns-one-by-one"}) {
                    List<NetNamespace> cs = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        NetNamespace c = NetNamespace.create(P + "-c" + i);
                        host.netlink().links().create(LinkSpec.veth("kv" + i, "eth0").peerNamespace(c).group(77).up().peerUp());
                        cs.add(c);
                    }
                    Thread.sleep(1500); // linkwatch and the rest settle
                    // the probe: one small rtnl request after another (mtu of a bridge in its own namespace)
                    AtomicBoolean stop = new AtomicBoolean();
                    List<Long> lat = Collections.synchronizedList(new ArrayList<>());
                    Thread t = new Thread(() -> {
                        Links l = probe.netlink().links();
                        int m = 1400;
                        while (!stop.get()) {
                            long t0 = System.nanoTime();
                            l.setMtu("pb0", m++ % 2 == 0 ? 1400 : 1401);
                            lat.add(System.nanoTime() - t0);
                            try { Thread.sleep(0, 200_000); } catch (InterruptedException e) { return; }
                        }
                    });
                    t.start();
                    Thread.sleep(300);
                    int before = lat.size();
                    long t0 = System.nanoTime();
                    if (mode.equals("group")) {
                        host.netlink().links().deleteGroup(77);
                    }
                    for (int i = 0; i < n; i++) {
                        cs.get(i).close();
                        NetNamespace.delete(P + "-c" + i);
                        if (mode.equals("netns-one-by-one")) Thread.sleep(10);
                    }
                    long call = System.nanoTime() - t0;
                    while (host.netlink().links().list().size() > 1) Thread.sleep(1);
                    long gone = System.nanoTime() - t0;
                    Thread.sleep(300);
                    stop.set(true); t.join();
                    List<Long> during = new ArrayList<>(lat.subList(before, lat.size()));
                    List<Long> base = new ArrayList<>(lat.subList(0, before));
                    Collections.sort(during); Collections.sort(base);
                    long over5 = during.stream().filter(x -> x > 5_000_000).count();
                    System.out.printf("%-17s n=%d caller %.1f ms, veths gone after %.1f ms; probe before: median %.3f ms max %.2f; during+300ms: median %.3f, max %.2f ms, %d probes > 5 ms%n",
                        mode, n, call / 1e6, gone / 1e6, base.get(base.size() / 2) / 1e6, base.get(base.size() - 1) / 1e6,
                        during.get(during.size() / 2) / 1e6, during.get(during.size() - 1) / 1e6, over5);
                }
            }
        } finally {
            host.close(); probe.close();
            for (String s : NetNamespace.list()) if (s.startsWith(P)) NetNamespace.delete(s);
        }
    }
}
