package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Namespaces under concurrency, odd names, foreign namespaces, and no fd/thread leak over many cycles. */
@Privileged
class NamespaceLifecycleStressTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    /** Cycles for the leak check; {@code -Dnetkit.nsCycles=500} for the long run. */
    private static final int CYCLES = Integer.getInteger("netkit.nsCycles", 100);

    @Test
    void thirtyTwoThreadsCreateUseAndDeleteAtOnce() throws Exception {
        String base = namespaces.name("cc");
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch go = new CountDownLatch(1);
        // All 32 exist at once before any is deleted: a deleted namespace's inode number can be reused by the kernel,
        // so only namespaces alive together must differ.
        CountDownLatch allMade = new CountDownLatch(32);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            made.add(base + i);
        }
        try {
            List<Future<Long>> fs = new ArrayList<>();
            for (String n : made) {
                fs.add(pool.submit(() -> {
                    go.await();
                    long inode;
                    try (NetNamespace ns = NetNamespace.create(n)) {
                        ns.netlink().links().setUp("lo");
                        inode = ns.inode();
                        assertThat(NetNamespace.exists(n)).isTrue();
                        allMade.countDown();
                        allMade.await(60, TimeUnit.SECONDS);
                    }
                    NetNamespace.delete(n);
                    assertThat(NetNamespace.exists(n)).isFalse();
                    return inode;
                }));
            }
            go.countDown();
            List<Long> inodes = new ArrayList<>();
            for (Future<Long> f : fs) {
                inodes.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(inodes).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
            for (String n : made) {
                if (NetNamespace.exists(n)) {
                    NetNamespace.delete(n);
                }
            }
        }
    }

    @Test
    void oddNamesAreRejectedAndForeignNamespacesWork() {
        for (String bad : new String[] {"", ".", "..", "a/b", "a b", "a\nb", "a\0b", "x".repeat(256)}) {
            assertThatThrownBy(() -> NetNamespace.create(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid namespace name");
        }
        // made by ip, opened, used and deleted by netkit
        String foreign = namespaces.name("ipmade");
        Cmd.run("ip", "netns", "add", foreign);
        try {
            assertThat(NetNamespace.list()).contains(foreign);
            try (NetNamespace ns = NetNamespace.open(foreign)) {
                ns.netlink().links().create(LinkSpec.bridge("brx"));
            }
            assertThat(Cmd.run("ip", "-n", foreign, "link", "show", "brx")).contains("brx");
        } finally {
            NetNamespace.delete(foreign);
        }
        assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(foreign);
        assertThatThrownBy(() -> NetNamespace.delete(foreign)).isInstanceOf(NamespaceNotFoundException.class);
        // made by netkit, used through ip netns exec
        NetNamespace mine = namespaces.create("exec");
        mine.sysctl().set("net.ipv4.ip_forward", "1");
        assertThat(Cmd.run("ip", "netns", "exec", mine.name().orElseThrow(), "sysctl", "-n", "net.ipv4.ip_forward")
                .strip()).isEqualTo("1");
        assertThat(Cmd.run("ip", "netns", "exec", mine.name().orElseThrow(), "cat", "/proc/self/net/dev")).contains("lo:");
    }

    @Test
    void noFdOrThreadLeakOverManyCycles() throws Exception {
        String base = namespaces.name("lk");
        cycle(base + "w", 5);   // warm up lazily created state (current namespace, reaper home, ...)
        System.gc();
        long fds0 = count("/proc/self/fd");
        long threads0 = count("/proc/self/task");
        cycle(base, CYCLES);
        long fds1 = 0;
        long threads1 = 0;
        for (int i = 0; i < 50; i++) {   // exited threads disappear from /proc shortly after
            fds1 = count("/proc/self/fd");
            threads1 = count("/proc/self/task");
            if (fds1 <= fds0 + 2 && threads1 <= threads0 + 2) {
                break;
            }
            Thread.sleep(50);
        }
        System.out.printf("namespace cycles: %d, fds %d -> %d, threads %d -> %d%n", CYCLES, fds0, fds1, threads0, threads1);
        assertThat(fds1).as("open fds after %d cycles", CYCLES).isLessThanOrEqualTo(fds0 + 2);
        assertThat(threads1).as("threads after %d cycles", CYCLES).isLessThanOrEqualTo(threads0 + 2);
    }

    private static void cycle(String base, int n) {
        for (int i = 0; i < n; i++) {
            String name = base + "-" + i;
            try (NetNamespace ns = NetNamespace.create(name)) {
                ns.netlink().links().setUp("lo");
                ns.sysctl().get("net.ipv4.ip_forward");
            } finally {
                NetNamespace.delete(name);
            }
        }
    }

    private static long count(String dir) throws IOException {
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            return s.count();
        }
    }
}
