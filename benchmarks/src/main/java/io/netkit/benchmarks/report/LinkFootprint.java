package io.netkit.benchmarks.report;

import io.netkit.benchmarks.netlink.codec.CodecBenchmark;
import io.netkit.netlink.Link;
import org.openjdk.jol.info.GraphLayout;

/**
 * How many bytes of objects a decoded {@link Link} owns: the objects reachable from the Link returned by one decode of
 * the benchmark's dump message that are not also reachable from the Link of a second decode (interned kind strings,
 * enum constants, {@code RawAttributes.EMPTY} and the like are shared, not allocated per decode). Measured with JOL
 * in the report's JVM (default flags, as the benchmark forks). "Decoding allocates only the Link it returns" holds
 * when JMH's {@code gc.alloc.rate.norm} for {@code decodeLink} equals this number.
 */
final class LinkFootprint {
    private LinkFootprint() {}

    /** Bytes owned by one decoded Link, or -1 if it cannot be measured here. */
    static long bytes() {
        // Records' field offsets are not available through Unsafe; let JOL find them by probing.
        System.setProperty("jol.magicFieldOffset", System.getProperty("jol.magicFieldOffset", "true"));
        try {
            CodecBenchmark b = new CodecBenchmark();
            b.setUp();
            Link first = b.decodeLink();
            Link second = b.decodeLink();
            return GraphLayout.parseInstance(first).subtract(GraphLayout.parseInstance(second)).totalSize();
        } catch (RuntimeException | LinkageError e) {
            System.err.println("report: cannot measure the Link footprint: " + e);
            return -1;
        }
    }
}
