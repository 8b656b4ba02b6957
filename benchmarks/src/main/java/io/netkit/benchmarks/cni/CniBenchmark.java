package io.netkit.benchmarks.cni;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.cni.CniDaemon;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * CNI ADD and DEL as the reference client library measures them, end to end: a long-running libcni client (Go,
 * {@code src/main/go/cnibench}, built from Debian's golang-github-appc-cni-dev) runs inside the bench host namespace
 * ({@code ip netns exec HOST}) and calls {@code AddNetworkList}/{@code DelNetworkList}, which fork/exec the plugin
 * each time. The same configuration ({@code isGateway}, {@code ipMasq}, host-local subnet 10.123.0.0/16) with
 * {@code "type": "netkit"} (the thin client {@code netkit-cni/target/netkit} and a warm daemon in this JVM), with
 * {@code "type": "bridge"} (the reference bridge + host-local from /usr/lib/cni) and with {@code "type": "cnifloor"}
 * ({@code src/main/c/cnifloor.c}: a static plugin that does no network work, the floor no plugin can go below).
 * {@code *Ports*}: one port mapping per container in the runtime configuration ({@code portMappings} capability),
 * published by netkit itself or by the reference {@code portmap} plugin chained after {@code bridge} (the issue's
 * yardstick: bridge + host-local + portmap). Each JMH call is one round trip to the Go client (a pipe write and read,
 * ~0.1 ms, paid by all).
 *
 * <p>{@code *Add}: one ADD per iteration (containers accumulate); {@code *Del}: one DEL per iteration after an untimed
 * ADD; {@code *Add100ThenDel100}: 100 ADDs then 100 DELs, total; {@code netkitColdAdd}/{@code netkitColdDel}: no
 * daemon, so the client runs {@code java -jar netkit-cni.jar} in-process (a JVM start per call). Before each measured
 * call the benchmark waits 100 ms (untimed) so deferred kernel work of the previous iteration does not land in it.
 * The contender is chosen by the method name's prefix ({@code netkit}, {@code reference}, {@code floor}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 15)
@Measurement(iterations = 25)
@Fork(1)
@State(Scope.Benchmark)
public class CniBenchmark {
    static final int SETTLE_MS = Integer.getInteger("nkb.settleMs", 100);
    static final int BATCH = 100;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    CniDaemon daemon;
    Process client;
    Writer toClient;
    BufferedReader fromClient;
    boolean del;
    boolean batch;
    boolean ports;
    /** One host port per container (containers accumulate in *Add), 20000 upwards. */
    final Map<String, Integer> hostPorts = new HashMap<>();
    int iteration;
    final List<String> containers = new ArrayList<>();

    /** The repository root: where {@code netkit-cni/target/netkit} is (run.sh runs from there; or -Dnkb.root). */
    static Path root() {
        Path p = Path.of(System.getProperty("nkb.root", ".")).toAbsolutePath().normalize();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.isExecutable(q.resolve("netkit-cni/target/netkit"))) {
                return q;
            }
        }
        throw new IllegalStateException("netkit-cni/target/netkit not found above " + p
                + ": build it (mvn -pl benchmarks -am package -DskipTests) and run from the repository root");
    }

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws Exception {
        // The method's own name: the package name (io.netkit...) must not decide the contender.
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        boolean netkit = method.startsWith("netkit");
        boolean floor = method.startsWith("floor");
        boolean cold = method.contains("Cold");
        ports = method.contains("Ports");
        del = method.endsWith("Del");
        batch = method.endsWith("Del100");
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        Path repo = root();
        Path exe = buildGo(repo);
        Path bin = Files.createDirectories(work.writeString("x", "").getParent().resolve("bin"));
        Files.copy(repo.resolve("netkit-cni/target/netkit"), bin.resolve("netkit"));
        Files.copy(buildFloor(repo), bin.resolve("cnifloor"));
        Path conf = work.writeString("bench.conflist", conflist(floor ? "cnifloor" : netkit ? "netkit" : "bridge",
                netkit, ports, bin.getParent().resolve("ipam")));
        Path sock = bin.getParent().resolve("run/cni.sock");
        if (netkit && !cold) {
            daemon = CniDaemon.start(sock);
        }
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", host, exe.toString(), conf.toString(),
                Files.createDirectories(bin.getParent().resolve("cache")).toString(), bin + ":/usr/lib/cni");
        pb.environment().put("NETKIT_CNI_SOCKET", sock.toString());
        pb.environment().put("NETKIT_CNI_JAR", repo.resolve("netkit-cni/target/netkit-cni.jar").toString());
        pb.environment().put("NETKIT_CNI_LOG", bin.getParent().resolve("netkit-cni.log").toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        client = pb.start();
        toClient = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);
        fromClient = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * The conflist: one plugin of {@code type} with the reference bridge plugin's keys; with {@code ports}, one port
     * mapping per container in the runtime configuration, handled by netkit itself (the portMappings capability) or,
     * for the reference, by the {@code portmap} plugin chained after {@code bridge} — the same job.
     */
    static String conflist(String type, boolean netkit, boolean ports, Path ipamDir) {
        String main = """
                {"type": "%s", "bridge": "nkbcni0", "isGateway": true, "ipMasq": true,%s
                   "ipam": {"type": "host-local", "subnet": "10.123.0.0/16", "dataDir": "%s"}}"""
                .formatted(type, ports && netkit ? " \"capabilities\": {\"portMappings\": true}," : "", ipamDir);
        String chained = ports && !netkit ? ",\n  {\"type\": \"portmap\", \"capabilities\": {\"portMappings\": true}, \"snat\": true}" : "";
        return "{\"cniVersion\": \"1.0.0\", \"name\": \"bench\", \"plugins\": [\n  " + main + chained + "]}\n";
    }

    /** Builds the Go client into {@code benchmarks/target/cnibench} (cache in {@code benchmarks/target/gocache}), once. */
    private static Path buildGo(Path repo) throws IOException, InterruptedException {
        Path src = repo.resolve("benchmarks/src/main/go/cnibench");
        Path out = repo.resolve("benchmarks/target/cnibench");
        if (Files.isExecutable(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src.resolve("main.go"))) > 0) {
            return out;
        }
        ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", out.toString(), ".").directory(src.toFile())
                .redirectErrorStream(true);
        pb.environment().put("GOPATH", "/usr/share/gocode");
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOCACHE", repo.resolve("benchmarks/target/gocache").toString());
        Process p = pb.start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("go build of cnibench failed (apt-get install golang-go golang-github-appc-cni-dev): " + log);
        }
        return out;
    }

    /** Builds the floor plugin ({@code src/main/c/cnifloor.c}, static) into {@code benchmarks/target/cnifloor}, once. */
    private static Path buildFloor(Path repo) throws IOException, InterruptedException {
        Path src = repo.resolve("benchmarks/src/main/c/cnifloor.c");
        Path out = repo.resolve("benchmarks/target/cnifloor");
        if (Files.isExecutable(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) > 0) {
            return out;
        }
        Process p = new ProcessBuilder("gcc", "-O2", "-static", "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("gcc -static of cnifloor.c failed (apt-get install gcc libc6-dev): " + log);
        }
        return out;
    }

    private void call(String cmd, String container) {
        try {
            Integer port = hostPorts.computeIfAbsent(container, c -> 20000 + hostPorts.size());
            toClient.write(cmd + " " + container + " /run/netns/" + container + (ports ? " " + port : "") + "\n");
            toClient.flush();
            String answer = fromClient.readLine();
            if (!"ok".equals(answer)) {
                throw new IllegalStateException(cmd + " " + container + ": " + answer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Setup(Level.Iteration)
    public void prepare() throws InterruptedException {
        iteration++;
        containers.clear();
        int n = batch ? BATCH : 1;
        for (int i = 0; i < n; i++) {
            containers.add(spaces.create("i" + iteration + "c" + i));
        }
        if (del) {
            call("add", containers.get(0));
        }
        Thread.sleep(SETTLE_MS);
    }

    @TearDown(Level.Iteration)
    public void cleanIteration() {
        if (batch || del) {
            for (String c : containers) {
                spaces.delete(c);
            }
        }
    }

    /** netkit (warm daemon): one ADD through libcni. */
    @Benchmark
    public void netkitAdd() {
        call("add", containers.get(0));
    }

    /** Yardstick: reference bridge + host-local, one ADD through libcni. */
    @Benchmark
    public void referenceAdd() {
        call("add", containers.get(0));
    }

    /** netkit (warm daemon): one DEL through libcni. */
    @Benchmark
    public void netkitDel() {
        call("del", containers.get(0));
    }

    /** Yardstick: reference bridge + host-local, one DEL through libcni. */
    @Benchmark
    public void referenceDel() {
        call("del", containers.get(0));
    }

    /** netkit (warm daemon): 100 ADDs then 100 DELs. */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public void netkitAdd100ThenDel100() {
        containers.forEach(c -> call("add", c));
        containers.forEach(c -> call("del", c));
    }

    /** Yardstick: reference bridge + host-local, 100 ADDs then 100 DELs. */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 5)
    public void referenceAdd100ThenDel100() {
        containers.forEach(c -> call("add", c));
        containers.forEach(c -> call("del", c));
    }

    /** Floor: libcni calling a trivial static plugin (cnifloor.c) with the same conflist shape: one ADD. */
    @Benchmark
    public void floorAdd() {
        call("add", containers.get(0));
    }

    /** Floor: libcni calling the trivial plugin, one DEL. */
    @Benchmark
    public void floorDel() {
        call("del", containers.get(0));
    }

    /** netkit (warm daemon), one port mapping in the runtime configuration (netkit publishes it): one ADD. */
    @Benchmark
    public void netkitPortsAdd() {
        call("add", containers.get(0));
    }

    /** Yardstick: bridge + host-local, then the portmap plugin for the same port mapping: one ADD. */
    @Benchmark
    public void referencePortsAdd() {
        call("add", containers.get(0));
    }

    /** netkit (warm daemon) with one port mapping: one DEL. */
    @Benchmark
    public void netkitPortsDel() {
        call("del", containers.get(0));
    }

    /** Yardstick: portmap then bridge + host-local (libcni deletes in reverse order): one DEL. */
    @Benchmark
    public void referencePortsDel() {
        call("del", containers.get(0));
    }

    /** netkit (warm daemon) with one port mapping per container: 100 ADDs then 100 DELs. */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public void netkitPortsAdd100ThenDel100() {
        containers.forEach(c -> call("add", c));
        containers.forEach(c -> call("del", c));
    }

    /** Yardstick: bridge + host-local + portmap, one port mapping per container: 100 ADDs then 100 DELs. */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 3)
    public void referencePortsAdd100ThenDel100() {
        containers.forEach(c -> call("add", c));
        containers.forEach(c -> call("del", c));
    }

    /** netkit without a daemon: the client runs java -jar netkit-cni.jar per call (cold start). */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 8)
    public void netkitColdAdd() {
        call("add", containers.get(0));
    }

    /** netkit without a daemon: one DEL, java -jar per call. */
    @Benchmark
    @Warmup(iterations = 2)
    @Measurement(iterations = 8)
    public void netkitColdDel() {
        call("del", containers.get(0));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (client != null) {
            toClient.close();
            client.waitFor(10, TimeUnit.SECONDS);
            client.destroyForcibly();
        }
        if (daemon != null) {
            daemon.close();
        }
        spaces.close();
        work.close();
    }
}
