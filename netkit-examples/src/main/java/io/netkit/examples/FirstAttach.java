package io.netkit.examples;

import io.netkit.core.Endpoint;
import io.netkit.core.Host;
import io.netkit.core.Network;
import io.netkit.netlink.NetNamespace;

/**
 * The smallest whole program: a fresh JVM's first {@code Network.create()} and first attach, then close. The
 * cold-start benchmark ({@code benchmarks/.../ColdStartBenchmark}) runs it as a process, with and without the
 * class-data-sharing archive:
 *
 * <pre>
 *   java -cp netkit-examples/target/netkit-examples.jar io.netkit.examples.FirstAttach
 *   first-attach: CPU before main 60.0 ms; native layer 330.0 ms, host namespace 134.5 ms, create 186.4 ms,
 *       attach 66.3 ms, close 59.5 ms (create + attach 252.7 ms); CPU time of the process (all threads, JIT
 *       compilers included): 170.0, 20.0, 140.0, 40.0, 40.0 ms; CPU by thread: main 260.0 ms, JIT compilers
 *       160.0 ms, other live 0.0 ms, ended threads 70.0 ms
 * </pre>
 *
 * With the argument {@code native} it only loads netkit's native layer ({@code NetNamespace.current()}: slf4j, JNA,
 * libc) and exits: the floor under any netkit program's first call.
 *
 * Phases: the native layer (JNA, its native part, libc's functions: {@code NetNamespace.current()}), the host
 * namespace, {@code create()}, the first attach, close. CPU time is the whole process's at 10 ms resolution.
 *
 * The "host" is a namespace of its own ({@code nkfa-PID-host}, as {@code ip netns add} makes), never the machine's
 * network; the container is {@code nkfa-PID-c1}. Both are gone when the program ends, also when a step failed.
 * In {@code ip} terms: {@code ip netns add nkfa-PID-host}, then what {@code Network.bridge("br0").subnet(..)
 * .create()} and {@code attach} do (bridge, veth, addresses, routes), then {@code ip netns del} of both.
 */
public final class FirstAttach {
    private FirstAttach() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("native")) {
            // the floor of any netkit program: the JVM, slf4j's binding, JNA and libc, one namespace call
            long t0 = System.nanoTime();
            NetNamespace.current();
            System.out.println("native-only: native layer " + ms(System.nanoTime() - t0) + " ms");
            return;
        }
        long cpuAtMain = cpu();   // the JVM's own start (CPU; its wall time is the yardstick java -version's)
        String line = run("nkfa-" + pid());
        System.out.println("first-attach: CPU before main " + ms(cpuAtMain) + " ms; " + line + "; " + threads());
    }

    /** Runs the program with namespaces named {@code prefix-host} and {@code prefix-c1}; returns the timing line. */
    static String run(String prefix) {
        long t0 = System.nanoTime();
        long c0 = cpu();
        NetNamespace.current();   // loads netkit's native layer: JNA, its native part, libc's functions
        long tNative = System.nanoTime();
        long cNative = cpu();
        long tHost, tCreate, tAttach, cHost, cCreate, cAttach;
        try (NetNamespace hostNs = NetNamespace.create(prefix + "-host")) {
            tHost = System.nanoTime();
            cHost = cpu();
            try (Network net = Network.bridge("br0").on(Host.of(hostNs)).subnet("172.31.0.0/24").create()) {
                tCreate = System.nanoTime();
                cCreate = cpu();
                Endpoint c1 = net.attach(prefix + "-c1");
                tAttach = System.nanoTime();
                cAttach = cpu();
                if (c1.address() == null) throw new IllegalStateException("attached without an address");
            }
        } finally {
            if (NetNamespace.exists(prefix + "-c1")) NetNamespace.delete(prefix + "-c1");
            if (NetNamespace.exists(prefix + "-host")) NetNamespace.delete(prefix + "-host");
        }
        long tClose = System.nanoTime();
        long cClose = cpu();
        // String concatenation, not String.format: the Formatter's classes would add to every run's start-up
        return "native layer " + ms(tNative - t0) + " ms, host namespace " + ms(tHost - tNative) + " ms, create "
                + ms(tCreate - tHost) + " ms, attach " + ms(tAttach - tCreate) + " ms, close " + ms(tClose - tAttach)
                + " ms (create + attach " + ms(tAttach - tHost) + " ms); CPU time of the process (all threads,"
                + " JIT compilers included): " + ms(cNative - c0) + ", " + ms(cHost - cNative) + ", "
                + ms(cCreate - cHost) + ", " + ms(cAttach - cCreate) + ", " + ms(cClose - cAttach) + " ms";
    }

    /**
     * CPU time so far by kind of thread (from /proc/self/task/N/stat): the main thread, the JIT compilers, the
     * others still alive (GC, netkit's), and threads that have ended (the rest of the process's total).
     */
    private static String threads() {
        long main = 0;
        long jit = 0;
        long other = 0;
        String self = "/proc/self/task/" + pid();   // not main: the launcher's thread
        try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks =
                     java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks) {
                String comm;
                long c;
                try {
                    comm = java.nio.file.Files.readString(t.resolve("comm")).strip();
                    c = ticks(java.nio.file.Files.readString(t.resolve("stat")));
                } catch (java.io.IOException ended) {
                    continue;   // the thread ended meanwhile: counted as ended below
                }
                if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) jit += c;
                else if (comm.equals("java") && !t.toString().equals(self)) main += c;
                else other += c;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return "threads: " + e;
        }
        long ended = cpu() - main - jit - other;
        return "CPU by thread: main " + ms(main) + " ms, JIT compilers " + ms(jit) + " ms, other live " + ms(other)
                + " ms, ended threads " + ms(Math.max(0, ended)) + " ms";
    }

    /** utime + stime of a {@code stat} line, in nanoseconds (USER_HZ 100). */
    private static long ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }

    /**
     * CPU time of this process so far, every thread (from /proc/self/stat), in nanoseconds. Read by hand, as
     * {@link #pid()}: {@code ProcessHandle}'s info and a method reference would link the JVM's first lambda and set
     * up the process reaper before the clock starts (~15 ms), which the measured first call would then not pay.
     */
    private static long cpu() {
        try {
            return ticks(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat")));
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** This process's id, from the {@code /proc/self} link. */
    private static String pid() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String ms(long nanos) {
        long tenths = Math.round(nanos / 1e5);
        return tenths / 10 + "." + tenths % 10;
    }
}
