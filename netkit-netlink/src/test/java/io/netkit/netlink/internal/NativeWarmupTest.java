package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link NativeWarmup}: the first use of {@code NetNamespace} starts loading JNA and libc on a daemon thread, so
 * that JNA's native part is there before the caller's thread makes any native call (witness: JNA's own
 * {@code jnidispatch.path}, set when it loads its library); {@code -Dnetkit.native.warmup=false} leaves it to the
 * first call. Each case runs {@link NativeWarmupMain} in a JVM of its own (LibC loads once per JVM).
 */
class NativeWarmupTest {
    @Test
    void theNativeLayerLoadsInTheBackgroundOnceNetNamespaceIsUsed() throws Exception {
        assertThat(run("wait")).containsExactly("loaded before any call=true", "current=true loaded=true");
    }

    @Test
    void withTheWarmupOffNothingLoadsBeforeTheFirstCall() throws Exception {
        assertThat(run("now", "-D" + NativeWarmup.PROPERTY + "=false"))
                .containsExactly("loaded before any call=false", "current=true loaded=true");
    }

    private static List<String> run(String mode, String... flags) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1"));
        argv.addAll(List.of(flags));
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), NativeWarmupMain.class.getName(), mode));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child ended").isTrue();
        assertThat(p.exitValue()).as("child exit; output:\n" + text).isZero();
        return text.lines().toList();
    }
}
