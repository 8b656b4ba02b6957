package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.internal.Reaper;
import io.netkit.netlink.NamespaceTemplate;
import io.netkit.testing.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14: when attach's next namespace is made ahead of time ({@code -Dnetkit.netns.spare}). By default
 * ({@code idle}) not while an attach or detach of this process is in flight, only once none is; {@code eager} right
 * after each attach. Either way the next attach names that very namespace. Witness: the network namespaces of this
 * process's threads ({@code /proc/self/task/TID/ns/net}) that have no name under {@code /run/netns} — the spare lives
 * only through its thread — and the inode of the name the next attach made.
 */
@Privileged
class SpareSchedulingTest {
    static final String PREFIX = NetworkTest.PREFIX;
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @AfterEach
    void defaultMode() {
        System.clearProperty("netkit.netns.spare");
    }

    /** Namespaces this process's threads are in that have no name (the spare; namespaces held after a detach). */
    static Set<Long> unnamed() {
        Set<Long> in = DeferredReleaseTest.threadNamespaces();
        try (Stream<Path> names = Files.list(Path.of("/run/netns"))) {
            names.forEach(p -> {
                try {
                    in.remove((Long) Files.getAttribute(p, "unix:ino"));
                } catch (IOException | UnsupportedOperationException e) {
                    // deleted meanwhile (another process's namespace)
                }
            });
            in.remove((Long) Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return in;
    }

    /** Waits until no namespace is being made ahead of time (one an earlier test asked for). */
    static void settled() throws InterruptedException {
        assertThat(Probe.eventually(20_000, () -> (NamespaceTemplate.spareActivity() & 1) == 0)).isTrue();
    }

    /** What {@link #unnamed()} holds now that it did not hold in {@code before}. */
    static Set<Long> madeSince(Set<Long> before) {
        Set<Long> now = unnamed();
        now.removeAll(before);
        return now;
    }

    static long inodeOfName(String name) throws IOException {
        return (Long) Files.getAttribute(Path.of("/run/netns", name), "unix:ino");
    }

    @Test
    void idleSpareWaitsUntilNoOperationRunsThenTheNextAttachNamesIt() throws Exception {
        System.setProperty("netkit.netns.spare", "idle");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Set<Long> before;
            Reaper.operationStarted(); // as if another attach were in flight all along
            try {
                settled();
                before = unnamed();
                net.attach(sb.name("c1")); // takes the spare there may be; the next one is due
                Thread.sleep(500);          // 100 times the idle gap: nothing may be made meanwhile
                assertThat(madeSince(before)).as("no namespace made ahead of time while an operation runs").isEmpty();
                assertThat(net.attach(sb.name("c2")).namespaceInode()).as("made on the spot").isNotIn(before);
                assertThat(madeSince(before)).isEmpty();
            } finally {
                Reaper.operationEnded();
            }
            assertThat(Probe.eventually(20_000, () -> madeSince(before).size() == 1))
                    .as("made once idle: %s", madeSince(before)).isTrue();
            long spare = madeSince(before).iterator().next();
            Endpoint c3 = net.attach(sb.name("c3"));
            assertThat(inodeOfName(sb.name("c3"))).as("the next attach names the spare").isEqualTo(spare)
                    .isEqualTo(c3.namespaceInode());
            assertThat(Probe.roundTrip(c3, sb.hostNamespace(), net.gateway())).isEqualTo(c3.address());
        }
    }

    @Test
    void eagerSpareIsMadeRightAfterAnAttachEvenWhileOperationsRun() throws Exception {
        System.setProperty("netkit.netns.spare", "eager");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            Reaper.operationStarted();
            try {
                Set<Long> before = unnamed();
                net.attach(sb.name("c1"));
                assertThat(Probe.eventually(20_000, () -> madeSince(before).size() == 1))
                        .as("made at once: %s", madeSince(before)).isTrue();
                long spare = madeSince(before).iterator().next();
                net.attach(sb.name("c2"));
                assertThat(inodeOfName(sb.name("c2"))).as("the next attach names the spare").isEqualTo(spare);
            } finally {
                Reaper.operationEnded();
            }
        }
    }

    @Test
    void noSpareWhenTurnedOff() throws Exception {
        System.setProperty("netkit.netns.spare", "false");
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
            net.attach(sb.name("c1")); // takes the spare an earlier test may have left
            settled();
            Set<Long> before = unnamed();
            Endpoint c2 = net.attach(sb.name("c2"));
            Thread.sleep(500);
            assertThat(madeSince(before)).as("nothing made ahead of time").isEmpty();
            assertThat(c2.namespaceInode()).isNotIn(before);
        }
    }
}
