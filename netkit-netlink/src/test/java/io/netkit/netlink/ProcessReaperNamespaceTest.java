package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A process started in a namespace must not leave a JVM thread behind in that namespace: the JDK's "process
 * reaper" for the child must come from the original namespace, or it would pin a deleted namespace for up to
 * 60 s (its pool's keep-alive).
 */
@Privileged
class ProcessReaperNamespaceTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    static List<String> threadsIn(long inode) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String link = Files.readSymbolicLink(t.resolve("ns/net")).toString();
                    if (link.equals("net:[" + inode + "]")) {
                        out.add(Files.readString(t.resolve("comm")).strip() + "/" + t.getFileName());
                    }
                } catch (IOException threadEnded) {
                    // gone meanwhile
                }
            }
        }
        return out;
    }

    @Test
    void noThreadOfThisJvmStaysInTheNamespaceAfterItsChildren() throws Exception {
        // Children running elsewhere keep their reaper threads busy, so the pool has to create new ones.
        Process busy1 = new ProcessBuilder("sleep", "5").start();
        Process busy2 = new ProcessBuilder("sleep", "5").start();
        try {
            NetNamespace ns = namespaces.create("rp");
            long inode = ns.inode();
            List<Process> children = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                children.add(ns.start(new ProcessBuilder("sleep", "0.2")));
            }
            for (Process p : children) {
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            ns.close();   // stops the handle's own namespace thread
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (!threadsIn(inode).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(threadsIn(inode)).as("JVM threads still inside the namespace").isEmpty();
        } finally {
            busy1.destroy();
            busy2.destroy();
        }
    }

    @Test
    void aTaskInOneNamespaceMayStartProcessesInAnotherWhileOthersDoToo() throws Exception {
        NetNamespace a = namespaces.create("rpa");
        NetNamespace b = namespaces.create("rpb");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                // always a -> b: calls in both directions at once would deadlock by design (one thread each)
                NetNamespace outer = a;
                NetNamespace inner = b;
                fs.add(pool.submit(() -> {
                    int exits = 0;
                    for (int k = 0; k < 10; k++) {
                        exits += outer.call(() -> inner.start(new ProcessBuilder("true")).waitFor());
                        exits += outer.start(new ProcessBuilder("true")).waitFor();
                    }
                    return exits;
                }));
            }
            for (java.util.concurrent.Future<Integer> f : fs) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void callsIntoEachOtherFromBothNamespacesFailFastInsteadOfDeadlocking() throws Exception {
        NetNamespace a = namespaces.create("dla");
        NetNamespace b = namespaces.create("dlb");
        java.util.concurrent.CyclicBarrier both = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<String> fa = pool.submit(() -> a.call(() -> {
                both.await(10, TimeUnit.SECONDS);
                return b.call(() -> "a->b");
            }));
            java.util.concurrent.Future<String> fb = pool.submit(() -> b.call(() -> {
                both.await(10, TimeUnit.SECONDS);
                return a.call(() -> "b->a");
            }));
            List<String> outcomes = new ArrayList<>();
            for (java.util.concurrent.Future<String> f : List.of(fa, fb)) {
                try {
                    outcomes.add(f.get(20, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("this would deadlock");
                    outcomes.add("refused");
                }
            }
            assertThat(outcomes).contains("refused").hasSize(2);
            assertThat(a.call(() -> b.call(() -> "still usable"))).isEqualTo("still usable");
        } finally {
            pool.shutdownNow();
        }
    }
}
