package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * How {@link LibC} starts JNA: libc by its soname, and JNA's library directories from files instead of an
 * {@code ldconfig -p} process (witness: ldconfig's own list of directories holding libc).
 */
class LibCStartTest {
    @Test
    void jnaGetsTheLibraryDirectoriesWithoutRunningLdconfig() throws Exception {
        LibC.geteuid();   // JNA initialised through LibC
        String path = System.getProperty("jna.platform.library.path");
        assertThat(path).as("jna.platform.library.path").isNotBlank();
        for (String d : path.split(":")) {
            assertThat(Path.of(d)).isDirectory();
        }
        Process p = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        String cache = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        for (String line : cache.split("\n")) {
            if (line.strip().startsWith("libc.so.6 ") && line.contains("=>")) {
                String dir = Path.of(line.substring(line.indexOf("=>") + 2).strip()).getParent().toString();
                assertThat(path.split(":")).as("ldconfig has libc in " + dir).contains(dir);
            }
        }
    }

    @Test
    void aPathTheApplicationSetIsKept() {
        String before = System.getProperty("jna.platform.library.path");
        System.setProperty("jna.platform.library.path", "/opt/mine");
        try {
            LibC.avoidLdconfig();
            assertThat(System.getProperty("jna.platform.library.path")).isEqualTo("/opt/mine");
        } finally {
            System.setProperty("jna.platform.library.path", before == null ? "" : before);
        }
    }
}
