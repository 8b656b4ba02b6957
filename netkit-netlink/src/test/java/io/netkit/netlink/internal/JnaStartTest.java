package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JNA's native part cached under the name of the jar it came from ({@link JnaStart#stableDispatchLibrary}): fresh
 * JVMs with their own cache directory ({@code XDG_CACHE_HOME}) make it once, use it again, and replace a damaged copy;
 * and the check that lets a start skip reading the jar refuses every mismatch.
 */
class JnaStartTest {
    /** Run in a child JVM: starts JNA through LibC and prints the file JNA loaded its native part from. */
    public static final class Child {
        public static void main(String[] args) {
            LibC.geteuid();
            System.out.println(System.getProperty("jnidispatch.path"));
        }
    }

    @Test
    void aFreshJvmMakesTheCopyUnderTheJarsNameAndTheNextUsesOrRepairsIt(@TempDir Path cache) throws Exception {
        String first = child(cache);
        Path file = Path.of(first);
        Path dir = file.getParent();
        assertThat(dir.getParent()).isEqualTo(cache.resolve("netkit").resolve("jna"));
        assertThat(dir.getFileName().toString()).as("named after the jar").startsWith("j");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        String origin = JnaStart.jarOrigin(com.sun.jna.Native.class, LibC.ARCH);
        assertThat(origin).as("JNA comes from a jar file in the tests").isNotNull();
        assertThat(Files.readString(dir.resolve(JnaStart.ORIGIN), StandardCharsets.UTF_8)).startsWith(origin);
        byte[] jar;
        try (var in = com.sun.jna.Native.class.getResourceAsStream("/com/sun/jna/"
                + (LibC.ARCH == LibC.Arch.X86_64 ? "linux-x86-64" : "linux-aarch64") + "/libjnidispatch.so")) {
            jar = in.readAllBytes();
        }
        assertThat(Files.readAllBytes(file)).as("the copy equals the jar's").isEqualTo(jar);
        long inode = (Long) Files.getAttribute(file, "unix:ino");

        assertThat(child(cache)).as("the second JVM uses the same copy").isEqualTo(first);
        assertThat((Long) Files.getAttribute(file, "unix:ino")).as("not rewritten").isEqualTo(inode);

        byte[] damaged = jar.clone();
        damaged[damaged.length / 2] ^= 1;
        Files.write(file, damaged);
        assertThat(child(cache)).isEqualTo(first);
        assertThat(Files.readAllBytes(file)).as("a damaged copy is replaced from the jar").isEqualTo(jar);
    }

    @Test
    void theOriginCheckRefusesAnotherJarADamagedCopyAndABrokenRecord(@TempDir Path dir) throws Exception {
        byte[] lib = new byte[100_000];
        new java.util.Random(3).nextBytes(lib);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(lib);
        String origin = "/opt/jna.jar\n2002589\n1700000000000000000\nX86_64\n";
        Files.write(dir.resolve(JnaStart.LIBRARY), lib);
        String record = origin + lib.length + "\n" + Long.toHexString(crc.getValue()) + "\n";
        Files.writeString(dir.resolve(JnaStart.ORIGIN), record);
        assertThat(JnaStart.copyMatchesOrigin(dir, origin)).as("the same jar, the copy whole").isTrue();
        assertThat(JnaStart.copyMatchesOrigin(dir, origin.replace("1700000000000000000", "1700000000000000001")))
                .as("the jar modified since").isFalse();
        Files.writeString(dir.resolve(JnaStart.ORIGIN), record.substring(0, record.length() - 4));
        assertThat(JnaStart.copyMatchesOrigin(dir, origin)).as("a checksum cut short").isFalse();
        Files.writeString(dir.resolve(JnaStart.ORIGIN), origin);
        assertThat(JnaStart.copyMatchesOrigin(dir, origin)).as("no length and checksum").isFalse();
        Files.writeString(dir.resolve(JnaStart.ORIGIN), record);
        Files.write(dir.resolve(JnaStart.LIBRARY), java.util.Arrays.copyOf(lib, lib.length - 1));
        assertThat(JnaStart.copyMatchesOrigin(dir, origin)).as("a copy one byte short").isFalse();
        Files.delete(dir.resolve(JnaStart.LIBRARY));
        Files.createSymbolicLink(dir.resolve(JnaStart.LIBRARY), Path.of("/usr/lib/os-release"));
        assertThat(JnaStart.copyMatchesOrigin(dir, origin)).as("a symbolic link").isFalse();
    }

    private static String child(Path cache) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                Child.class.getName())).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("child exit; output: " + out).isZero();
        return out;
    }
}
