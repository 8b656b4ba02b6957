package io.netkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A fresh JVM's first create + attach (as root; the namespaces are the child's own, named after its pid, and gone when
 * it ends): nothing on the way binds slf4j, since netkit's loggers bind at their first message and that path logs
 * nothing (witness: the JVM's class-loading log, in which slf4j's {@code LoggerFactory} may only appear after the
 * attach); nor does it set up the security providers, link a record's generated methods or compile a regular
 * expression, three other costly firsts;
 * and {@link FirstAttach} prints its phases, or with {@code native} only loads the native layer.
 */
class FirstAttachTest {
    @Test
    void aFirstCreateAndAttachBindNoLogger() throws Exception {
        List<String> out = run("-Xlog:class+load=info:stdout:tags", ColdPathMain.class.getName());
        int attached = out.indexOf("attached");
        assertThat(attached).as("the child attached").isPositive();
        assertThat(indexOf(out, " io.netkit.core.Attach ")).as("Attach loaded before").isBetween(0, attached);
        int slf4j = indexOf(out, " org.slf4j.LoggerFactory ");
        assertThat(slf4j < 0 || slf4j > attached).as("slf4j's LoggerFactory loads only after the first attach"
                + " (line %d; attached at %d)", slf4j, attached).isTrue();
    }

    @Test
    void aFirstCreateAndAttachSetUpNoSecurityProvidersLinkNoRecordMethodsAndCompileNoRegex() throws Exception {
        List<String> out = run("-Xlog:class+load=info:stdout:tags", ColdPathMain.class.getName());
        int attached = out.indexOf("attached");
        assertThat(attached).as("the child attached").isPositive();
        // a SecureRandom sets up the security providers (~25 ms of a fresh JVM's first attach, measured); a record's
        // generated equals/hashCode links through ObjectMethods' bootstrap (~6 ms) at its first call; the first
        // regular expression loads and initialises the regex engine (~2.5 ms)
        for (String costly : List.of(" sun.security.jca.Providers ", " java.lang.runtime.ObjectMethods ",
                " java.util.regex.Pattern ")) {
            int at = indexOf(out, costly);
            assertThat(at < 0 || at > attached).as("%s loads only after the first attach (line %d; attached at %d)",
                    costly.trim(), at, attached).isTrue();
        }
    }

    @Test
    void firstAttachPrintsItsPhases() throws Exception {
        List<String> out = run(FirstAttach.class.getName());
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).startsWith("first-attach: CPU before main ")
                .contains("native layer ", " create ", " attach ", "(create + attach ");
    }

    @Test
    void theNativeModeLoadsOnlyTheNativeLayer() throws Exception {
        List<String> out = run(FirstAttach.class.getName(), "native");
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).startsWith("native-only: native layer ").endsWith(" ms");
    }

    private static int indexOf(List<String> lines, String needle) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(needle)) return i;
        }
        return -1;
    }

    private static List<String> run(String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> argv = new java.util.ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path")));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child ended").isTrue();
        assertThat(p.exitValue()).as("child exit; output:\n" + text).isZero();
        return text.lines().toList();
    }
}
