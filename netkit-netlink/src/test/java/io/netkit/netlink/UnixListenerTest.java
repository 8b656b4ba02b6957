package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.File;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The CNI daemon's listener: owner-only socket, the peer's pid and namespace, echo over JNA read/write. */
class UnixListenerTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @TempDir
    Path dir;

    @Test
    void peerCredentialsAndDataOfAJavaClient() throws Exception {
        Path sock = dir.resolve("sub/x.sock");
        try (UnixListener l = UnixListener.bind(sock)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent()))).isEqualTo("rwx------");
            CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
                try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                    ch.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
                    ch.shutdownOutput();
                    ByteBuffer b = ByteBuffer.allocate(100);
                    while (ch.read(b) >= 0) { /* until the server closes */ }
                    return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (UnixListener.Connection c = l.accept()) {
                assertThat(c.peerPid()).isEqualTo((int) ProcessHandle.current().pid());
                assertThat(c.peerUid()).isEqualTo(Integer.parseInt(Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString()));
                try (NetNamespace ns = c.peerNetNamespace()) {
                    assertThat(ns.inode()).isEqualTo(NetNamespace.current().inode());
                }
                String got = new String(c.readAll(1 << 20), StandardCharsets.UTF_8);
                c.write(("echo " + got).getBytes(StandardCharsets.UTF_8));
            }
            assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("echo hello");
        }
        assertThat(sock).doesNotExist();
    }

    @Test
    @Privileged
    void peerNamespaceIsThatOfAClientInAnotherNamespace() throws Exception {
        NetNamespace other = namespaces.create("peer");
        Path sock = dir.resolve("p.sock");
        try (UnixListener l = UnixListener.bind(sock)) {
            // A process (not a thread) in the other namespace connects: ip netns exec NS socat/bash.
            Process p = new ProcessBuilder("ip", "netns", "exec", namespaces.name("peer"), "bash", "-c",
                    "exec 3<>/dev/null; cat /dev/null | python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); "
                            + "s.connect(sys.argv[1]); s.shutdown(socket.SHUT_WR); s.recv(10)' " + sock)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (UnixListener.Connection c = l.accept(); NetNamespace ns = c.peerNetNamespace()) {
                assertThat(ns.inode()).isEqualTo(other.inode());
                c.write(new byte[] {1});
            }
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aLiveServerIsNotReplacedAndLongPathsAreRefused() {
        Path sock = dir.resolve("live.sock");
        try (UnixListener l = UnixListener.bind(sock)) {
            assertThatThrownBy(() -> UnixListener.bind(sock)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another server is listening on " + sock);
        }
        assertThatThrownBy(() -> UnixListener.bind(dir.resolve("x".repeat(120))))
                .hasMessageContaining("limit is 107");
        assertThat(new File(dir.toFile(), "live.sock")).doesNotExist();
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        UnixListener l = UnixListener.bind(dir.resolve("w.sock"));
        CompletableFuture<Throwable> accept = CompletableFuture.supplyAsync(() -> {
            try {
                l.accept();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(100);
        l.close();
        assertThat(accept.get(5, TimeUnit.SECONDS)).isInstanceOf(NetlinkException.class);
    }
}
