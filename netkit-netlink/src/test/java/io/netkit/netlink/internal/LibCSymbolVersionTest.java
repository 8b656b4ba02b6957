package io.netkit.netlink.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every C function {@link LibC} binds must exist in glibc 2.28 (RHEL 8, Debian 10): one missing symbol fails the
 * whole {@code Native.register}, and then every netkit call. Reads the symbol versions ({@code .gnu.version},
 * {@code .gnu.version_d}) of the libc this JVM has loaded, straight from its ELF file, and checks that each bound
 * name has a version no newer than {@code GLIBC_2.28} (an unversioned symbol counts as old).
 */
class LibCSymbolVersionTest {
    private static final int[] MAX = {2, 28};

    @Test
    void everyBoundSymbolIsExportedByGlibc228() throws IOException {
        Path libc = loadedLibc();
        Map<String, List<String>> versions = symbolVersions(Files.readAllBytes(libc));
        assertThat(versions).as("dynamic symbols of " + libc).containsKeys("socket", "setns");
        // the reader itself is right: these two are the ones that broke old distributions
        assertThat(oldest(versions.get("fstat"))).as("fstat in " + libc).isEqualTo("GLIBC_2.33");
        assertThat(oldest(versions.get("gettid"))).as("gettid in " + libc).isEqualTo("GLIBC_2.30");

        Map<String, String> tooNew = new TreeMap<>();
        TreeSet<String> bound = new TreeSet<>();
        for (Method m : LibC.Direct.class.getDeclaredMethods()) {
            if (Modifier.isNative(m.getModifiers())) {
                bound.add(m.getName());
            }
        }
        assertThat(bound).contains("socket", "syscall", "setns");
        for (String name : bound) {
            List<String> v = versions.get(name);
            assertThat(v).as("libc exports " + name).isNotNull();
            String oldest = oldest(v);
            if (oldest != null && compare(oldest, MAX) > 0) {
                tooNew.put(name, oldest);
            }
        }
        assertThat(tooNew).as("symbols bound by LibC that glibc 2.28 lacks (name -> oldest version)").isEmpty();
    }

    @Test
    void unknownArchitecturesFailClearly() {
        assertThat(LibC.checkedArch("amd64", "64")).isEqualTo(LibC.Arch.X86_64);
        assertThat(LibC.checkedArch("aarch64", "64")).isEqualTo(LibC.Arch.AARCH64);
        assertThat(LibC.Arch.AARCH64.sysGettid).isEqualTo(178);
        assertThat(LibC.Arch.X86_64.sysGettid).isEqualTo(186);
        assertThatThrownBy(() -> LibC.checkedArch("ppc64le", "64")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("x86_64 and aarch64").hasMessageContaining("ppc64le");
        assertThatThrownBy(() -> LibC.checkedArch("x86", "32")).isInstanceOf(UnsupportedOperationException.class);
        // on this machine the real calls work: the thread id matches /proc/thread-self
        assertThat(LibC.gettid()).isPositive();
    }

    /** The oldest version of a name (null when some definition is unversioned). */
    static String oldest(List<String> versions) {
        String best = null;
        for (String v : versions) {
            if (v == null) {
                return null;
            }
            if (best == null || compare(v, parse(best)) < 0) {
                best = v;
            }
        }
        return best;
    }

    static int[] parse(String version) {
        String[] p = version.substring(version.indexOf('_') + 1).split("\\.");
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Integer.parseInt(p[i]);
        }
        return out;
    }

    static int compare(String version, int[] other) {
        int[] a = parse(version);
        for (int i = 0; i < Math.max(a.length, other.length); i++) {
            int x = i < a.length ? a[i] : 0;
            int y = i < other.length ? other[i] : 0;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return 0;
    }

    static Path loadedLibc() throws IOException {
        LibC.geteuid();   // make sure JNA has loaded it
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash > 0 && line.matches(".*/libc(\\.so\\.6|-[0-9.]+\\.so)$")) {
                return Path.of(line.substring(slash));
            }
        }
        throw new AssertionError("libc.so.6 is not mapped into this JVM");
    }

    /**
     * Name to the versions of its defined dynamic symbols (null for an unversioned one), from the ELF64 section
     * headers, {@code .dynsym}, its string table, {@code .gnu.version} and {@code .gnu.version_d}.
     */
    static Map<String, List<String>> symbolVersions(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(elf[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        assertThat(elf[4]).as("ELFCLASS64").isEqualTo((byte) 2);
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3A) & 0xFFFF;
        int shnum = b.getShort(0x3C) & 0xFFFF;
        int dynsym = -1;
        int versym = -1;
        int verdef = -1;
        for (int i = 0; i < shnum; i++) {
            int type = b.getInt((int) (shoff + (long) i * shentsize + 4));
            if (type == 11) {
                dynsym = i;
            } else if (type == 0x6fffffff) {
                versym = i;
            } else if (type == 0x6ffffffd) {
                verdef = i;
            }
        }
        assertThat(dynsym).as(".dynsym").isNotNegative();
        long symOff = sh(b, shoff, shentsize, dynsym, 0x18);
        long symSize = sh(b, shoff, shentsize, dynsym, 0x20);
        int strIndex = b.getInt((int) (shoff + (long) dynsym * shentsize + 0x28));
        long strOff = sh(b, shoff, shentsize, strIndex, 0x18);

        Map<Integer, String> versionNames = new HashMap<>();
        if (verdef >= 0) {
            long vd = sh(b, shoff, shentsize, verdef, 0x18);
            int count = b.getInt((int) (shoff + (long) verdef * shentsize + 0x2C));
            int vdStr = b.getInt((int) (shoff + (long) verdef * shentsize + 0x28));
            long vdStrOff = sh(b, shoff, shentsize, vdStr, 0x18);
            for (int i = 0; i < count; i++) {
                int ndx = b.getShort((int) vd + 4) & 0xFFFF;
                int aux = b.getInt((int) vd + 12);
                int name = b.getInt((int) (vd + aux));
                versionNames.put(ndx, cstring(elf, vdStrOff + name));
                int next = b.getInt((int) vd + 16);
                if (next == 0) {
                    break;
                }
                vd += next;
            }
        }
        long verOff = versym >= 0 ? sh(b, shoff, shentsize, versym, 0x18) : -1;
        Map<String, List<String>> out = new HashMap<>();
        int n = (int) (symSize / 24);
        for (int i = 1; i < n; i++) {
            int p = (int) (symOff + 24L * i);
            int shndx = b.getShort(p + 6) & 0xFFFF;
            if (shndx == 0) {
                continue;   // undefined: imported, not exported
            }
            String name = cstring(elf, strOff + b.getInt(p));
            String version = null;
            if (verOff >= 0) {
                int idx = b.getShort((int) (verOff + 2L * i)) & 0x7FFF;
                version = idx <= 1 ? null : versionNames.get(idx);
            }
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(version);
        }
        return out;
    }

    private static long sh(ByteBuffer b, long shoff, int shentsize, int index, int field) {
        return b.getLong((int) (shoff + (long) index * shentsize + field));
    }

    private static String cstring(byte[] elf, long off) {
        int end = (int) off;
        while (elf[end] != 0) {
            end++;
        }
        return new String(elf, (int) off, end - (int) off, StandardCharsets.US_ASCII);
    }
}
