package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Who owns what: the shared netlink handle of a namespace, and the shared mount behind /run/netns. */
@Privileged
class OwnershipKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void closingTheSharedHandleDoesNotBreakTheNamespace() {
        NetNamespace ns = namespaces.create("own");
        try (RtNetlink rt = ns.netlink()) {
            assertThat(rt.isShared()).isTrue();
            rt.links().setUp("lo");
        }
        assertThat(ns.netlink().links().get("lo").isUp()).isTrue();
        ns.netlink().socket().close();   // even the raw socket: the namespace opens a fresh one
        assertThat(ns.netlink().links().list()).extracting(Link::name).containsExactly("lo");
        try (RtNetlink own = ns.call(RtNetlink::open)) {
            assertThat(own.isShared()).isFalse();
        }
    }

    @Test
    void aRunDirectoryUnmountedAfterPreparationIsPreparedAgain() throws Exception {
        // A directory of this test's own, not /run/netns: unmounting that would hide every namespace on the machine.
        Path dir = Files.createTempDirectory("nkt-rundir-");
        AtomicBoolean prepared = new AtomicBoolean();
        try {
            RunNetnsDir.prepare(dir, prepared, "test");
            assertThat(prepared).isTrue();
            assertThat(sharedMountPoint(dir)).as("shared mount point after preparation").isTrue();
            Cmd.run("umount", dir.toString());
            assertThat(sharedMountPoint(dir)).isFalse();
            RunNetnsDir.prepare(dir, prepared, "test");
            assertThat(sharedMountPoint(dir)).as("prepared again after someone unmounted it").isTrue();
        } finally {
            while (Cmd.result("umount", dir.toString()).ok()) {
                // remove every bind mount this test stacked there
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Whether /proc/self/mountinfo lists {@code dir} as a mount point with shared propagation. */
    private static boolean sharedMountPoint(Path dir) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 6 && f[4].equals(dir.toString())) {
                for (int i = 6; i < f.length && !f[i].equals("-"); i++) {
                    if (f[i].startsWith("shared:")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
