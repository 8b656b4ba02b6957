package io.netkit.benchmarks.startup;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.NetNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A fresh {@code java} process, whole (exec to exit, wall time), with and without netkit's class-data-sharing
 * archives ({@code *.jsa}, made by the build: README "Faster start"), beside the JVM's own start in the same run:
 * <ul>
 *   <li>{@code javaVersion}: {@code java -version} with the JDK's default CDS archive (the yardstick: what any JVM
 *       start costs here); {@code javaVersionNoShare}: {@code java -Xshare:off -version}, what the default archive
 *       saves already;</li>
 *   <li>{@code firstAttach[Cds|CdsC1]}: {@code io.netkit.examples.FirstAttach}, the smallest program (a host
 *       namespace, {@code Network.create()}, one attach, close; its per-phase line is printed after each run);
 *       {@code CdsC1} adds {@code -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}, {@code CdsLean}
 *       {@code -XX:TieredStopAtLevel=1 -XX:-UsePerfData} (G1: on JDK 17 the serial collector costs more than it saves),
 *       {@code CdsShort} also {@code -XX:CompileThresholdScaling=3} (the CNI client's flags); {@code CdsNoWarmup}:
 *       without the background native load (A/B);</li>
 *   <li>{@code nativeOnlyCdsLean}: {@code FirstAttach native}, only netkit's native layer (slf4j, JNA, libc): the
 *       floor under any netkit program;</li>
 *   <li>{@code firstAttachAot[C1]}, {@code demoAot}: the same with JDK 25's AOT cache ({@code -XX:AOTCache=
 *       netkit-examples.aot}, which a build on JDK 25+ makes): run this benchmark on that JDK; they fail on JDK 17;</li>
 *   <li>{@code demo[Cds]}: the README's demo ({@code java -jar netkit-examples.jar}, nat, in its own sandbox
 *       {@code nkb-...-demo-*});</li>
 *   <li>{@code cniColdAdd[Cds]}: the CNI plugin without a daemon: the client {@code netkit-cni/target/netkit} runs
 *       {@code java -jar netkit-cni.jar} for one ADD, inside a bench host namespace (the DEL after each is untimed);
 *       without the archive it runs a copy of the jar that has none beside it.</li>
 * </ul>
 * Every process must exit 0. Run with {@code java -jar benchmarks/target/benchmarks.jar startup} (not part of
 * {@code run.sh}'s default set: it takes minutes). The p50 and p90 are in JMH's SingleShot percentiles.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 15)
@Fork(1)
@State(Scope.Benchmark)
public class ColdStartBenchmark {
    Path java;
    Path repo;
    BenchNamespaces spaces;
    WorkDir work;
    NetNamespace host;
    String container;
    Path plainCniJar;
    Path workDir;
    int demoRun;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        java = Path.of(System.getProperty("java.home"), "bin", "java");
        repo = root();
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = NetNamespace.open(spaces.create("host"));
        container = spaces.create("c1");
        workDir = work.writeString("x", "").getParent();
        Path dir = Files.createDirectories(workDir.resolve("plain"));
        plainCniJar = Files.copy(repo.resolve("netkit-cni/target/netkit-cni.jar"), dir.resolve("netkit-cni.jar"));
        for (String jsa : List.of("netkit-examples/target/netkit-examples.jsa", "netkit-cni/target/netkit-cni.jsa")) {
            if (!Files.isRegularFile(repo.resolve(jsa))) {
                throw new IllegalStateException(jsa + " is missing: build with mvn -pl benchmarks -am package -DskipTests"
                        + " (as root, without -Dnetkit.cds.skip)");
            }
        }
    }

    /** The repository root (run from there, or -Dnkb.root). */
    static Path root() {
        Path p = Path.of(System.getProperty("nkb.root", ".")).toAbsolutePath().normalize();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isRegularFile(q.resolve("netkit-examples/target/netkit-examples.jar"))) return q;
        }
        throw new IllegalStateException("netkit-examples/target/netkit-examples.jar not found above " + p);
    }

    @Benchmark
    public void javaVersion() {
        run(null, Map.of(), java.toString(), "-version");
    }

    @Benchmark
    public void javaVersionNoShare() {
        run(null, Map.of(), java.toString(), "-Xshare:off", "-version");
    }

    @Benchmark
    public void firstAttach() {
        run(null, Map.of(), java.toString(), "-cp", examplesJar(), "io.netkit.examples.FirstAttach");
    }

    @Benchmark
    public void firstAttachCds() {
        run(null, Map.of(), java.toString(), "-XX:SharedArchiveFile=" + examplesJsa(), "-cp", examplesJar(),
                "io.netkit.examples.FirstAttach");
    }

    /** With the flags for a short-lived JVM: C1 only (no C2 compiler threads) and the serial collector. */
    @Benchmark
    public void firstAttachCdsC1() {
        run(null, Map.of(), java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:SharedArchiveFile=" + examplesJsa(), "-cp", examplesJar(), "io.netkit.examples.FirstAttach");
    }

    /**
     * The flags for a short-lived JVM on JDK 17: C1 only and no hsperfdata file ({@code -XX:-UsePerfData}: no
     * {@code /tmp/hsperfdata_USER/PID} mmap at start, no jps/jstat view of it); the default G1 collector, because a
     * JDK 17 maps its default archive's heap objects only with G1 ({@code -XX:+UseSerialGC} costs ~35 ms CPU there).
     */
    @Benchmark
    public void firstAttachCdsLean() {
        run(null, Map.of(), java.toString(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-XX:SharedArchiveFile=" + examplesJsa(), "-cp", examplesJar(), "io.netkit.examples.FirstAttach");
    }

    /**
     * The lean flags and {@code -XX:CompileThresholdScaling=3} (what the CNI client passes): C1 compiles a method
     * after 3x the usual calls, so that a short program's two cores go to the program rather than to compiling code
     * that runs a few times only.
     */
    @Benchmark
    public void firstAttachCdsShort() {
        run(null, Map.of(), java.toString(), "-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=3",
                "-XX:-UsePerfData", "-XX:SharedArchiveFile=" + examplesJsa(), "-cp", examplesJar(),
                "io.netkit.examples.FirstAttach");
    }

    /** A/B for the background native load: {@code -Dnetkit.native.warmup=false} leaves it to the first call. */
    @Benchmark
    public void firstAttachCdsNoWarmup() {
        run(null, Map.of(), java.toString(), "-Dnetkit.native.warmup=false", "-XX:SharedArchiveFile=" + examplesJsa(),
                "-cp", examplesJar(), "io.netkit.examples.FirstAttach");
    }

    /**
     * The floor under any netkit program: the JVM, slf4j's binding, JNA and libc, and one namespace call
     * ({@code FirstAttach native}), with the archive and the lean flags.
     */
    @Benchmark
    public void nativeOnlyCdsLean() {
        run(null, Map.of(), java.toString(), "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                "-XX:SharedArchiveFile=" + examplesJsa(), "-cp", examplesJar(), "io.netkit.examples.FirstAttach",
                "native");
    }

    /** JDK 25+: the AOT cache (classes loaded and linked, JNA's proxies and lambda forms resolved) instead of a .jsa. */
    @Benchmark
    public void firstAttachAot() {
        run(null, Map.of(), java.toString(), "-XX:AOTCache=" + examplesAot(), "-cp", examplesJar(),
                "io.netkit.examples.FirstAttach");
    }

    /** The AOT cache with the flags for a short-lived JVM (the cache was recorded without them: still used). */
    @Benchmark
    public void firstAttachAotC1() {
        run(null, Map.of(), java.toString(), "-XX:TieredStopAtLevel=1", "-XX:AOTCache=" + examplesAot(), "-cp",
                examplesJar(), "io.netkit.examples.FirstAttach");
    }

    @Benchmark
    @Measurement(iterations = 10)
    public void demoAot() {
        run(null, Map.of(), java.toString(), "-XX:AOTCache=" + examplesAot(), "-jar", examplesJar(),
                "--prefix", spaces.name("d" + demoRun++));
    }

    @Benchmark
    @Measurement(iterations = 10)
    public void demo() {
        run(null, Map.of(), java.toString(), "-jar", examplesJar(), "--prefix", spaces.name("d" + demoRun++));
    }

    @Benchmark
    @Measurement(iterations = 10)
    public void demoCds() {
        run(null, Map.of(), java.toString(), "-XX:SharedArchiveFile=" + examplesJsa(), "-jar", examplesJar(),
                "--prefix", spaces.name("d" + demoRun++));
    }

    @Benchmark
    public void cniColdAdd() {
        cni("ADD", plainCniJar);
    }

    @Benchmark
    public void cniColdAddCds() {
        cni("ADD", repo.resolve("netkit-cni/target/netkit-cni.jar"));
    }

    /** The container leaves again after each measured ADD (untimed, also without a daemon). */
    @TearDown(Level.Iteration)
    public void delAfterAdd(org.openjdk.jmh.infra.BenchmarkParams params) {
        if (params.getBenchmark().contains("cniColdAdd")) cni("DEL", plainCniJar);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        host.close();
        spaces.close();
        work.close();
    }

    private String examplesJar() {
        return repo.resolve("netkit-examples/target/netkit-examples.jar").toString();
    }

    private String examplesJsa() {
        return repo.resolve("netkit-examples/target/netkit-examples.jsa").toString();
    }

    /** netkit-examples.aot (a Maven build on JDK 25+ makes it); fails clearly without it. */
    private String examplesAot() {
        Path aot = repo.resolve("netkit-examples/target/netkit-examples.aot");
        if (!Files.isRegularFile(aot) || Runtime.version().feature() < 25) {
            throw new IllegalStateException(aot + " needs JDK 25+: build with Maven on JDK 25 (as root) and run this"
                    + " benchmark on that JDK (this one is " + Runtime.version() + ")");
        }
        return aot.toString();
    }

    private void cni(String command, Path jar) {
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"nkbcold\",\"type\":\"netkit\",\"bridge\":\"nkbcold0\","
                + "\"isGateway\":true,\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.124.0.0/24\"}}";
        Map<String, String> env = Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "nkbcold", "CNI_NETNS",
                "/run/netns/" + container, "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin",
                "NETKIT_CNI_SOCKET", workDir.resolve("no-daemon.sock").toString(),
                "NETKIT_CNI_JAR", jar.toString(), "NETKIT_JAVA", java.toString(),
                "NETKIT_CNI_LOG", workDir.resolve("cni.log").toString());
        run(conf, env, repo.resolve("netkit-cni/target/netkit").toString());
    }

    /**
     * Runs argv to its end (in the bench host namespace when it has stdin: the CNI client); throws unless exit 0.
     * {@code FirstAttach}'s per-phase line (native layer, host namespace, create, attach, close; wall and CPU; CPU by
     * thread) is printed after each run.
     */
    private void run(String stdin, Map<String, String> env, String... argv) {
        Path out = workDir.resolve("stdout");
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(argv)))
                .redirectOutput(ProcessBuilder.Redirect.to(out.toFile()));
        pb.environment().putAll(env);
        try {
            Process p = stdin == null ? pb.start() : host.start(pb);
            try (var in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException(String.join(" ", argv) + " exited " + rc + ": " + err.strip());
            }
            for (String line : Files.readAllLines(out)) {
                if (line.startsWith("first-attach:") || line.startsWith("native-only:")) System.out.println(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
