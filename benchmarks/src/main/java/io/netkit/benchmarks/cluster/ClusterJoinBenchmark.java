package io.netkit.benchmarks.cluster;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.netkit.netlink.NetNamespace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A new host joins a cluster of {@code hosts} simulated hosts (netkit-cluster over a real etcd): the time from calling
 * {@code join()} until the first container of every other host reaches (TCP) the new host's first container. The
 * hosts are namespaces on an underlay bridge in a lab namespace; etcd and one JVM holding every member
 * ({@link ClusterBenchLab}, each member's etcd client in the lab, its data plane in its host) run inside the lab.
 * The lab JVM also prints the split: {@code join()} itself vs. the propagation after it returned (stdout of this
 * benchmark). There is no yardstick to run beside it here (flannel is not installed); the per-host programming cost
 * is {@code OverlayPeerBenchmark}'s, beside {@code ip}/{@code bridge}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class ClusterJoinBenchmark {
    @Param({"3", "10", "30"})
    public int hosts;

    BenchNamespaces spaces;
    WorkDir work;
    NetNamespace lab;
    Process etcd;
    Process cluster;
    BufferedReader out;
    OutputStream in;
    final List<String> splits = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        String labName = spaces.create("lab");
        Proc.run("ip", "-n", labName, "link", "set", "lo", "up");
        Proc.run("ip", "-n", labName, "link", "add", "ul0", "type", "bridge");
        Proc.run("ip", "-n", labName, "addr", "add", "192.168.50.254/24", "dev", "ul0");
        Proc.run("ip", "-n", labName, "link", "set", "ul0", "up");
        for (int k = 1; k <= hosts + 1; k++) {
            String h = spaces.create("h" + k);
            Proc.run("ip", "-n", labName, "link", "add", "ulh" + k, "type", "veth", "peer", "name", "eth0", "netns", h);
            Proc.run("ip", "-n", labName, "link", "set", "ulh" + k, "master", "ul0", "up");
            Proc.run("ip", "-n", h, "addr", "add", "192.168.50." + k + "/24", "dev", "eth0");
            Proc.run("ip", "-n", h, "link", "set", "eth0", "up");
            Proc.run("ip", "-n", h, "link", "set", "lo", "up");
        }
        lab = NetNamespace.open(labName);
        String url = "http://192.168.50.254:2379";
        Path data = work.writeString("etcd.keep", "").getParent().resolve("etcd");
        etcd = lab.start(new ProcessBuilder("etcd", "--name", "lab", "--data-dir", data.toString(),
                "--listen-client-urls", url, "--advertise-client-urls", url, "--listen-peer-urls", "http://127.0.0.1:23800",
                "--initial-advertise-peer-urls", "http://127.0.0.1:23800", "--initial-cluster", "lab=http://127.0.0.1:23800",
                "--logger", "zap", "--log-level", "error").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lab.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("192.168.50.254", 2379), 300);
                return true;
            } catch (IOException e) {
                return false;
            }
        })) {
            if (System.nanoTime() > end || !etcd.isAlive()) {
                throw new IllegalStateException("etcd did not start in the lab namespace");
            }
            Thread.sleep(100);
        }
        cluster = lab.start(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), ClusterBenchLab.class.getName(), url,
                spaces.runId(), Integer.toString(hosts)).redirectError(ProcessBuilder.Redirect.DISCARD));
        out = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8));
        in = cluster.getOutputStream();
        expect("READY");
    }

    private String expect(String prefix) {
        try {
            String l = out.readLine();
            if (l == null || !l.startsWith(prefix)) {
                throw new IllegalStateException("cluster lab JVM said \"" + l + "\", expected " + prefix);
            }
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void send(String line) {
        try {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** join() of host N+1, its first container attached, until every other host's container connects to it. */
    @Benchmark
    public void joinUntilReachableFromEveryHost() {
        send("join " + (hosts + 1));
        splits.add(expect("REACHED"));
    }

    @TearDown(Level.Iteration)
    public void leave() {
        send("leave " + (hosts + 1));
        expect("LEFT");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        System.out.println("\n[cluster join] hosts=" + hosts + " REACHED JOIN_MS PROPAGATION_MS per iteration: " + splits);
        if (cluster != null) {
            in.close();
            if (!cluster.waitFor(60, TimeUnit.SECONDS)) {
                cluster.destroyForcibly();
            }
        }
        if (etcd != null) {
            etcd.destroyForcibly();
            etcd.waitFor(20, TimeUnit.SECONDS);
        }
        if (lab != null) {
            lab.close();
        }
        spaces.close();
        work.close();
    }
}
