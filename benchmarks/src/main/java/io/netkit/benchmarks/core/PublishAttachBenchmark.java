package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.core.Endpoint;
import io.netkit.core.EndpointSpec;
import io.netkit.core.FirewallBackend;
import io.netkit.core.Host;
import io.netkit.core.Network;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Published ports through each firewall backend ({@code backend} = IPTABLES: {@code iptables-restore} processes;
 * NFTABLES: native {@code table inet netkit}, one nfnetlink transaction), on a masquerading network in a bench host
 * namespace, one operation per iteration (median of 40 after 15 warm-up iterations, 100 ms untimed pause before
 * each):
 * <ul>
 *   <li>{@code attachPublished}: {@code network.attach(EndpointSpec.create(C).publish(HOSTPORT, 80))}, the whole
 *       attach including the network's rules re-applied with the new mapping ({@code docker run -p});</li>
 *   <li>{@code publish}: {@code endpoint.publish(HOSTPORT, 80)} on an endpoint attached untimed: the firewall part
 *       (the endpoint's record rewritten, the rules re-applied from the records) on its own;</li>
 *   <li>{@code attachPlain}: an attach without mappings on a network that never published (no firewall work): the
 *       yardstick of {@link AttachBenchmark}'s {@code netkitAttach}, in the same run.</li>
 * </ul>
 * Each trial first runs {@value #WARM_CYCLES} untimed attach-with-mapping/detach cycles (JIT warm, as
 * {@link AttachBenchmark} does), then attaches {@code endpoints} more (each with a port) that stay. Endpoints
 * accumulate over the iterations too (up to {@code endpoints} + 55).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 15)
@Measurement(iterations = 40)
@Fork(1)
@State(Scope.Benchmark)
public class PublishAttachBenchmark {
    static final int WARM_CYCLES = Integer.getInteger("nkb.publishWarmCycles", 200);

    @Param({"NFTABLES", "IPTABLES"})
    public String backend;

    /** Endpoints attached (with a published port each, except for attachPlain) after the warm-up, before measuring. */
    @Param({"0"})
    public int endpoints;

    BenchNamespaces spaces;
    Host host;
    Network network;
    String measured;
    int iteration;
    String container;
    Endpoint endpoint;

    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        spaces = new BenchNamespaces();
        host = Host.namespace(spaces.create("host")).firewall(FirewallBackend.valueOf(backend));
        measured = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        Network.Builder b = Network.bridge(IpSteps.BRIDGE).on(host).subnet("172.16.0.0" + IpSteps.SUBNET_BITS);
        network = (measured.equals("attachPlain") ? b : b.masquerade()).create();
        for (int i = 0; i < WARM_CYCLES; i++) {
            EndpointSpec spec = EndpointSpec.create(spaces.name("w" + i));
            network.detach(network.attach(measured.equals("attachPlain") ? spec : spec.publish(20000 + i, 80)));
        }
        for (int i = 0; i < endpoints; i++) {
            EndpointSpec spec = EndpointSpec.create(spaces.name("e" + i));
            network.attach(measured.equals("attachPlain") ? spec : spec.publish(30000 + i, 80));
        }
        pause(2000);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Setup(Level.Iteration)
    public void prepare() {
        iteration++;
        container = spaces.name("c" + iteration);
        if (measured.equals("publish")) {
            endpoint = network.attach(container);
        }
        pause(AttachBenchmark.SETTLE_MS);
    }

    /** The whole attach of a container with one published port. */
    @Benchmark
    public Endpoint attachPublished() {
        return network.attach(EndpointSpec.create(container).publish(10000 + iteration, 80));
    }

    /** One more published port on an attached endpoint: the firewall part of a publishing attach. */
    @Benchmark
    public Object publish() {
        return endpoint.publish(10000 + iteration, 80);
    }

    /** Yardstick: the attach of {@link AttachBenchmark#netkitAttach} (no firewall work). */
    @Benchmark
    public Endpoint attachPlain() {
        return network.attach(container);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (network != null) {
            network.close();
        }
        if (host != null) {
            host.close();
        }
        spaces.close();
    }
}
