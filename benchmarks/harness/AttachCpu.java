// Where a warm attach's time goes, as CPU time (issue 14 profile): the caller thread's CPU (user = JVM and JNA, system =
// the kernel's work in its syscalls), the whole process's CPU including the background work an attach leaves (the next
// spare namespace, the gratuitous ARP), and wall time. CPU time counts only the work done, not the waits (rtnl held by
// others, a busy machine), so it is the part of an attach that load does not change. As root, from the repository root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/harness/AttachCpu.java WARM N   (e.g. 300 100)
// Attaches are 20 ms apart, so the background work of one ends before the next; `strace -f -o FILE` around the run and the
// markers (an openat of /tmp/netkit-attachcpu-MARK-START / -END, which do not exist) give the syscalls per attach.
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.*;
import java.nio.file.*;
import java.util.*;

public class AttachCpu {
    public static void main(String[] a) throws Exception {
        int warm = Integer.parseInt(a[0]), n = Integer.parseInt(a[1]);
        var tm = java.lang.management.ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            String host = spaces.create("host");
            try (Host h = Host.namespace(host)) {
                Network net = Network.bridge("nkbbr0").on(h).subnet("172.16.0.0/20").create();
                for (int i = 0; i < warm; i++) net.detach(net.attach(spaces.name("w" + i)));
                Thread.sleep(1500);
                mark("START");
                long cpu = 0, user = 0, proc = 0;
                long[] wall = new long[n];
                List<Endpoint> eps = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    long c0 = tm.getCurrentThreadCpuTime(), u0 = tm.getCurrentThreadUserTime(), p0 = os.getProcessCpuTime();
                    long w0 = System.nanoTime();
                    eps.add(net.attach(spaces.name("c" + i)));
                    wall[i] = System.nanoTime() - w0;
                    cpu += tm.getCurrentThreadCpuTime() - c0;
                    user += tm.getCurrentThreadUserTime() - u0;
                    Thread.sleep(20);
                    proc += os.getProcessCpuTime() - p0;
                }
                mark("END");
                Arrays.sort(wall);
                System.out.printf("per attach: wall median %.3f ms; caller CPU %.3f ms (user %.3f, system %.3f); process CPU"
                        + " including the background work %.3f ms%n", wall[n / 2] / 1e6, cpu / 1e6 / n, user / 1e6 / n,
                        (cpu - user) / 1e6 / n, proc / 1e6 / n);
                for (Endpoint e : eps) net.detach(e);
                net.close();
            }
        }
    }

    private static void mark(String what) {
        try {
            Files.readString(Path.of("/tmp/netkit-attachcpu-MARK-" + what));
        } catch (java.io.IOException expected) {
            // the marker is the openat in a syscall trace
        }
    }
}
