package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonThreadsTest {
    @Test
    void anExecutorsThreadsAreNamedDaemons() throws Exception {
        ExecutorService e = Executors.newSingleThreadExecutor(new DaemonThreads("netkit-test-pool"));
        try {
            CompletableFuture<Thread> ran = new CompletableFuture<>();
            e.execute(() -> ran.complete(Thread.currentThread()));
            Thread t = ran.get(10, TimeUnit.SECONDS);
            assertThat(t.getName()).isEqualTo("netkit-test-pool");
            assertThat(t.isDaemon()).as("never holds the JVM up").isTrue();
        } finally {
            e.shutdownNow();
        }
    }
}
