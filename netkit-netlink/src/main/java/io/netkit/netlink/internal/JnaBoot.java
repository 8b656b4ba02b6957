package io.netkit.netlink.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Lets JNA load its native dispatch library from a per-user cache ({@code ~/.cache/netkit/jnidispatch-CRC-SIZE/}),
 * where JNA by default unpacks it from its jar into a new temporary file on every JVM start (a random file name
 * from {@code SecureRandom}, 130 KB written, deleted again at exit). It only sets {@code jna.boot.library.path}
 * before JNA initialises, and touches no JNA class: {@link LibC} stays the one class that calls JNA.
 *
 * <p>The cached copy is named by the CRC-32 and size of the library in the jar on the class path and compared with
 * it byte for byte before use, so another JNA version never loads a stale copy; the directories are created
 * {@code 0700} and a directory that others may write to is not used. Nothing happens when the caller already set
 * {@code jna.boot.library.path}, with {@code -Dnetkit.jna.cache=false}, on architectures without a known resource
 * name, or when anything fails: JNA then unpacks its library as usual.
 */
final class JnaBoot {
    /** {@code -Dnetkit.jna.cache=false} turns the cache off. */
    static final String CACHE_PROPERTY = "netkit.jna.cache";
    private static final Set<PosixFilePermission> OTHERS_MAY_WRITE =
            Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private JnaBoot() {}

    static void useCachedDispatchLibrary() {
        try {
            if (System.getProperty("jna.boot.library.path") != null || Boolean.getBoolean("jna.nounpack")
                    || "false".equals(System.getProperty(CACHE_PROPERTY))) {
                return;
            }
            String platform = platformDir(System.getProperty("os.arch", ""));
            Path root = cacheRoot();
            if (platform == null || root == null) return;
            Path lib = cachedCopy(JnaBoot.class.getClassLoader(), "com/sun/jna/" + platform + "/libjnidispatch.so", root);
            if (lib != null) System.setProperty("jna.boot.library.path", lib.getParent().toString());
        } catch (IOException | RuntimeException e) {
            // JNA unpacks its library as usual
        }
    }

    /** JNA's resource directory for this architecture ({@code com.sun.jna.Platform.RESOURCE_PREFIX}), or null. */
    static String platformDir(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "linux-x86-64";
            case "aarch64", "arm64" -> "linux-aarch64";
            default -> null;
        };
    }

    private static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && xdg.startsWith("/")) return Path.of(xdg, "netkit");
        String home = System.getProperty("user.home");
        return home == null || home.isEmpty() || home.equals("?") ? null : Path.of(home, ".cache", "netkit");
    }

    /**
     * The library {@code resource} copied to {@code root/jnidispatch-CRC-SIZE/libjnidispatch.so} (written only when
     * absent or different), or null when the resource is missing or the directory is writable by others.
     */
    static Path cachedCopy(ClassLoader loader, String resource, Path root) throws IOException {
        byte[] lib;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) return null;
            lib = in.readAllBytes();
        }
        CRC32 crc = new CRC32();
        crc.update(lib);
        Path dir = root.resolve("jnidispatch-" + Long.toHexString(crc.getValue()) + "-" + lib.length); // no Formatter at startup
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (!java.util.Collections.disjoint(Files.getPosixFilePermissions(dir), OTHERS_MAY_WRITE)) return null;
        Path file = dir.resolve("libjnidispatch.so");
        if (Files.isRegularFile(file) && Files.size(file) == lib.length && Arrays.equals(Files.readAllBytes(file), lib)) {
            return file;
        }
        Path tmp = dir.resolve("libjnidispatch.so." + ProcessHandle.current().pid() + ".tmp");
        Files.write(tmp, lib);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
