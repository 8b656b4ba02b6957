package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.internal.Reaper;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14: what detach defers (the namespace's destruction, the veth pair with it; the reap group's deletion) waits
 * while an attach or detach of this process is in flight, and still completes: when the process is idle, at the
 * network's {@code close()}, and when the process exits. Witnesses: this process's open files ({@code /proc/self/fd},
 * {@code net:[INODE]}) and {@code ip -j link} in the host namespace.
 */
@Privileged
class DeferredReleaseTest {
    static final String PREFIX = NetworkTest.PREFIX;
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    /** Whether this process holds the network namespace with this inode open (a file of the kernel's nsfs). */
    static boolean held(long inode) {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Namespaces.isNamespace(fd) && Long.valueOf(inode).equals(Files.getAttribute(fd, "unix:ino"));
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The network namespaces this process's threads are in (namespace threads: endpoints' and the spare's). */
    static java.util.Set<Long> threadNamespaces() {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            java.util.Set<Long> in = new java.util.HashSet<>();
            tasks.forEach(t -> {
                try {
                    in.add((Long) Files.getAttribute(t.resolve("ns/net"), "unix:ino"));
                } catch (IOException | UnsupportedOperationException e) {
                    // the thread ended meanwhile
                }
            });
            return in;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDetachedNamespaceIsReleasedOnceNoOperationRunsAndItsVethGoesWithIt() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name("host");
            Endpoint c1 = net.attach(sb.name("c1"));
            Endpoint c2 = net.attach(sb.name("c2"));
            long inode = c1.namespaceInode();
            Reaper.operationStarted(); // as if another attach were running all along
            try {
                net.detach(c1);
                assertThat(NetNamespace.exists(sb.name("c1"))).as("the name is gone at once").isFalse();
                Thread.sleep(500);
                assertThat(held(inode)).as("the namespace is held while an operation runs").isTrue();
                assertThat(Probe.linkNames(host)).as("and its veth with it").contains(c1.hostInterface());
            } finally {
                Reaper.operationEnded();
            }
            assertThat(Probe.eventually(20_000, () -> !held(inode) && !Probe.linkNames(host).contains(c1.hostInterface())))
                    .as("released when idle: %s", Probe.linkNames(host)).isTrue();
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br0", c2.hostInterface());
            assertThat(Probe.roundTrip(c2, sb.hostNamespace(), net.gateway())).isEqualTo(c2.address());
        }
    }

    @Test
    void closeReleasesWhatIsStillHeld() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create();
            List<Long> inodes = new ArrayList<>();
            Reaper.operationStarted(); // busy throughout: nothing is released before close()
            try {
                for (int i = 0; i < 4; i++) {
                    Endpoint e = net.attach(sb.name("c" + i));
                    inodes.add(e.namespaceInode());
                    e.detach();
                }
                assertThat(inodes).allMatch(DeferredReleaseTest::held);
                net.close();
                assertThat(inodes).as("released by close()").noneMatch(DeferredReleaseTest::held);
                assertThat(Probe.linkNames(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
            } finally {
                Reaper.operationEnded();
            }
        }
    }

    /**
     * Continuous churn with the age bound shortened (forced drains run between the operations, which wait at their
     * start while one runs) and idle rounds closing one namespace per chunk (an operation that begins pauses them):
     * every detached namespace and veth is still released, and the network works throughout.
     */
    @Test
    void churnWithForcedAndChunkedDrainsLeavesNothingBehind() throws Exception {
        System.setProperty("netkit.reaper.maxAgeMs", "100");
        System.setProperty("netkit.reaper.chunk", "1");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name("host");
            List<Long> inodes = new ArrayList<>();
            List<String> veths = new ArrayList<>();
            long[] before = Reaper.rounds();
            Endpoint keep = net.attach(sb.name("keep"));
            for (int i = 0; i < 40; i++) {
                Endpoint e = net.attach(sb.name("c" + i));
                inodes.add(e.namespaceInode());
                veths.add(e.hostInterface());
                e.detach();
            }
            // The kernel reuses a destroyed namespace's inode: one of the namespaces made after the first drains (the
            // spare made ahead of time, entered by its thread) may carry the inode of a released one.
            assertThat(Probe.eventually(20_000, () -> inodes.stream().filter(i -> !threadNamespaces().contains(i))
                    .noneMatch(DeferredReleaseTest::held) && Probe.linkNames(host).stream().noneMatch(veths::contains)))
                    .as("released: %s", Probe.linkNames(host)).isTrue();
            assertThat(Reaper.rounds()[0]).as("deferred-work rounds ran").isGreaterThan(before[0]);
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br0", keep.hostInterface());
            Endpoint after = net.attach(sb.name("after"));
            assertThat(Probe.roundTrip(after, sb.hostNamespace(), net.gateway())).isEqualTo(after.address());
        } finally {
            System.clearProperty("netkit.reaper.maxAgeMs");
            System.clearProperty("netkit.reaper.chunk");
        }
    }

    /** A forced drain while an operation stays in flight: it runs beside it after waiting (bounded), and completes. */
    @Test
    void aForcedDrainDoesNotWaitForeverForAnOperationInFlight() throws Exception {
        System.setProperty("netkit.reaper.maxAgeMs", "100");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name("host");
            Reaper.operationStarted(); // never idle, and never without an operation in flight
            try {
                Endpoint e = net.attach(sb.name("c"));
                long inode = e.namespaceInode();
                e.detach();
                assertThat(Probe.eventually(20_000, () -> !held(inode) && !Probe.linkNames(host).contains(e.hostInterface())))
                        .as("released by the forced drain: %s", Probe.linkNames(host)).isTrue();
                Endpoint after = net.attach(sb.name("after")); // the gate is open again
                assertThat(Probe.roundTrip(after, sb.hostNamespace(), net.gateway())).isEqualTo(after.address());
            } finally {
                Reaper.operationEnded();
            }
        } finally {
            System.clearProperty("netkit.reaper.maxAgeMs");
        }
    }

    @Test
    void aProcessThatExitsWhileHoldingReleasesEverything() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            String host = sb.name("host");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    DetachAndExit.class.getName(), host, "br0", sb.name("x") + "-").redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            List<String> lines = new ArrayList<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = out.readLine(); l != null; l = out.readLine()) {
                    lines.add(l);
                }
            }
            assertThat(child.waitFor()).as("child output %s", lines).isZero();
            assertThat(lines).as("the child held its detached namespaces when it exited").contains("held 4");
            assertThat(Probe.eventually(20_000, () -> Probe.linkNamesButWaiting(host).size() == 3))
                    .as("the kernel destroyed them with their veths: %s", Probe.linkNames(host)).isTrue();
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br0");
            assertThat(NetNamespace.list()).noneMatch(n -> n.startsWith(sb.name("x")));
            assertThat(net.endpoints()).isEmpty();
        }
    }

    /** The child of the test above: attaches and detaches 4 while busy, then exits at once (no idle moment, no close). */
    public static final class DetachAndExit {
        public static void main(String[] args) {
            try (Host host = Host.namespace(args[0])) {
                Network net = Network.open(host, args[1]);
                List<Long> inodes = new ArrayList<>();
                Reaper.operationStarted();
                for (int i = 0; i < 4; i++) {
                    Endpoint e = net.attach(args[2] + i);
                    inodes.add(e.namespaceInode());
                    e.detach();
                }
                System.out.println("held " + inodes.stream().filter(DeferredReleaseTest::held).count());
                System.out.flush();
                Runtime.getRuntime().halt(0);
            }
        }
    }
}
