package io.netkit.netlink;

import static io.netkit.netlink.KernelTestSupport.createLink;
import static io.netkit.netlink.KernelTestSupport.dumpLinkNames;
import static io.netkit.netlink.KernelTestSupport.threadNetnsInode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** NetNamespace and Sysctl against the real kernel, checked with iproute2 as the witness. */
@Privileged
class NetNamespaceKernelTest {
    /** Every name any test here used, to prove none is left behind. */
    private static final Set<String> USED = ConcurrentHashMap.newKeySet();
    private static String rootForwarding;

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private NetNamespace create(String role) {
        USED.add(namespaces.name(role));
        return namespaces.create(role);
    }

    private String name(String role) {
        USED.add(namespaces.name(role));
        return namespaces.name(role);
    }

    @BeforeAll
    static void recordRootState() throws IOException {
        rootForwarding = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward"));
    }

    @AfterAll
    static void nothingLeftBehind() throws IOException {
        List<String> left = NetNamespace.list().stream().filter(USED::contains).collect(Collectors.toList());
        assertThat(left).as("test namespaces left in /run/netns").isEmpty();
        assertThat(USED).isNotEmpty();
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")))
                .as("root namespace ip_forward").isEqualTo(rootForwarding);
    }

    @Test
    void createWithSetupRunsItInsideFirstAndDeletesTheNamespaceWhenItFails() throws Exception {
        String n = name("setup");
        long[] inodes = new long[2];
        NetNamespace ns = NetNamespace.create(n, h -> {
            h.sysctl().set("net.ipv4.conf.default.arp_notify", "1");
            h.netlink();   // opened on this thread, directly
            try {
                inodes[0] = threadNetnsInode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            inodes[1] = h.call(KernelTestSupport::threadNetnsInode);   // runs directly on the namespace thread
        });
        try {
            assertThat(inodes[0]).isEqualTo(ns.inode()).isEqualTo(inodes[1]);
            assertThat(ns.sysctl().get("net.ipv4.conf.default.arp_notify").trim()).isEqualTo("1");
            assertThat(Cmd.run("ip", "netns", "exec", n, "cat", "/proc/sys/net/ipv4/conf/default/arp_notify").trim())
                    .isEqualTo("1");
            assertThat(ns.netlink().links().list()).extracting(Link::name).containsExactly("lo");
        } finally {
            ns.close();
            NetNamespace.delete(n);
        }

        String failing = name("setupfails");
        assertThatThrownBy(() -> NetNamespace.create(failing, h -> {
            h.netlink();
            throw new IllegalStateException("setup refused");
        })).isInstanceOf(IllegalStateException.class).hasMessage("setup refused");
        assertThat(NetNamespace.exists(failing)).isFalse();
        assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(failing);
    }

    @Test
    void createAsyncLetsTheCallerWorkMeanwhileAndReportsEveryFailureWithNothingLeft() throws Exception {
        String n = name("async");
        CompletableFuture<NetNamespace> pending =
                NetNamespace.createAsync(n, h -> h.sysctl().set("net.ipv6.conf.default.accept_dad", "0"));
        NetNamespace ns = pending.get(10, TimeUnit.SECONDS);
        try {
            assertThat(ns.name()).contains(n);
            assertThat(Cmd.run("ip", "netns", "list")).contains(n);
            assertThat(Cmd.run("ip", "netns", "exec", n, "readlink", "/proc/self/ns/net").strip())
                    .isEqualTo("net:[" + ns.inode() + "]");
            assertThat(Cmd.run("ip", "netns", "exec", n, "cat", "/proc/sys/net/ipv6/conf/default/accept_dad").trim())
                    .isEqualTo("0");

            // A taken name fails at once, on the caller's thread, and leaves the existing namespace alone.
            NetlinkException taken = catchThrowableOfType(() -> NetNamespace.createAsync(n, null), NetlinkException.class);
            assertThat(taken.errnoName()).isEqualTo("EEXIST");
            assertThat(taken.getMessage()).startsWith("create namespace " + n + ": EEXIST");
            assertThat(Cmd.run("ip", "netns", "exec", n, "readlink", "/proc/self/ns/net").strip())
                    .isEqualTo("net:[" + ns.inode() + "]");
        } finally {
            ns.close();
            NetNamespace.delete(n);
        }

        // A failing setup completes the future exceptionally, after the namespace and its name are gone again.
        String failing = name("asyncfails");
        CompletableFuture<NetNamespace> bad = NetNamespace.createAsync(failing, h -> {
            throw new IllegalStateException("setup refused");
        });
        assertThatThrownBy(bad::join).hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("setup refused");
        assertThat(NetNamespace.exists(failing)).isFalse();
        assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(failing);
        // the name is free again
        NetNamespace again = NetNamespace.create(failing);
        again.close();
        NetNamespace.delete(failing);
    }

    @Test
    void submitRunsInsideWithoutWaitingAndFailsOnceClosed() throws Exception {
        NetNamespace ns = create("submit");
        CompletableFuture<Long> inode = ns.submit(KernelTestSupport::threadNetnsInode);
        assertThat(inode.get(10, TimeUnit.SECONDS)).isEqualTo(ns.inode());
        CompletableFuture<Object> failing = ns.submit(() -> {
            throw new IOException("task failed");
        });
        assertThatThrownBy(failing::join).hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("task failed");
        // Tasks run one at a time, in order.
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> first = ns.submit(() -> {
            release.await();
            return null;
        });
        CompletableFuture<Boolean> second = ns.submit(first::isDone);
        release.countDown();
        assertThat(second.get(10, TimeUnit.SECONDS)).isTrue();
        ns.close();
        assertThatThrownBy(() -> ns.submit(() -> 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void createdNamespaceWorksWithIpNetns() {
        NetNamespace ns = create("ipnetns");
        String n = name("ipnetns");
        assertThat(ns.name()).contains(n);
        assertThat(ns.path()).isEqualTo(Path.of("/run/netns", n));
        assertThat(Cmd.run("ip", "netns", "list")).contains(n);
        assertThat(NetNamespace.list()).contains(n);
        assertThat(NetNamespace.exists(n)).isTrue();
        List<Map<String, Object>> links = IpJson.ip("netns", "exec", n, "ip", "-j", "link").isEmpty()
                ? List.of() : IpJson.ip("-n", n, "link");
        assertThat(links).extracting(m -> m.get("ifname")).containsExactly("lo");
        // ip netns exec really enters the same namespace
        String link = Cmd.run("ip", "netns", "exec", n, "readlink", "/proc/self/ns/net").strip();
        assertThat(link).isEqualTo("net:[" + ns.inode() + "]");
        // a link made by netkit in it is what `ip netns exec` sees
        createLink(ns.netlink().socket(), "br-x", "bridge");
        String out = Cmd.run("ip", "netns", "exec", n, "ip", "-j", "link", "show", "br-x");
        assertThat(IpJson.parse(out).toString()).contains("br-x");
    }

    @Test
    void namespaceMadeByIpNetnsAddOpensInNetkit() throws Exception {
        String n = name("ipadd");
        Cmd.run("ip", "netns", "add", n);
        try {
            Cmd.run("ip", "-n", n, "link", "add", "br-ip", "type", "bridge");
            try (NetNamespace ns = NetNamespace.open(n)) {
                assertThat(ns.inode()).isEqualTo(((Number) Files.getAttribute(Path.of("/run/netns", n), "unix:ino")).longValue());
                assertThat(ns.call(KernelTestSupport::threadNetnsInode)).isEqualTo(ns.inode());
                assertThat(dumpLinkNames(ns.netlink().socket())).containsExactlyInAnyOrder("lo", "br-ip");
            }
        } finally {
            Cmd.run("ip", "netns", "del", n);
        }
        assertThat(NetNamespace.exists(n)).isFalse();
    }

    @Test
    void callRunsInsideTheNamespaceAndNeverMovesTheCaller() throws Exception {
        NetNamespace ns = create("call");
        long before = threadNetnsInode();
        long inside = ns.call(KernelTestSupport::threadNetnsInode);
        assertThat(inside).isEqualTo(ns.inode()).isNotEqualTo(before);
        assertThat(threadNetnsInode()).isEqualTo(before);
        assertThat(NetNamespace.current().inode()).isEqualTo(before);
        // /proc/thread-self/net/dev shows the namespace's interfaces: only lo
        // (/proc/net is /proc/self/net: the main thread's namespace, not this thread's)
        String dev = ns.call(() -> Files.readString(Path.of("/proc/thread-self/net/dev")));
        assertThat(dev).contains("lo:").doesNotContain("eth0:");
        // nested call on the same handle runs directly instead of deadlocking
        assertThat(ns.call(() -> ns.call(KernelTestSupport::threadNetnsInode))).isEqualTo(ns.inode());
        String[] box = new String[1];
        ns.run(() -> box[0] = Thread.currentThread().getName());
        assertThat(box[0]).startsWith("netkit-netns-");
    }

    @Test
    void exceptionsFromTasksArriveAsThrown() {
        NetNamespace ns = create("exc");
        IllegalStateException mine = new IllegalStateException("boom");
        assertThatThrownBy(() -> ns.call(() -> {
            throw mine;
        })).isSameAs(mine);
        assertThatThrownBy(() -> ns.call(() -> Files.readString(Path.of("/nonexistent-netkit"))))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(ns.call(() -> 42)).isEqualTo(42);   // the thread survived
    }

    @Test
    void startRunsAProcessInsideTheNamespace() throws Exception {
        NetNamespace ns = create("start");
        Process p = ns.start(new ProcessBuilder("readlink", "/proc/self/ns/net"));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEqualTo("net:[" + ns.inode() + "]");
        Process ip = ns.start(new ProcessBuilder("ip", "-j", "link"));
        String json = new String(ip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ip.waitFor(10, TimeUnit.SECONDS);
        assertThat(IpJson.parse(json).toString()).contains("ifname=lo").doesNotContain("eth0");
    }

    @Test
    void ofPidOpensTheNamespaceOfAProcess() throws Exception {
        NetNamespace ns = create("pid");
        Process sleeper = ns.start(new ProcessBuilder("sleep", "30"));
        try (NetNamespace byPid = NetNamespace.ofPid(sleeper.pid())) {
            assertThat(byPid.inode()).isEqualTo(ns.inode());
            assertThat(byPid.name()).isEmpty();
            assertThat(byPid.call(KernelTestSupport::threadNetnsInode)).isEqualTo(ns.inode());
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
        assertThatThrownBy(() -> NetNamespace.ofPid(Integer.MAX_VALUE)).isInstanceOf(NamespaceNotFoundException.class);
    }

    @Test
    void sysctlWrittenInANamespaceReadsBackThroughIpNetnsExec() throws IOException {
        NetNamespace ns = create("sysctl");
        String n = name("sysctl");
        Sysctl sc = ns.sysctl();
        assertThat(sc.get("net.ipv4.ip_forward")).isEqualTo("0");
        sc.set("net.ipv4.ip_forward", "1");
        assertThat(Cmd.run("ip", "netns", "exec", n, "sysctl", "-n", "net.ipv4.ip_forward").strip()).isEqualTo("1");
        assertThat(sc.get("net.ipv4.ip_forward")).isEqualTo("1");
        // per-interface key, and the other direction: set by sysctl(8), read by netkit
        sc.setInterface("ipv4", "lo", "rp_filter", "2");
        assertThat(Cmd.run("ip", "netns", "exec", n, "sysctl", "-n", "net.ipv4.conf.lo.rp_filter").strip()).isEqualTo("2");
        Cmd.run("ip", "netns", "exec", n, "sysctl", "-q", "-w", "net.ipv4.conf.all.accept_redirects=0");
        assertThat(sc.get("net/ipv4/conf/all/accept_redirects")).isEqualTo("0");
        assertThat(sc.getInterface("ipv4", "all", "accept_redirects")).isEqualTo("0");
        // the machine's own namespace was not touched
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward"))).isEqualTo(rootForwarding);
        // errors
        NetlinkException missing = catchThrowableOfType(() -> sc.get("net.ipv4.no_such_key"), NetlinkException.class);
        assertThat(missing.errnoName()).isEqualTo("ENOENT");
        assertThat(missing.getMessage()).contains("net.ipv4.no_such_key");
        NetlinkException bad = catchThrowableOfType(() -> sc.set("net.ipv4.ip_forward", "banana"), NetlinkException.class);
        assertThat(bad.errnoName()).isEqualTo("EINVAL");
        assertThatThrownBy(() -> sc.set("kernel.hostname", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel.hostname").hasMessageContaining("only net.*");
        assertThatThrownBy(() -> sc.get("net/../kernel/hostname")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sc.get("net..ipv4")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sc.set("net.ipv4.ip_forward", "1\n0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sc.setInterface("ipx", "lo", "forwarding", "1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badNamesAreRejectedQuotingTheInput() {
        for (String bad : new String[] {"", ".", "..", "a/b", "a b", "tab\tname", "x".repeat(256), "nul\0"}) {
            assertThatThrownBy(() -> NetNamespace.create(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"");
            assertThatThrownBy(() -> NetNamespace.open(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> NetNamespace.delete(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> NetNamespace.create("a/b")).hasMessageContaining("\"a/b\"");
        assertThatThrownBy(() -> NetNamespace.create(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void duplicateAndMissingNamespaces() {
        create("twice");
        String n = name("twice");
        NetlinkException e = catchThrowableOfType(() -> NetNamespace.create(n), NetlinkException.class);
        assertThat(e.errnoName()).isEqualTo("EEXIST");
        assertThat(e.getMessage()).startsWith("create namespace " + n + ": EEXIST (File exists)");
        String missing = name("missing");
        assertThatThrownBy(() -> NetNamespace.open(missing)).isInstanceOf(NamespaceNotFoundException.class)
                .hasMessageContaining(missing).hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> NetNamespace.delete(missing)).isInstanceOf(NamespaceNotFoundException.class);
        assertThat(NetNamespace.exists(missing)).isFalse();
        assertThatThrownBy(() -> NetNamespace.openPath(Path.of("/etc/hostname")).call(() -> 1))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("not a network namespace");
    }

    @Test
    void deleteRemovesItFromIpNetnsListAndCloseIsIdempotent() {
        NetNamespace ns = create("del");
        String n = name("del");
        ns.close();
        ns.close();
        assertThat(ns.isClosed()).isTrue();
        assertThatThrownBy(() -> ns.call(() -> 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ns::netlink).isInstanceOf(IllegalStateException.class);
        assertThat(NetNamespace.exists(n)).isTrue();          // close does not delete
        NetNamespace.delete(n);
        assertThat(NetNamespace.exists(n)).isFalse();
        assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(n);
    }

    @Test
    void currentIsSharedAndCannotBeClosed() throws Exception {
        NetNamespace c = NetNamespace.current();
        assertThat(NetNamespace.current()).isSameAs(c);
        c.close();
        assertThat(c.isClosed()).isFalse();
        assertThat(c.inode()).isEqualTo(threadNetnsInode());
        assertThat(c.call(KernelTestSupport::threadNetnsInode)).isEqualTo(c.inode());
    }

    @Test
    void concurrentCreationIsSafe() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<NetNamespace>> fs = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String role = "par" + i;
                name(role);
                fs.add(pool.submit(() -> namespaces.create(role)));
            }
            List<Long> inodes = new ArrayList<>();
            for (Future<NetNamespace> f : fs) {
                inodes.add(f.get().inode());
            }
            assertThat(inodes).doesNotHaveDuplicates();
            String listed = Cmd.run("ip", "netns", "list");
            for (int i = 0; i < 12; i++) {
                assertThat(listed).contains(namespaces.name("par" + i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void namespaceThreadsAreCreatedFromTheOriginalNamespace() throws Exception {
        NetNamespace a = create("orig-a");
        // create another namespace from inside a's thread: its thread still ends up in its own namespace
        NetNamespace b = a.call(() -> create("orig-b"));
        assertThat(b.call(KernelTestSupport::threadNetnsInode)).isEqualTo(b.inode()).isNotEqualTo(a.inode());
        NetNamespace c = a.call(() -> NetNamespace.open(name("orig-b")));
        try {
            assertThat(c.call(KernelTestSupport::threadNetnsInode)).isEqualTo(b.inode());
        } finally {
            c.close();
        }
    }

    @Test
    void availabilityIsReported() {
        assertThat(Netlink.isAvailable()).isTrue();
        assertThat(Netlink.unavailabilityCause()).isNull();
        Netlink.ensureAvailability();
    }
}
