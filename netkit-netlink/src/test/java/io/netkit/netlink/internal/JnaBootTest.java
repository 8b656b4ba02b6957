package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JnaBootTest {
    private static final String RESOURCE = "com/sun/jna/" + JnaBoot.platformDir(System.getProperty("os.arch")) + "/libjnidispatch.so";

    private static byte[] jarCopy() throws Exception {
        try (InputStream in = JnaBoot.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            return in.readAllBytes();
        }
    }

    @Test
    void copiesJnasLibraryOnceIntoAPrivateDirectoryNamedByItsChecksum(@TempDir Path root) throws Exception {
        Path lib = JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root);

        assertThat(lib).isNotNull().hasFileName("libjnidispatch.so").hasBinaryContent(jarCopy());
        assertThat(lib.getParent().getFileName().toString()).matches("jnidispatch-[0-9a-f]+-" + jarCopy().length);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lib.getParent()))).isEqualTo("rwx------");
        long written = Files.getLastModifiedTime(lib).toMillis();
        Files.setLastModifiedTime(lib, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));

        assertThat(JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root)).isEqualTo(lib);
        assertThat(Files.getLastModifiedTime(lib).toMillis()).as("reused, not rewritten").isEqualTo(written - 60_000);
        try (var files = Files.list(lib.getParent())) {
            assertThat(files).containsExactly(lib);
        }
    }

    @Test
    void rewritesACopyThatDiffersFromTheJars(@TempDir Path root) throws Exception {
        Path lib = JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root);
        byte[] corrupt = jarCopy();
        corrupt[corrupt.length / 2] ^= 1;
        Files.write(lib, corrupt);

        assertThat(JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root)).hasBinaryContent(jarCopy());
    }

    @Test
    void refusesADirectoryOthersMayWriteTo(@TempDir Path root) throws Exception {
        Path lib = JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root);
        Files.setPosixFilePermissions(lib.getParent(), PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), RESOURCE, root)).isNull();
    }

    @Test
    void aMissingResourceMeansNoCache(@TempDir Path root) throws Exception {
        assertThat(JnaBoot.cachedCopy(JnaBoot.class.getClassLoader(), "com/sun/jna/nowhere/libjnidispatch.so", root)).isNull();
        assertThat(JnaBoot.platformDir("sparc")).isNull();
    }

    @Test
    void thisJvmLoadedJnaFromTheCacheUnlessTheCallerChoseAPath() {
        LibC.geteuid();   // JNA initialised through LibC
        String bootPath = System.getProperty("jna.boot.library.path");
        assertThat(bootPath).as("jna.boot.library.path").isNotNull();
        assertThat(Path.of(bootPath, "libjnidispatch.so")).exists();
    }
}
