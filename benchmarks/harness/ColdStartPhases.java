import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a fresh JVM's first netkit call goes, step by step, in the order netkit's own start takes them (wall time and
 * the main thread's CPU time from /proc/thread-self/schedstat, ns resolution): opening the class path's jars, binding
 * slf4j, JNA's library settings and native part (read from the jar, checked against netkit's cached copy), JNA's
 * Native and libc, LibC's functions, NetNamespace.current(), then a host namespace, Network.create() and one attach
 * (as FirstAttach). -Dsample=PHASES (e.g. "create,attach") also samples the main thread's stack every 1 ms in those
 * phases and prints how often each netkit method was on it ("S count phase | INCL method"), the leaves,
 * and each sample's innermost netkit method with what runs above it ("OWN method code|invoke|clinit CLASS": its own
 * code, a method-handle linkage such as a lambda's, a record method's or a string concatenation's, a class initialiser).
 *
 * Build it against the demo jar and record an archive for it (as root, from the repository root):
 *   J=$PWD/netkit-examples/target/netkit-examples.jar; mkdir -p /tmp/csp
 *   javac -XDstringConcat=inline -cp $J -d /tmp/csp benchmarks/harness/ColdStartPhases.java
 *   (cd /tmp/csp && jar cf csp.jar *.class)
 *   java -XX:ArchiveClassesAtExit=/tmp/csp/csp.jsa -cp $J:/tmp/csp/csp.jar ColdStartPhases
 *   java -XX:SharedArchiveFile=/tmp/csp/csp.jsa -cp $J:/tmp/csp/csp.jar ColdStartPhases
 * (-XDstringConcat=inline: an invokedynamic concatenation here would add its own method-handle spinning.)
 */
public final class ColdStartPhases {
    private static volatile String phase = "start";
    private static final Map<String, Integer> HITS = new HashMap<>();
    private static final StringBuilder OUT = new StringBuilder();
    private static long wall = System.nanoTime();
    private static long cpu = threadCpu();
    private static double firstCall;

    public static void main(String[] args) throws Exception {
        sampler(Thread.currentThread(), System.getProperty("sample"));
        ColdStartPhases.class.getResource("/META-INF/MANIFEST.MF");
        mark("open-jar");
        org.slf4j.LoggerFactory.getLogger(ColdStartPhases.class);
        mark("slf4j");
        System.setProperty("jna.platform.library.path", "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu:/usr/lib64"
                + ":/lib64:/usr/lib:/lib");   // what LibC.avoidLdconfig sets (no ldconfig process)
        byte[] lib;
        try (var in = ColdStartPhases.class.getResourceAsStream("/com/sun/jna/linux-x86-64/libjnidispatch.so")) {
            lib = in.readAllBytes();
        }
        mark("jnidispatch-from-jar");
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(lib);
        Path dir = Path.of(System.getProperty("user.home"), ".cache/netkit/jna", Long.toHexString(crc.getValue()));
        byte[] copy = Files.readAllBytes(dir.resolve("libjnidispatch.so"));   // run FirstAttach once to make it
        java.util.zip.CRC32 crc2 = new java.util.zip.CRC32();
        crc2.update(copy);
        if (crc2.getValue() != crc.getValue()) throw new IllegalStateException("cached copy differs");
        System.setProperty("jna.boot.library.path", dir.toString());
        mark("jnidispatch-check");
        Class.forName("com.sun.jna.Native");
        mark("jna-Native");
        com.sun.jna.NativeLibrary.getInstance("libc.so.6");
        mark("jna-libc");
        Class.forName("io.netkit.netlink.internal.LibC");
        mark("LibC");
        io.netkit.netlink.NetNamespace.current();
        mark("current");
        String p = "nkcsp-" + ProcessHandle.current().pid();
        try (var h = io.netkit.netlink.NetNamespace.create(p + "-host")) {
            mark("host-namespace");
            try (var net = io.netkit.core.Network.bridge("br0").on(io.netkit.core.Host.of(h)).subnet("172.31.0.0/24")
                    .create()) {
                mark("create");
                net.attach(p + "-c1");
                mark("attach");
            }
        } finally {
            if (io.netkit.netlink.NetNamespace.exists(p + "-c1")) io.netkit.netlink.NetNamespace.delete(p + "-c1");
            if (io.netkit.netlink.NetNamespace.exists(p + "-host")) io.netkit.netlink.NetNamespace.delete(p + "-host");
        }
        mark("close");
        System.out.println(OUT + "first-call " + firstCall);
        synchronized (HITS) {
            HITS.forEach((k, v) -> System.out.println("S " + v + " " + k));
        }
    }

    /** Appends "name wall | cpu:name cpu |" (ms); all but the host namespace and close count as the first call. */
    private static void mark(String name) {
        long c = threadCpu();
        long n = System.nanoTime();
        double ms = (n - wall) / 100_000 / 10.0;
        OUT.append(name).append(' ').append(ms).append(" | cpu:").append(name).append(' ')
                .append((c - cpu) / 100_000 / 10.0).append(" | ");
        if (!name.equals("host-namespace") && !name.equals("close")) firstCall += ms;
        phase = name.equals("host-namespace") ? "create" : name.equals("create") ? "attach" : "after-" + name;
        wall = n;
        cpu = c;
    }

    private static long threadCpu() {
        try (RandomAccessFile f = new RandomAccessFile("/proc/thread-self/schedstat", "r")) {
            String l = f.readLine();
            return Long.parseLong(l.substring(0, l.indexOf(' ')));
        } catch (Exception e) {
            return 0;
        }
    }

    private static void sampler(Thread main, String phases) {
        if (phases == null) return;
        Thread s = new Thread(() -> {
            while (true) {
                String ph = phase;
                if (phases.contains(ph)) {
                    StackTraceElement[] st = main.getStackTrace();
                    java.util.Set<String> seen = new java.util.HashSet<>();
                    synchronized (HITS) {
                        HITS.merge(ph + " | TOTAL", 1, Integer::sum);
                        if (st.length > 0) HITS.merge(ph + " | LEAF " + st[0].getClassName() + "." + st[0].getMethodName(), 1, Integer::sum);
                        // the innermost netkit frame and why it is slow: a class initialiser or a method-handle
                        // linkage (invokedynamic: lambdas, records' methods, string concatenation) above it
                        String why = "code";
                        for (StackTraceElement e : st) {
                            if (e.getClassName().startsWith("io.netkit")) {
                                HITS.merge(ph + " | OWN " + e.getClassName() + "." + e.getMethodName() + " " + why, 1, Integer::sum);
                                break;
                            }
                            if (e.getMethodName().equals("<clinit>") && why.equals("code")) why = "clinit " + e.getClassName();
                            if (e.getClassName().startsWith("java.lang.invoke") && why.equals("code")) why = "invoke";
                        }
                        for (StackTraceElement e : st) {
                            String k = e.getClassName() + "." + e.getMethodName();
                            if (e.getClassName().startsWith("io.netkit") && seen.add(k)) {
                                HITS.merge(ph + " | INCL " + k, 1, Integer::sum);
                            }
                        }
                    }
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "sampler");
        s.setDaemon(true);
        s.start();
    }
}
