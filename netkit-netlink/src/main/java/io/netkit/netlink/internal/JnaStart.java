package io.netkit.netlink.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The settings {@link LibC} gives JNA before JNA starts, so that a fresh JVM's first netkit call spends no time on
 * JNA's own start-up habits: an {@code ldconfig -p} process, a new temporary copy of JNA's native part per JVM, and
 * reading that part out of its jar. Pure file work (JNA's classes are passed in by {@link LibC}, the one class that
 * uses JNA). Not part of the public API.
 */
final class JnaStart {
    /** The file in a cache directory that names the jar (path, size, modification time) its copy came from. */
    static final String ORIGIN = "origin";
    static final String LIBRARY = "libjnidispatch.so";

    private JnaStart() {}

    /**
     * JNA unpacks its native part ({@code libjnidispatch.so}) from its jar into a new temporary file on every JVM
     * start ({@code File.createTempFile}, whose {@code SecureRandom} sets up the security providers: ~30 ms CPU,
     * then a delete-on-exit hook). Unless the application configured JNA's loading itself
     * ({@code jna.boot.library.path}, {@code jna.boot.library.name}, {@code jna.nounpack}) or set
     * {@code netkit.jna.cache=false}, this unpacks it once into a directory under {@code ~/.cache/netkit/jna/} (or
     * under {@code $XDG_CACHE_HOME}; only its owner may write it, checked before use) and points
     * {@code jna.boot.library.path} there. Any failure leaves JNA to its usual unpacking.
     *
     * <p>When JNA comes from a jar file, the directory is named after that jar (path, size, modification time), and a
     * later start that finds the same jar checks the copy against the length and CRC-32 recorded beside it, without
     * opening the jar: reading a jar's directory for the first resource costs a fresh JVM 5–15 ms (11,000 entries in
     * a fat jar). Otherwise (classes in a directory, a nested jar) the copy is named after its CRC-32 and checked
     * against the jar's bytes at every start.
     */
    static void stableDispatchLibrary(Class<?> jna, LibC.Arch arch) {
        if (System.getProperty("jna.boot.library.path") != null || System.getProperty("jna.boot.library.name") != null
                || Boolean.getBoolean("jna.nounpack") || "false".equals(System.getProperty("netkit.jna.cache"))) {
            return;
        }
        try {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg != null && xdg.startsWith("/") ? Path.of(xdg)
                    : Path.of(System.getProperty("user.home", "?"), ".cache");
            if (!base.isAbsolute()) return;   // no home directory ("?"): JNA's own temporary file
            Path jnaDir = base.resolve("netkit").resolve("jna");
            String origin = jarOrigin(jna, arch);
            Path dir = origin == null ? null : jnaDir.resolve("j" + crcHex(origin.getBytes(StandardCharsets.UTF_8)));
            if (dir != null && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && privateUpTo(dir, base)
                    && copyMatchesOrigin(dir, origin)) {
                System.setProperty("jna.boot.library.path", dir.toString());
                return;
            }
            byte[] lib;
            try (InputStream in = jna.getResourceAsStream("/com/sun/jna/"
                    + (arch == LibC.Arch.X86_64 ? "linux-x86-64" : "linux-aarch64") + "/" + LIBRARY)) {
                if (in == null) return;
                lib = in.readAllBytes();
            }
            CRC32 crc = new CRC32();
            crc.update(lib);
            if (dir == null) {
                dir = jnaDir.resolve(Long.toHexString(crc.getValue()));
            }
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!privateUpTo(dir, base)) {
                return;   // others could swap the library: let JNA unpack a private copy
            }
            Path file = dir.resolve(LIBRARY);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !sameContent(file, lib.length, crc.getValue())) {
                writeAtomically(dir, LIBRARY, lib);   // a JVM loading the old copy keeps its inode
            }
            if (origin != null) {
                writeAtomically(dir, ORIGIN, (origin + lib.length + "\n" + Long.toHexString(crc.getValue()) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            System.setProperty("jna.boot.library.path", dir.toString());
        } catch (IOException | RuntimeException e) {
            // JNA unpacks it as usual
        }
    }

    /**
     * The lines that name the jar file JNA's classes come from (its real path, size and modification time, and the
     * architecture), each ending in a newline; null if they do not come from a plain jar file.
     */
    static String jarOrigin(Class<?> jna, LibC.Arch arch) {
        try {
            java.security.CodeSource source = jna.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
                return null;
            }
            Path jar = Path.of(source.getLocation().toURI()).toRealPath();
            BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
            if (!a.isRegularFile()) return null;
            return jar + "\n" + a.size() + "\n" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "\n" + arch + "\n";
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether {@code dir} holds a copy that came from the jar {@code origin} names, whole: the origin file names that
     * jar and records the copy's length and CRC-32, and the copy has them.
     */
    static boolean copyMatchesOrigin(Path dir, String origin) throws IOException {
        Path recorded = dir.resolve(ORIGIN);
        Path file = dir.resolve(LIBRARY);
        if (!Files.isRegularFile(recorded, LinkOption.NOFOLLOW_LINKS) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        String text = Files.readString(recorded, StandardCharsets.UTF_8);
        if (!text.startsWith(origin)) return false;
        String[] rest = text.substring(origin.length()).split("\n");
        if (rest.length != 2) return false;
        try {
            return sameContent(file, Integer.parseInt(rest[0]), Long.parseLong(rest[1], 16));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Whether the file has the jar copy's length and CRC-32 (computed natively: an {@code Arrays.equals} of the
     * ~200 KB in a fresh JVM's interpreter costs a few milliseconds at every start). The copy only ever comes from
     * an atomic rename in an owner-only directory, so what this must catch is a different JNA version or a damaged
     * file, which both change the length or the checksum.
     */
    static boolean sameContent(Path file, int length, long crc) throws IOException {
        byte[] copy = Files.readAllBytes(file);
        if (copy.length != length) return false;
        CRC32 c = new CRC32();
        c.update(copy);
        return c.getValue() == crc;
    }

    /** Whether no directory from {@code dir} up to {@code base} is writable by its group or others. */
    private static boolean privateUpTo(Path dir, Path base) throws IOException {
        for (Path d = dir; d != null && d.startsWith(base); d = d.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(d, LinkOption.NOFOLLOW_LINKS);
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return false;
            }
        }
        return true;
    }

    /** A private name, then an atomic rename: readers see the old file or the new one, whole. */
    private static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = dir.resolve("." + name + "." + ProcessId.pid() + "." + System.nanoTime());
        Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String crcHex(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return Long.toHexString(c.getValue());
    }

    /**
     * JNA's {@code NativeLibrary} runs {@code /sbin/ldconfig -p} (a process, on every JVM start) in its static
     * initialiser to learn the library directories, unless {@code jna.platform.library.path} is set. Unless the
     * application set it, this sets it to what ldconfig would mostly say, read from files: the multiarch and
     * standard directories and those listed in {@code /etc/ld.so.conf.d/*.conf}.
     */
    static void avoidLdconfig(LibC.Arch arch) {
        if (System.getProperty("jna.platform.library.path") != null) return;
        try {
            String multiarch = arch == LibC.Arch.X86_64 ? "x86_64-linux-gnu" : "aarch64-linux-gnu";
            LinkedHashSet<String> dirs = new LinkedHashSet<>(List.of(
                    "/usr/lib/" + multiarch, "/lib/" + multiarch, "/usr/lib64", "/lib64", "/usr/lib", "/lib"));
            Path conf = Path.of("/etc/ld.so.conf.d");
            if (Files.isDirectory(conf)) {
                // a directory stream and a plain sort, not Files.list(..).sorted(): in a fresh JVM a stream pipeline
                // and its lambdas cost this thread ~6 ms, before JNA can even start
                ArrayList<Path> files = new ArrayList<>();
                try (DirectoryStream<Path> listed = Files.newDirectoryStream(conf)) {
                    for (Path f : listed) {
                        if (f.toString().endsWith(".conf")) files.add(f);
                    }
                }
                Collections.sort(files);
                for (Path f : files) {
                    String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                    for (int at = 0, end; at < text.length(); at = end + 1) {
                        end = text.indexOf('\n', at);
                        if (end < 0) end = text.length();
                        String d = text.substring(at, end).strip();
                        if (d.startsWith("/")) dirs.add(d);
                    }
                }
            }
            StringBuilder path = new StringBuilder();
            for (String d : dirs) {
                if (!Files.isDirectory(Path.of(d))) continue;
                if (path.length() > 0) path.append(java.io.File.pathSeparatorChar);
                path.append(d);
            }
            System.setProperty("jna.platform.library.path", path.toString());
        } catch (IOException | RuntimeException e) {
            // JNA runs ldconfig as usual
        }
    }
}
