package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link LibC}'s two call paths give the same results (return values, errno, arrays written back, strings): the JNA
 * {@code Function}s a fresh JVM's first calls go through while the direct mapping is registered in the background,
 * and the direct mapping afterwards (registered once libc calls pause, or at once with
 * {@code -Dnetkit.jna.registerDelay=0}); with {@code -Dnetkit.jna.background=false} the direct mapping is there
 * before the first call returns. Each case runs {@link LibCPathsMain} in a JVM of its own (LibC loads once per JVM).
 */
class LibCRegistrationTest {
    private static final String EXPECTED = " close=-1/9 open=-1/2 bind=0 getsockname=0/12 port=true"
            + " strerror=No such file or directory tid=true";

    @Test
    void bothPathsGiveTheSameResultsAndTheDirectMappingArrives() throws Exception {
        List<String> out = run();
        assertThat(out).hasSize(3);
        // the registration waits for a quiet moment (no libc call for LibC.QUIET_MS): the first round is JNA's
        assertThat(out.get(0)).isEqualTo("first direct=false" + EXPECTED);
        assertThat(out.get(1)).isEqualTo("later direct=true" + EXPECTED);
        assertThat(out.get(2)).isEqualTo("done failure=null");
    }

    @Test
    void withoutTheBackgroundThreadTheFirstCallIsAlreadyDirect() throws Exception {
        List<String> out = run("-D" + LibC.BACKGROUND_PROPERTY + "=false");
        assertThat(out).containsExactly("first direct=true" + EXPECTED, "later direct=true" + EXPECTED,
                "done failure=null");
    }

    @Test
    void theRegistrationWaitsWhileAFewLibcCallsGoOnAndComesOnceTheyPause() throws Exception {
        // a cap far away: only a pause may let the registration start
        List<String> out = run(List.of("-D" + LibC.REGISTER_DELAY_PROPERTY + "=120000"), "steady");
        assertThat(out).containsExactly("steady direct=false calls<busy=true", "first direct=false" + EXPECTED,
                "later direct=true" + EXPECTED, "done failure=null");
    }

    @Test
    void aProcessThatKeepsCallingGetsTheDirectMappingWithoutAPause() throws Exception {
        List<String> out = run(List.of("-D" + LibC.REGISTER_DELAY_PROPERTY + "=120000"), "busy");
        assertThat(out).containsExactly("busy direct=true calls<busy=false", "first direct=true" + EXPECTED,
                "later direct=true" + EXPECTED, "done failure=null");
    }

    @Test
    void withoutTheWaitTheRegistrationStartsAtOnce() throws Exception {
        List<String> out = run("-D" + LibC.REGISTER_DELAY_PROPERTY + "=0");
        assertThat(out).hasSize(3);
        assertThat(out.get(0)).startsWith("first direct=").endsWith(EXPECTED);
        assertThat(out.get(1)).isEqualTo("later direct=true" + EXPECTED);
        assertThat(out.get(2)).isEqualTo("done failure=null");
    }

    @Test
    void theRegistrationRunsOnADaemonThreadAndSucceeds() throws Exception {
        LibC.geteuid();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!LibC.directMapped() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(LibC.directMapped()).as("registered (failure: %s)", LibC.registrationFailure()).isTrue();
        assertThat(LibC.registrationFailure()).isNull();
        // the thread (a daemon: it never holds the JVM up) is done once the mapping is there
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("netkit-jna-register")) {
                assertThat(t.isDaemon()).isTrue();
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
        }
    }

    private static List<String> run(String... flags) throws IOException, InterruptedException {
        return run(List.of(flags));
    }

    private static List<String> run(List<String> flags, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1"));
        argv.addAll(flags);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), LibCPathsMain.class.getName()));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child ended").isTrue();
        assertThat(p.exitValue()).as("child exit; output:\n" + text).isZero();
        return text.lines().toList();
    }
}
