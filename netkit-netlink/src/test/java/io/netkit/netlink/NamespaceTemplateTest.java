package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** NamespaceTemplate: namespaces made ahead of time and only named on create, witnessed by iproute2. */
@Privileged
class NamespaceTemplateTest {
    private static final String KEY = "net.ipv4.conf.default.arp_notify";

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    /** What iproute2 sees of namespace {@code name}: its sysctl, its links, and that it is listed. */
    private static void assertMadeToTheRecipe(NetNamespace ns, String name) {
        assertThat(ns.name()).contains(name);
        assertThat(Cmd.run("ip", "netns", "list")).contains(name);
        assertThat(Cmd.run("ip", "netns", "exec", name, "cat", "/proc/sys/net/ipv4/conf/default/arp_notify").trim())
                .isEqualTo("1");
        assertThat(Cmd.run("ip", "netns", "exec", name, "stat", "-L", "-c", "%i", "/proc/thread-self/ns/net").trim())
                .isEqualTo(Long.toString(ns.inode()));
        assertThat(ns.netlink().links().list()).extracting(Link::name).containsExactly("lo");
        ns.netlink().links().setUp("lo");
        assertThat(Cmd.run("ip", "-n", name, "-o", "link", "show", "lo")).contains("UP");
    }

    @Test
    void aSpareIsNamedOnCreateWithTheRecipeAndKeptWhenTheNameIsTaken() throws Exception {
        try (NamespaceTemplate t = NamespaceTemplate.withSysctls(Map.of(KEY, "1", "net.no.such.key", "1"))) {
            String first = namespaces.name("tfirst");
            NetNamespace a = t.createAsync(first, null).get(10, TimeUnit.SECONDS);   // no spare yet: on the spot
            String second = namespaces.name("tsecond");
            NetNamespace b;
            try {
                assertMadeToTheRecipe(a, first);
                t.prepareNext();
                long[] seen = new long[1];
                // The name is taken: EEXIST, nothing made, and the spare is still there for the next create.
                assertThatThrownBy(() -> t.createAsync(first, n -> seen[0] = n.inode()))
                        .isInstanceOf(NetlinkException.class).hasMessageContaining("EEXIST");
                b = t.createAsync(second, n -> seen[0] = n.inode()).get(10, TimeUnit.SECONDS);
                assertThat(seen[0]).isEqualTo(b.inode()).isNotEqualTo(a.inode());
            } finally {
                a.close();
                NetNamespace.delete(first);
            }
            try {
                assertMadeToTheRecipe(b, second);
                assertThat(b.call(KernelTestSupport::threadNetnsInode)).isEqualTo(b.inode());
                assertThat(b.toString()).contains(second);
            } finally {
                b.close();
                NetNamespace.delete(second);
            }
            assertThat(NetNamespace.exists(second)).isFalse();
        }
    }

    @Test
    void aFailingSetupRemovesTheNamedSpareAndClosingDiscardsTheNext() throws Exception {
        try (NamespaceTemplate t = NamespaceTemplate.withSysctls(Map.of(KEY, "1"))) {
            t.prepareNext();
            String failing = namespaces.name("tfails");
            assertThatThrownBy(() -> t.createAsync(failing, n -> {
                throw new IllegalStateException("setup refused");
            }).join()).hasRootCauseMessage("setup refused");
            assertThat(NetNamespace.exists(failing)).isFalse();
            assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(failing);
            t.prepareNext();
        }
        long spares = Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().equals("netkit-netns-spare") && th.isAlive()).count();
        assertThat(spares).as("threads of unnamed spares after close (the idle thread spare may remain)").isLessThanOrEqualTo(2);
    }

    @Test
    void withLoopbackUpBringsLoUpAndASpareLeavesNoNameInRunNetnsUntilNamed() throws Exception {
        try (NamespaceTemplate t = NamespaceTemplate.withSysctls(Map.of(KEY, "1")).withLoopbackUp()) {
            String first = namespaces.name("tlofirst");
            long[] before = {-1, -1};
            NetNamespace a = t.createAsync(first, ino -> before[0] = ino, null).get(10, TimeUnit.SECONDS);   // on the spot
            assertThat(before[0]).as("inode before the claim of a namespace made on the spot: not known yet").isZero();
            String second = namespaces.name("tlosecond");
            NetNamespace b = null;
            try {
                assertThat(Cmd.run("ip", "-n", first, "-o", "link", "show", "lo")).contains("UP");
                t.prepareNext();
                // The spare's claim file (O_TMPFILE) has no name in /run/netns: only this process's descriptor for it.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (unnamedRunNetnsFiles() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(unnamedRunNetnsFiles()).isPositive();
                b = t.createAsync(second, ino -> {
                    before[1] = ino;
                    assertThat(NetNamespace.exists(second)).as("beforeClaim runs before the name exists").isFalse();
                }, null).get(10, TimeUnit.SECONDS);   // the spare, named by linking its file
                assertThat(before[1]).as("the spare's inode, given before the claim").isEqualTo(b.inode());
                assertThat(Cmd.run("ip", "-n", second, "-o", "link", "show", "lo")).contains("UP");
                assertThat(Cmd.run("ip", "netns", "exec", second, "stat", "-L", "-c", "%i", "/proc/thread-self/ns/net").trim())
                        .isEqualTo(Long.toString(b.inode()));
                assertThat(Cmd.run("findmnt", "-n", "-o", "FSTYPE", NetNamespace.RUN_NETNS.resolve(second).toString()).trim())
                        .isEqualTo("nsfs");
            } finally {
                a.close();
                NetNamespace.delete(first);
                if (b != null) {
                    b.close();
                    NetNamespace.delete(second);
                }
            }
            assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(second);
        }
    }

    @Test
    void aKeyedSpareCarriesWhatItsStepMadeAndServesOnlyItsKeyUntilDiscarded() throws Exception {
        try (NamespaceTemplate t = NamespaceTemplate.withSysctls(Map.of(KEY, "1")).withLoopbackUp()) {
            String other = namespaces.name("tkother");
            String mine = namespaces.name("tkmine");
            String after = namespaces.name("tkafter");
            // The extra step makes a link in the spare (as netkit-core makes eth0 there) and returns its index.
            t.prepareNext("a", n -> n.netlink().links().create(LinkSpec.bridge("made0")).index());
            Object[] seen = new Object[2];
            NetNamespace o = t.createAsync(other, "b", (ino, ahead) -> seen[0] = ahead, null).get(10, TimeUnit.SECONDS);
            assertThat(seen[0]).as("another key: made on the spot, nothing ahead").isNull();
            assertThat(o.netlink().links().list()).extracting(Link::name).containsExactly("lo");
            long[] ino = new long[1];
            NetNamespace m = t.createAsync(mine, "a", (i, ahead) -> {
                ino[0] = i;
                seen[1] = ahead;
            }, null).get(10, TimeUnit.SECONDS);
            assertThat(ino[0]).isEqualTo(m.inode());
            assertThat(seen[1]).as("what the step returned").isEqualTo(m.netlink().links().get("made0").index());
            assertThat(Cmd.run("ip", "-n", mine, "-o", "link", "show")).contains("made0");

            t.prepareNext("a", n -> n.netlink().links().create(LinkSpec.bridge("made1")).index());
            Object[] discarded = new Object[1];
            t.discard(k -> k.equals("a"), (n, ahead) -> discarded[0] = ahead);
            assertThat(discarded[0]).as("the discarded spare's step result").isInstanceOf(Integer.class);
            long[] next = {-1};
            NetNamespace x = t.createAsync(after, "a", (i, ahead) -> next[0] = i, null).get(10, TimeUnit.SECONDS);
            assertThat(next[0]).as("discarded: made on the spot").isZero();
            for (NetNamespace n : new NetNamespace[] {o, m, x}) {
                String name = n.name().orElseThrow();
                n.close();
                NetNamespace.delete(name);
            }
        }
    }

    /** Descriptors of this process for files in /run/netns that have no name there (O_TMPFILE). */
    private static long unnamedRunNetnsFiles() throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    String target = java.nio.file.Files.readSymbolicLink(fd).toString();
                    return target.startsWith("/run/netns/#") && target.endsWith("(deleted)");
                } catch (java.io.IOException gone) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void rejectsBadSysctlKeys() {
        assertThatThrownBy(() -> NamespaceTemplate.withSysctls(Map.of("../etc/passwd", "1")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
