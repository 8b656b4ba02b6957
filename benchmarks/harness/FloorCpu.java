// Per-op floor (issue 14): 1000 veth pairs created and set up one request at a time, netkit's variants and `ip -batch`
// alternated in one process, with wall time, the caller's CPU split into user and kernel, and the whole machine's CPU
// (from /proc/stat: the kernel's deferred work — link watch, IPv6 address configuration, RCU — runs on other threads).
// As root, from the repository root:
//   java -cp benchmarks/target/benchmarks.jar benchmarks/harness/FloorCpu.java ROUNDS [MODES] [PAUSE_MS]
// MODES, comma-separated (default nk,ip): nk = create (echoed) + setUp(a) + setUp(b) as the benchmark does; old = the
// same with each set-up sent alone by name (netkit's setUp before it looked the link up first); cu = one
// create(veth(a, b).group(77).up().peerUp()) per pair;
// noecho = the same create without NLM_F_ECHO; idx = create (echoed) + both ends set up by index (b's looked up first);
// ipl = as ip: before each set-up an RTM_GETLINK by name, then set up by index; pair = the RTM_GETLINK and the set-up
// by name in one datagram; getb = nk with b's index looked up (and unused) before the set-ups; idxa = a set up by its echoed index; ip = ip -batch.
// Each round runs every mode once (links deleted by group and PAUSE_MS, default 1000, of quiet between runs).
import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.netlink.*;
import io.netkit.netlink.codec.NlMsgWriter;
import java.nio.file.*;
import java.util.*;

public class FloorCpu {
    static final int PAIRS = 1000, GROUP = 77;

    public static void main(String[] a) throws Exception {
        int rounds = Integer.parseInt(a[0]);
        String[] modes = (a.length > 1 ? a[1] : "nk,ip").split(",");
        long pause = a.length > 2 ? Long.parseLong(a[2]) : 1000;
        var tm = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (BenchNamespaces spaces = new BenchNamespaces()) {
            String host = spaces.create("host");
            Path batch = Files.createTempFile("nkb-floor", ".batch");
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                lines.add("link add nkba" + i + " group " + GROUP + " type veth peer name nkbb" + i);
                lines.add("link set nkba" + i + " up");
                lines.add("link set nkbb" + i + " up");
            }
            Files.write(batch, lines);
            List<LinkSpec> specs = new ArrayList<>();
            List<LinkSpec> upSpecs = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                specs.add(LinkSpec.veth("nkba" + i, "nkbb" + i).group(GROUP));
                upSpecs.add(LinkSpec.veth("nkba" + i, "nkbb" + i).group(GROUP).up().peerUp());
            }
            Map<String, List<double[]>> results = new LinkedHashMap<>();
            try (NetNamespace ns = NetNamespace.open(host)) {
                Links links = ns.netlink().links();
                NetlinkSocket s = ns.netlink().socket();
                for (int r = -1; r < rounds; r++) {   // round -1 warms up
                    for (String mode : modes) {
                        Thread.sleep(pause);
                        long[] st0 = procStat();
                        long c0 = tm.getCurrentThreadCpuTime(), u0 = tm.getCurrentThreadUserTime();
                        long a0 = tm.getCurrentThreadAllocatedBytes();
                        long w0 = System.nanoTime();
                        double ipUser = 0, ipSys = 0;
                        switch (mode) {
                            case "nk" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(specs.get(i));
                                    links.setUp("nkba" + i);
                                    links.setUp("nkbb" + i);
                                }
                            }
                            case "cu" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(upSpecs.get(i));
                                }
                            }
                            case "old" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(specs.get(i));
                                    upByName(s, "nkba" + i);
                                    upByName(s, "nkbb" + i);
                                }
                            }
                            case "noecho" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    String an = "nkba" + i, bn = "nkbb" + i;
                                    s.execute("create", an, 16, 0x400 | 0x200, w -> createVeth(w, an, bn));
                                    links.setUp(an);
                                    links.setUp(bn);
                                }
                            }
                            case "idx" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    int ia = links.create(specs.get(i)).index();
                                    int ib = s.interfaceIndex("nkbb" + i);
                                    upByIndex(s, ia);
                                    upByIndex(s, ib);
                                }
                            }
                            case "getb" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(specs.get(i));
                                    s.interfaceIndex("nkbb" + i);
                                    links.setUp("nkba" + i);
                                    links.setUp("nkbb" + i);
                                }
                            }
                            case "idxa" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    upByIndex(s, links.create(specs.get(i)).index());
                                    links.setUp("nkbb" + i);
                                }
                            }
                            case "ipl" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(specs.get(i));
                                    upByIndex(s, s.interfaceIndex("nkba" + i));
                                    upByIndex(s, s.interfaceIndex("nkbb" + i));
                                }
                            }
                            case "pair" -> {
                                for (int i = 0; i < PAIRS; i++) {
                                    links.create(specs.get(i));
                                    getAndUp(s, pairWriter, "nkba" + i);
                                    getAndUp(s, pairWriter, "nkbb" + i);
                                }
                            }
                            case "ip" -> {
                                Process p = new ProcessBuilder("/usr/bin/time", "-f", "%U %S", "ip", "-n", host, "-batch",
                                        batch.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                                String err = new String(p.getErrorStream().readAllBytes()).trim();
                                if (p.waitFor() != 0) {
                                    throw new IllegalStateException(err);
                                }
                                String[] t = err.substring(err.lastIndexOf('\n') + 1).split(" ");
                                ipUser = Double.parseDouble(t[0]) * 1000;
                                ipSys = Double.parseDouble(t[1]) * 1000;
                            }
                            default -> throw new IllegalArgumentException(mode);
                        }
                        double wall = (System.nanoTime() - w0) / 1e6;
                        long alloc = (tm.getCurrentThreadAllocatedBytes() - a0) / PAIRS;
                        double cpu = (tm.getCurrentThreadCpuTime() - c0) / 1e6, user = (tm.getCurrentThreadUserTime() - u0) / 1e6;
                        long[] st1 = procStat();
                        double ticks = 1000.0 / 100;   // USER_HZ
                        double mUser = (st1[0] - st0[0]) * ticks, mSys = (st1[1] - st0[1]) * ticks, mIrq = (st1[2] - st0[2]) * ticks;
                        double cu = mode.equals("ip") ? ipUser : user, cs = mode.equals("ip") ? ipSys : cpu - user;
                        if (r >= 0) {
                            results.computeIfAbsent(mode, k -> new ArrayList<>()).add(new double[] {wall, cu, cs, mUser, mSys, mIrq});
                        }
                        System.out.printf("round %d %-7s wall %7.1f ms  caller user %6.1f sys %6.1f  machine user %6.1f sys %6.1f softirq %5.1f  %d B/pair  load %s%n",
                                r, mode, wall, cu, cs, mUser, mSys, mIrq, alloc, Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
                        links.deleteGroup(GROUP);
                    }
                }
            }
            System.out.println("medians (ms per 1000 pairs): wall, caller user, caller sys, machine user, machine sys, machine softirq");
            for (var e : results.entrySet()) {
                StringBuilder sb = new StringBuilder(String.format("%-7s", e.getKey()));
                for (int k = 0; k < 6; k++) {
                    int kk = k;
                    double[] v = e.getValue().stream().mapToDouble(x -> x[kk]).sorted().toArray();
                    sb.append(String.format("  %7.1f", v[v.length / 2]));
                }
                System.out.println(sb);
            }
            Files.delete(batch);
        }
    }

    /** The create message `ip link add A group 77 type veth peer name B` sends (kind without its NUL, like ip). */
    static void createVeth(NlMsgWriter w, String an, String bn) {
        w.ifInfoMsg(0, 0, 0, 0, 0);
        w.attrString(3, an);              // IFLA_IFNAME
        w.attrU32(27, GROUP);             // IFLA_GROUP
        w.beginNested(18);                // IFLA_LINKINFO
        w.attrString(1, "veth");          // IFLA_INFO_KIND
        w.beginNested(2);                 // IFLA_INFO_DATA
        w.beginNested(1);                 // VETH_INFO_PEER
        w.ifInfoMsg(0, 0, 0, 0, 0);
        w.attrString(3, bn);
        w.endNested();
        w.endNested();
        w.endNested();
    }

    static final NlMsgWriter pairWriter = new NlMsgWriter(512);
    static final int[] OFFS = new int[2];
    static final String[] OPS = {"get link", "set link up"};

    /** RTM_GETLINK NAME (no ack) and RTM_NEWLINK NAME up (acked) in one datagram. */
    static void getAndUp(NetlinkSocket s, NlMsgWriter w, String name) {
        w.reset();
        OFFS[0] = w.beginMessage(18, 1, 0, 0);            // RTM_GETLINK, NLM_F_REQUEST
        w.ifInfoMsg(0, 0, 0, 0, 0).attrU32(29, 8).attrString(3, name);   // IFLA_EXT_MASK SKIP_STATS, IFLA_IFNAME
        w.endMessage();
        OFFS[1] = w.beginMessage(16, 1 | 4, 0, 0);        // RTM_NEWLINK, NLM_F_REQUEST|NLM_F_ACK
        w.ifInfoMsg(0, 0, 0, 1, 1).attrString(3, name);
        w.endMessage();
        s.executeDatagram(w, OFFS, OPS, new String[] {name, name}, 2);
    }

    /** The set-up netkit sent before it looked the link up first: RTM_NEWLINK by name, alone. */
    static void upByName(NetlinkSocket s, String name) {
        s.execute("set link up", name, 16, 0, w -> w.ifInfoMsg(0, 0, 0, 1, 1).attrString(3, name));
    }

    static void upByIndex(NetlinkSocket s, int index) {
        s.execute("set up", null, 16, 0, w -> w.ifInfoMsg(0, 0, index, 1, 1));
    }

    /** Machine-wide jiffies: user+nice, system, irq+softirq. */
    static long[] procStat() throws java.io.IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        return new long[] {Long.parseLong(f[1]) + Long.parseLong(f[2]), Long.parseLong(f[3]),
                Long.parseLong(f[6]) + Long.parseLong(f[7])};
    }
}
