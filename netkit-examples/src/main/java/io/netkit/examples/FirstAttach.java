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
 *   first-attach: host namespace 21.4 ms, create 48.0 ms, attach 30.2 ms, close 12.0 ms (create + attach 78.2 ms)
 * </pre>
 *
 * The "host" is a namespace of its own ({@code nkfa-PID-host}, as {@code ip netns add} makes), never the machine's
 * network; the container is {@code nkfa-PID-c1}. Both are gone when the program ends, also when a step failed.
 * In {@code ip} terms: {@code ip netns add nkfa-PID-host}, then what {@code Network.bridge("br0").subnet(..)
 * .create()} and {@code attach} do (bridge, veth, addresses, routes), then {@code ip netns del} of both.
 */
public final class FirstAttach {
    private FirstAttach() {}

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        String prefix = "nkfa-" + ProcessHandle.current().pid();
        long tHost, tCreate, tAttach;
        try (NetNamespace hostNs = NetNamespace.create(prefix + "-host")) {
            tHost = System.nanoTime();
            try (Network net = Network.bridge("br0").on(Host.of(hostNs)).subnet("172.31.0.0/24").create()) {
                tCreate = System.nanoTime();
                Endpoint c1 = net.attach(prefix + "-c1");
                tAttach = System.nanoTime();
                if (c1.address() == null) throw new IllegalStateException("attached without an address");
            }
        } finally {
            if (NetNamespace.exists(prefix + "-host")) NetNamespace.delete(prefix + "-host");
        }
        long tClose = System.nanoTime();
        System.out.printf("first-attach: host namespace %.1f ms, create %.1f ms, attach %.1f ms, close %.1f ms"
                        + " (create + attach %.1f ms)%n", ms(tHost - t0), ms(tCreate - tHost), ms(tAttach - tCreate),
                ms(tClose - tAttach), ms(tAttach - tHost));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
