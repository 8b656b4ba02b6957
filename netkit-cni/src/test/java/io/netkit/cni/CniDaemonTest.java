package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's socket and lifecycle, through the real thin client (VERSION needs no namespace work). */
class CniDaemonTest {
    @TempDir
    Path tmp;

    @Test
    void servesConcurrentClientsOnARootOnlySocketAndStopsCleanly() throws Exception {
        Path sock = tmp.resolve("run/netkit/cni.sock");
        CniDaemon d = CniDaemon.start(sock);
        try {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent()))).isEqualTo("rwx------");
            assertThatThrownBy(() -> CniDaemon.start(sock)).hasMessageContaining("another server is listening");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<Proc.Result>> calls = new java.util.ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    calls.add(CompletableFuture.supplyAsync(() -> Proc.run(Map.of("CNI_COMMAND", "VERSION",
                            "NETKIT_CNI_SOCKET", sock.toString(), "NETKIT_CNI_JAR", "/nonexistent"), "{\"cniVersion\":\"0.4.0\"}", 60,
                            List.of(Proc.client().toString())), pool));
                }
                for (CompletableFuture<Proc.Result> c : calls) {
                    Proc.Result r = c.get(60, TimeUnit.SECONDS);
                    assertThat(r.exitCode()).as(r.stdout()).isZero();
                    assertThat(r.stdout()).startsWith("{\"cniVersion\":\"0.4.0\",\"supportedVersions\":[");
                }
            } finally {
                pool.shutdownNow();
            }
        } finally {
            d.close();
        }
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            try {
                d.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopped.get(30, TimeUnit.SECONDS); // every worker blocked in accept() was woken by close()
        assertThat(sock).doesNotExist();
        d.close(); // idempotent
    }
}
