package io.netkit.core.internal;

import java.util.Random;

/** Random names and identifiers. Not for use outside netkit. */
public final class Names {
    /**
     * Seeded once from {@code /dev/urandom}: a {@code SecureRandom} costs a fresh JVM ~30 ms of CPU (the security
     * providers' set-up) at its first create; names and group ids need no secrecy, only to differ between processes
     * (a clash is caught by the kernel's EEXIST and the records' checks anyway).
     */
    private static final Random RANDOM = new Random(urandomSeed());
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Names() {}

    public static String hex(int digits) {
        char[] c = new char[digits];
        long bits = 0;
        for (int i = 0; i < digits; i++) {
            if (i % 16 == 0) {
                bits = RANDOM.nextLong(); // one draw per 16 digits
            }
            c[i] = HEX[(int) (bits >>> (4 * (i % 16))) & 15];
        }
        return new String(c);
    }

    /**
     * Whether {@code s} is exactly {@code digits} lowercase hex digits (what {@link #hex} makes). Checked by hand, as
     * the other validators on the create and attach path: a fresh JVM's first regular expression costs ~2.5 ms.
     */
    public static boolean isHex(String s, int digits) {
        if (s == null || s.length() != digits) {
            return false;
        }
        for (int i = 0; i < digits; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} is 1 to {@code maxDigits} decimal digits ({@code [0-9]{1,maxDigits}}). */
    public static boolean isDecimal(String s, int maxDigits) {
        if (s == null || s.isEmpty() || s.length() > maxDigits) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** A random link group id in [0x10000, 2^31): far from 0 (the default group) and small hand-picked ids. */
    public static int group() {
        return 0x10000 + RANDOM.nextInt(Integer.MAX_VALUE - 0x10000);
    }

    /**
     * This process's id, from the {@code /proc/self} link: {@code ProcessHandle.current()} costs a fresh JVM ~3 ms at
     * its first call (the JDK's process reaper's set-up), on the way of the first create.
     */
    public static long pid() {
        return Pid.PID;
    }

    private static final class Pid {
        static final long PID = read();

        private static long read() {
            try {
                return Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")).toString());
            } catch (java.io.IOException | NumberFormatException | UnsupportedOperationException e) {
                return ProcessHandle.current().pid();
            }
        }
    }

    /**
     * A non-zero random long that tells one incarnation of a file from the next (not a secret: from the same
     * generator, so a fresh JVM does not set up the security providers for it).
     */
    public static long nonce() {
        long n;
        do {
            n = RANDOM.nextLong();
        } while (n == 0);
        return n;
    }

    private static long urandomSeed() {
        try (java.io.FileInputStream in = new java.io.FileInputStream("/dev/urandom")) {
            byte[] b = in.readNBytes(8);
            long s = 0;
            for (byte x : b) s = (s << 8) | (x & 0xff);
            if (b.length == 8) return s;
        } catch (java.io.IOException e) {
            // below
        }
        return System.nanoTime() ^ (pid() << 32);
    }
}
