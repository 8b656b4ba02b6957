package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.core.Endpoint;
import io.netkit.core.Host;
import io.netkit.core.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * What the second family costs an attach: {@code netkitAttachIpv4} on an IPv4-only network
 * ({@code subnet("172.16.0.0/24")}) beside {@code netkitAttachDualStack} on a dual-stack one
 * ({@code subnet("172.16.0.0/24").subnet("fd00:16::/64")}: one more address with {@code nodad} and one more default
 * route in the same netlink batch, the IPv6 record field, the unsolicited neighbour advertisement after returning),
 * and beside the same dual-stack steps as {@code ip} commands run by one {@code sh} ({@code ipAttachDualStack}: the
 * 7 IPv4 steps of {@link IpSteps#attach} plus {@code sysctl accept_dad=0}, {@code ip -6 addr add ... nodad} and
 * {@code ip -6 route add default}). Same protocol as {@link AttachBenchmark}: attaches accumulate, 100 ms untimed
 * pause before each, netkit warmed up by {@value #WARM_CYCLES} untimed attach/detach cycles. No masquerade: neither
 * contender touches ip(6)tables. The goal of the issue: dual stack at most +30 % over IPv4-only.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 30)
@Measurement(iterations = 50)
@Fork(1)
@State(Scope.Benchmark)
public class DualStackAttachBenchmark {
    static final int SETTLE_MS = Integer.getInteger("nkb.settleMs", 100);
    static final int WARM_CYCLES = 300;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    boolean ip;
    int iteration;
    String container;
    Path attachScript;
    Host netkitHost;
    Network network;
    Endpoint endpoint;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        ip = params.getBenchmark().contains(".ip");
        if (ip) {
            List<String> bridge = new ArrayList<>(IpSteps.createBridge(host));
            bridge.add("ip -n " + host + " addr add fd00:16::1/64 dev " + IpSteps.BRIDGE + " nodad");
            Proc.run("sh", work.write("bridge.sh", AttachBenchmark.sh(bridge)).toString());
        } else {
            netkitHost = Host.namespace(host);
            Network.Builder b = Network.bridge(IpSteps.BRIDGE).on(netkitHost).subnet("172.16.0.0" + IpSteps.SUBNET_BITS);
            if (params.getBenchmark().endsWith("DualStack")) {
                b.subnet("fd00:16::/64");
            }
            network = b.create();
            for (int i = 0; i < WARM_CYCLES; i++) {
                network.detach(network.attach(spaces.name("w" + i)));
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Setup(Level.Iteration)
    public void prepare() throws InterruptedException {
        iteration++;
        container = spaces.name("c" + iteration);
        if (ip) {
            int hostByte = 2 + iteration % 250;
            List<String> steps = new ArrayList<>();
            steps.add("ip netns add " + container);
            steps.add("ip netns exec " + container + " sysctl -q -w net.ipv6.conf.default.accept_dad=0");
            List<String> v4 = IpSteps.attach(host, container, "nkbv" + iteration, hostByte);
            steps.addAll(v4.subList(1, v4.size()));
            steps.add("ip -n " + container + " -6 addr add fd00:16::" + Integer.toHexString(hostByte) + "/64 dev eth0 nodad");
            steps.add("ip -n " + container + " -6 route add default via fd00:16::1 dev eth0");
            attachScript = work.write("attach.sh", AttachBenchmark.sh(steps));
        }
        Thread.sleep(SETTLE_MS);
    }

    /** netkit on an IPv4-only network: {@code network.attach(name)}. */
    @Benchmark
    public Endpoint netkitAttachIpv4() {
        endpoint = network.attach(container);
        return endpoint;
    }

    /** netkit on a dual-stack network: {@code network.attach(name)} with one address and default route per family. */
    @Benchmark
    public Endpoint netkitAttachDualStack() {
        endpoint = network.attach(container);
        return endpoint;
    }

    /** Yardstick: the dual-stack attach as 10 {@code ip}/{@code sysctl} processes. */
    @Benchmark
    public void ipAttachDualStack() {
        Proc.run("sh", attachScript.toString());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (network != null) {
            network.close();
        }
        if (netkitHost != null) {
            netkitHost.close();
        }
        spaces.close();
        work.close();
    }
}
