package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kernel notifications through {@link RtWatch}, checked against what {@code ip} does and shows: kernel order, a
 * consistent start, overrun resync with a tiny receive buffer under a burst of thousands of link changes, several
 * topics on one watch, a throwing listener, and close.
 */
@Privileged
class WatchKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    /** Collects events; a thread-safe queue the test polls. */
    private static final class Recorder implements RtListener {
        final BlockingQueue<RtEvent> events = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(RtEvent e) {
            events.add(e);
        }

        /** The next event matching {@code p} within 10 s (skipping others), or an assertion failure. */
        <T extends RtEvent> T next(Class<T> type, Predicate<T> p) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end) {
                RtEvent e = events.poll(100, TimeUnit.MILLISECONDS);
                if (type.isInstance(e) && p.test(type.cast(e))) {
                    return type.cast(e);
                }
            }
            throw new AssertionError("no " + type.getSimpleName() + " as expected within 10 s");
        }
    }

    @Test
    void linkEventsArriveTypedAndInKernelOrderAfterTheSnapshot() throws Exception {
        NetNamespace ns = namespaces.create("w1");
        String n = namespaces.name("w1");
        Recorder r = new Recorder();
        try (RtWatch w = ns.netlink().links().watch(r)) {
            RtEvent.Snapshot s = r.next(RtEvent.Snapshot.class, x -> true);
            assertThat(s.state().links()).extracting(Link::name).containsExactly("lo");
            Cmd.run("ip", "-n", n, "link", "add", "wa", "type", "veth", "peer", "name", "wb");
            Cmd.run("ip", "-n", n, "link", "set", "wa", "mtu", "1400");
            Cmd.run("ip", "-n", n, "link", "del", "wa");
            List<String> seen = new ArrayList<>();
            while (seen.size() < 6) {
                RtEvent.LinkEvent e = r.next(RtEvent.LinkEvent.class, x -> x.link().name().startsWith("w"));
                String line = e.change() + " " + e.link().name() + (e.link().name().equals("wa") ? " " + e.link().mtu() : "");
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(line)) {
                    seen.add(line);
                }
                if (e.change() == RtEvent.Change.DELETED && seen.stream().filter(x -> x.startsWith("DELETED")).count() == 2) {
                    break;
                }
            }
            // ip monitor link shows the same story: both ends appear, wa's mtu changes, both are deleted
            assertThat(seen).contains("NEW wa 1500", "NEW wb", "CHANGED wa 1400");
            assertThat(seen.indexOf("NEW wa 1500")).isLessThan(seen.indexOf("CHANGED wa 1400"));
            assertThat(seen.subList(seen.size() - 2, seen.size())).containsExactlyInAnyOrder("DELETED wa 1400", "DELETED wb");
            assertThat(w.overruns()).isZero();
        }
    }

    @Test
    void burstOfThousandsOfChangesWithATinyBufferResyncsAndEndsEqualToIpLink() throws Exception {
        NetNamespace ns = namespaces.create("w2");
        String n = namespaces.name("w2");
        // 300 veth pairs made, changed (mtu, up, alias) and half of them deleted: about 3000 RTM_*LINK notifications
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            batch.append("link add a").append(i).append(" type veth peer name b").append(i).append('\n');
        }
        for (int i = 0; i < 300; i++) {
            batch.append("link set a").append(i).append(" mtu ").append(1280 + i).append(" up\n");
            batch.append("link set b").append(i).append(" up alias x").append(i).append('\n');
        }
        for (int i = 0; i < 300; i += 2) {
            batch.append("link set a").append(i).append(" group 9\n");
        }
        batch.append("link del group 9\n");
        Path file = Files.createTempFile("nk-watch", ".ip");
        Files.writeString(file, batch);
        List<Integer> resyncSizes = Collections.synchronizedList(new ArrayList<>());
        TreeMap<Integer, Link> view = new TreeMap<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        RtListener consumer = e -> {
            synchronized (view) {
                if (e instanceof RtEvent.Snapshot s) {
                    view.clear();
                    s.state().links().forEach(l -> view.put(l.index(), l));
                } else if (e instanceof RtEvent.Resynced s) {
                    resyncSizes.add(s.state().links().size());
                    view.clear();
                    s.state().links().forEach(l -> view.put(l.index(), l));
                } else if (e instanceof RtEvent.Failed f) {
                    failures.add(f.cause());
                } else if (e instanceof RtEvent.LinkEvent l) {
                    if (l.change() == RtEvent.Change.DELETED) {
                        view.remove(l.link().index());
                    } else {
                        view.put(l.link().index(), l.link());
                    }
                }
            }
        };
        // the smallest receive buffer the kernel allows: a burst must overrun it
        WatchSpec spec = WatchSpec.of(RtTopic.LINKS).withReceiveBufferSize(1);
        Process ip = new ProcessBuilder("ip", "-n", n, "-batch", file.toString()).redirectErrorStream(true).start();
        try (RtWatch w = ns.netlink().watch(spec, consumer)) {   // started while the burst runs: snapshot under load
            assertThat(ip.waitFor(120, TimeUnit.SECONDS)).as("ip -batch finished").isTrue();
            assertThat(ip.exitValue()).as(new String(ip.getInputStream().readAllBytes())).isZero();
            Cmd.run("ip", "-n", n, "link", "set", "lo", "up");   // a last change after the burst, delivered as an event
            List<String> expected = ipLinks(n);
            assertThat(expected).hasSize(1 + 300);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> actual;
            do {
                Thread.sleep(50);
                synchronized (view) {
                    actual = describe(view.values(), view);
                }
                // the overrun is counted when it is seen; its resync's dump and Resynced event follow: wait for both
            } while ((!actual.equals(expected) || (w.overruns() > 0 && resyncSizes.isEmpty())) && System.nanoTime() < end);
            assertThat(failures).isEmpty();
            assertThat(actual).isEqualTo(expected);
            assertThat(w.overruns()).as("the tiny buffer overran").isPositive();
            assertThat(resyncSizes).as("Resynced events delivered").isNotEmpty();
            assertThat(w.isRunning()).isTrue();
        } finally {
            ip.destroyForcibly();
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aWatchStartedDuringABurstStartsWithoutAGapAndWithoutAResync() throws Exception {
        NetNamespace ns = namespaces.create("w7");
        String n = namespaces.name("w7");
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            batch.append("link add g").append(i).append(" type veth peer name h").append(i).append('\n');
            batch.append("link set g").append(i).append(" mtu ").append(1300 + i).append(" up\n");
            batch.append("link set h").append(i).append(" up\n");
        }
        for (int i = 0; i < 60; i += 3) {
            batch.append("link del g").append(i).append('\n');
        }
        Path file = Files.createTempFile("nk-watch", ".ip");
        Files.writeString(file, batch);
        TreeMap<Integer, Link> view = new TreeMap<>();
        List<Class<?>> kinds = Collections.synchronizedList(new ArrayList<>());
        RtListener consumer = e -> {
            kinds.add(e.getClass());
            synchronized (view) {
                if (e instanceof RtEvent.Snapshot s) {
                    s.state().links().forEach(l -> view.put(l.index(), l));
                } else if (e instanceof RtEvent.LinkEvent l) {
                    if (l.change() == RtEvent.Change.DELETED) {
                        view.remove(l.link().index());
                    } else {
                        view.put(l.link().index(), l.link());
                    }
                }
            }
        };
        Process ip = new ProcessBuilder("ip", "-n", n, "-batch", file.toString()).redirectErrorStream(true).start();
        try (RtWatch w = ns.netlink().links().watch(consumer)) {   // default buffer: no overrun expected
            assertThat(ip.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(ip.exitValue()).isZero();
            List<String> expected = ipLinks(n);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<String> actual;
            do {
                Thread.sleep(50);
                synchronized (view) {
                    actual = describe(view.values(), view);
                }
            } while (!actual.equals(expected) && System.nanoTime() < end);
            assertThat(actual).isEqualTo(expected);
            assertThat(w.overruns()).as("no overrun: the snapshot and the events alone got it right").isZero();
            assertThat(kinds.get(0)).isEqualTo(RtEvent.Snapshot.class);
            assertThat(kinds).doesNotContain(RtEvent.Resynced.class);
        } finally {
            ip.destroyForcibly();
            Files.deleteIfExists(file);
        }
    }

    /** What `ip -j link` shows, one comparable line per link. */
    private static List<String> ipLinks(String ns) {
        Map<String, Object> byName = new TreeMap<>();
        List<String> out = new ArrayList<>();
        for (Map<String, Object> l : IpJson.ip("-n", ns, "link")) {
            @SuppressWarnings("unchecked")
            List<Object> flags = (List<Object>) l.get("flags");
            out.add(l.get("ifindex") + " " + l.get("ifname") + " mtu " + l.get("mtu") + " " + l.get("address")
                    + " up=" + flags.contains("UP") + " lower_up=" + flags.contains("LOWER_UP")
                    + " state=" + l.get("operstate") + " alias=" + l.get("ifalias"));
            byName.put((String) l.get("ifname"), l);
        }
        return out;
    }

    private static List<String> describe(java.util.Collection<Link> links, Map<Integer, Link> view) {
        List<String> out = new ArrayList<>();
        for (Link l : links) {
            out.add(l.index() + " " + l.name() + " mtu " + l.mtu() + " " + (l.mac() == null ? null : l.mac().toString())
                    + " up=" + l.isUp() + " lower_up=" + l.isLowerUp() + " state=" + l.operState()
                    + " alias=" + l.alias());
        }
        return out;
    }

    @Test
    void oneWatchCoversLinksAddressesRoutesAndNeighboursAndItsStateMatchesTheDumps() throws Exception {
        NetNamespace ns = namespaces.create("w3");
        String n = namespaces.name("w3");
        Recorder r = new Recorder();
        WatchSpec spec = WatchSpec.of(RtTopic.LINKS, RtTopic.ADDRESSES, RtTopic.ROUTES, RtTopic.NEIGHBORS);
        try (RtWatch w = ns.netlink().watch(spec, r)) {
            r.next(RtEvent.Snapshot.class, x -> true);
            Cmd.run("ip", "-n", n, "link", "add", "br0", "up", "type", "bridge");
            Cmd.run("ip", "-n", n, "addr", "add", "10.44.0.1/24", "dev", "br0");
            Cmd.run("ip", "-n", n, "route", "add", "10.45.0.0/16", "via", "10.44.0.2", "table", "100");
            Cmd.run("ip", "-n", n, "neigh", "add", "10.44.0.9", "lladdr", "02:00:00:00:00:09", "dev", "br0");
            Cmd.run("ip", "-n", n, "route", "del", "10.45.0.0/16", "table", "100");
            RtEvent.AddressEvent a = r.next(RtEvent.AddressEvent.class,
                    x -> x.address().prefix().toString().equals("10.44.0.1/24"));
            assertThat(a.change()).isEqualTo(RtEvent.Change.NEW);
            RtEvent.RouteEvent rt = r.next(RtEvent.RouteEvent.class, x -> x.route().table() == 100);
            assertThat(rt.change()).isEqualTo(RtEvent.Change.NEW);
            assertThat(rt.route().gateway().getHostAddress()).isEqualTo("10.44.0.2");
            RtEvent.NeighborEvent ne = r.next(RtEvent.NeighborEvent.class,
                    x -> x.neighbor().address() != null && x.neighbor().address().getHostAddress().equals("10.44.0.9"));
            assertThat(ne.change()).isEqualTo(RtEvent.Change.NEW);
            assertThat(ne.neighbor().mac()).isEqualTo(MacAddress.parse("02:00:00:00:00:09"));
            RtEvent.RouteEvent gone = r.next(RtEvent.RouteEvent.class, x -> x.route().table() == 100);
            assertThat(gone.change()).isEqualTo(RtEvent.Change.DELETED);
            assertThat(w.overruns()).isZero();
        }
    }

    @Test
    void aThrowingListenerIsLoggedAndTheWatchGoesOn() throws Exception {
        NetNamespace ns = namespaces.create("w4");
        String n = namespaces.name("w4");
        Recorder r = new Recorder();
        RtListener throwing = e -> {
            r.onEvent(e);
            throw new IllegalStateException("listener bug (expected in this test)");
        };
        try (RtWatch w = ns.netlink().links().watch(throwing)) {
            r.next(RtEvent.Snapshot.class, x -> true);
            Cmd.run("ip", "-n", n, "link", "add", "t1", "type", "bridge");
            r.next(RtEvent.LinkEvent.class, x -> x.link().name().equals("t1"));
            Cmd.run("ip", "-n", n, "link", "add", "t2", "type", "bridge");
            r.next(RtEvent.LinkEvent.class, x -> x.link().name().equals("t2"));
            assertThat(w.isRunning()).isTrue();
        }
    }

    @Test
    void closeStopsDeliveryAndClosingTheNamespaceClosesItsWatches() throws Exception {
        NetNamespace ns = namespaces.create("w5");
        String n = namespaces.name("w5");
        Recorder r = new Recorder();
        RtWatch w = ns.netlink().links().watch(r);
        r.next(RtEvent.Snapshot.class, x -> true);
        w.close();
        assertThat(w.isRunning()).isFalse();
        w.close();   // idempotent
        Cmd.run("ip", "-n", n, "link", "add", "c1", "type", "bridge");
        Thread.sleep(300);
        assertThat(r.events).isEmpty();

        NetNamespace other = NetNamespace.open(n);
        RtWatch w2 = other.netlink().links().watch(r);
        r.next(RtEvent.Snapshot.class, x -> x.state().links().stream().anyMatch(l -> l.name().equals("c1")));
        other.close();
        assertThat(w2.isRunning()).isFalse();
    }

    @Test
    void withoutSnapshotTheFirstEventIsAChange() throws Exception {
        NetNamespace ns = namespaces.create("w6");
        String n = namespaces.name("w6");
        Cmd.run("ip", "-n", n, "link", "add", "e1", "type", "bridge");
        Recorder r = new Recorder();
        try (RtWatch w = ns.netlink().watch(WatchSpec.of(RtTopic.LINKS).withoutSnapshot(), r)) {
            Cmd.run("ip", "-n", n, "link", "set", "e1", "mtu", "1300");
            RtEvent first = r.events.poll(10, TimeUnit.SECONDS);
            assertThat(first).isInstanceOfSatisfying(RtEvent.LinkEvent.class, e -> {
                assertThat(e.change()).isEqualTo(RtEvent.Change.CHANGED);   // known from the start dump: not NEW
                assertThat(e.link().mtu()).isEqualTo(1300);
            });
        }
    }
}
