package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * How {@link LibC} starts JNA: libc by its soname, and JNA's library directories from files instead of an
 * {@code ldconfig -p} process (witness: ldconfig's own list of directories holding libc), and JNA's native part
 * from a stable private copy instead of a new temporary file per JVM (witness: {@code /proc/self/maps}).
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
            JnaStart.avoidLdconfig(LibC.ARCH);
            assertThat(System.getProperty("jna.platform.library.path")).isEqualTo("/opt/mine");
        } finally {
            System.setProperty("jna.platform.library.path", before == null ? "" : before);
        }
    }

    @Test
    void jnaLoadsItsNativePartFromTheStablePrivateCopy() throws Exception {
        LibC.geteuid();
        String loaded = System.getProperty("jnidispatch.path");   // set by JNA to the file it loaded
        assertThat(loaded).as("jnidispatch.path").contains("/netkit/jna/").endsWith("/libjnidispatch.so");
        Path file = Path.of(loaded);
        byte[] jar;
        try (var in = com.sun.jna.Native.class.getResourceAsStream("/com/sun/jna/"
                + (LibC.ARCH == LibC.Arch.X86_64 ? "linux-x86-64" : "linux-aarch64") + "/libjnidispatch.so")) {
            jar = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(file)).as("the copy equals the jar's").isEqualTo(jar);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .as("only its owner may write the directory").isEqualTo("rwx------");
        assertThat(Files.readString(Path.of("/proc/self/maps"))).as("mapped by this JVM").contains(loaded);
    }

    @Test
    void aBootPathTheApplicationSetIsKept() {
        String before = System.getProperty("jna.boot.library.path");
        System.setProperty("jna.boot.library.path", "/opt/mine");
        try {
            JnaStart.stableDispatchLibrary(com.sun.jna.Native.class, LibC.ARCH);
            assertThat(System.getProperty("jna.boot.library.path")).isEqualTo("/opt/mine");
        } finally {
            if (before == null) System.clearProperty("jna.boot.library.path");
            else System.setProperty("jna.boot.library.path", before);
        }
    }

    @Test
    void theCachedCopyIsReplacedWhenOneByteOrTheLengthDiffers(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        byte[] lib = new byte[200_000];
        new java.util.Random(7).nextBytes(lib);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(lib);
        Path file = Files.write(dir.resolve("libjnidispatch.so"), lib);
        assertThat(JnaStart.sameContent(file, lib.length, crc.getValue())).as("the same bytes").isTrue();
        lib[123_456] ^= 1;
        Files.write(file, lib);
        assertThat(JnaStart.sameContent(file, lib.length, crc.getValue())).as("one bit flipped").isFalse();
        lib[123_456] ^= 1;
        Files.write(file, java.util.Arrays.copyOf(lib, lib.length - 1));
        assertThat(JnaStart.sameContent(file, lib.length, crc.getValue())).as("one byte short").isFalse();
    }
}
