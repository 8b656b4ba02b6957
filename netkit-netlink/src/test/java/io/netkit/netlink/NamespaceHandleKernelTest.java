package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Namespace handles: no fd left behind on errors, never-closed handles released, ofPid through a pidfd. */
@Privileged
class NamespaceHandleKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    /** Open fds of this process on the namespace file {@code path} (or its nsfs inode, {@code net:[N]}). */
    static long fdsTo(String path, String nsfs) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    String t = Files.readSymbolicLink(p).toString();
                    return t.equals(path) || t.equals(nsfs);
                } catch (IOException e) {
                    return false;   // closed meanwhile
                }
            }).count();
        }
    }

    static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    static long threadsNamed(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive())
                .count();
    }

    @Test
    void openingSomethingThatIsNoNamespaceFailsWithoutLeakingItsFd() throws IOException {
        long before = openFds();
        for (int i = 0; i < 20; i++) {
            assertThatThrownBy(() -> NetNamespace.openPath(Path.of("/etc/hostname")))
                    .isInstanceOf(NetlinkException.class).hasMessageContaining("not a network namespace file")
                    .hasMessageContaining("/etc/hostname");
            assertThatThrownBy(() -> NetNamespace.openPath(Path.of("/nonexistent/ns")))
                    .isInstanceOf(NamespaceNotFoundException.class);
            assertThatThrownBy(() -> NetNamespace.ofPid(Integer.MAX_VALUE)).isInstanceOf(NamespaceNotFoundException.class);
        }
        assertThat(openFds()).isLessThanOrEqualTo(before + 2);   // slack for unrelated JVM activity
    }

    @Test
    void aHandleNeverClosedIsReleasedByTheCleaner() throws Exception {
        NetNamespace made = namespaces.create("leak");
        String name = made.name().orElseThrow();
        String file = made.path().toString();
        String target = "net:[" + made.inode() + "]";
        long fdsBefore = fdsTo(file, target);
        long threadsBefore = threadsNamed("netkit-netns-" + name);
        leakAHandle(name);
        assertThat(fdsTo(file, target)).isGreaterThan(fdsBefore);   // the leaked handle's fd (and its socket's thread)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((fdsTo(file, target) > fdsBefore || threadsNamed("netkit-netns-" + name) > threadsBefore)
                && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(fdsTo(file, target)).as("namespace fds after the handle became unreachable").isEqualTo(fdsBefore);
        assertThat(threadsNamed("netkit-netns-" + name)).as("its namespace thread").isEqualTo(threadsBefore);
        assertThat(made.netlink().links().list()).isNotEmpty();   // the test's own handle is untouched
    }

    private static void leakAHandle(String name) {
        NetNamespace h = NetNamespace.open(name);
        h.netlink().links().setUp("lo");   // starts its thread and opens its socket
        assertThat(h.call(() -> 42)).isEqualTo(42);
    }

    @Test
    void ofPidOpensTheLiveProcessesNamespaceAndRefusesAnExitedOne() throws Exception {
        NetNamespace ns = namespaces.create("pid");
        Process p = ns.start(new ProcessBuilder("sleep", "30"));
        long pid = p.pid();
        try (NetNamespace byPid = NetNamespace.ofPid(pid)) {
            assertThat(byPid.inode()).isEqualTo(ns.inode());
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        long before = openFds();
        assertThatThrownBy(() -> NetNamespace.ofPid(pid)).isInstanceOf(NamespaceNotFoundException.class);
        assertThat(openFds()).isLessThanOrEqualTo(before + 2);
        assertThatThrownBy(() -> NetNamespace.ofPid(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
