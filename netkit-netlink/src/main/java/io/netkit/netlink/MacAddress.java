package io.netkit.netlink;

import java.util.Objects;
import java.util.Random;

/**
 * A 48-bit Ethernet (link-layer) address, written as {@code ip} writes it: {@code 02:42:ac:11:00:02}.
 *
 * <pre>{@code
 * MacAddress.parse("02:42:AC:11:00:02").toString();   // "02:42:ac:11:00:02"
 * MacAddress.random().isLocallyAdministered();        // true
 * }</pre>
 *
 * @param value the 48 address bits in the low bits of a long, first octet most significant
 */
public record MacAddress(long value) {
    /**
     * Seeded once from {@code /dev/urandom}, on first use: a {@code SecureRandom} costs a fresh JVM ~30 ms of CPU
     * (the security providers' set-up) when this class loads, which every link dump did; a random MAC needs no
     * secrecy, only to differ between processes.
     */
    private static final class Rng {
        static final Random RANDOM = new Random(urandomSeed());

        static long urandomSeed() {
            try (java.io.FileInputStream in = new java.io.FileInputStream("/dev/urandom")) {
                byte[] b = in.readNBytes(8);
                long s = 0;
                for (byte x : b) s = (s << 8) | (x & 0xff);
                if (b.length == 8) return s;
            } catch (java.io.IOException e) {
                // below
            }
            return System.nanoTime() ^ (io.netkit.netlink.internal.ProcessId.pid() << 32) ^ System.identityHashCode(Rng.class);
        }
    }

    /** Validates that only the low 48 bits are used. */
    public MacAddress {
        if ((value >>> 48) != 0) {
            throw new IllegalArgumentException("MAC address value has more than 48 bits: 0x" + Long.toHexString(value));
        }
    }

    /**
     * Parses six colon-separated hex octets ({@code "02:42:ac:11:00:02"}, case-insensitive).
     *
     * @throws IllegalArgumentException quoting the input when it is not of that form
     */
    public static MacAddress parse(String text) {
        Objects.requireNonNull(text, "mac == null");
        if (text.length() != 17) {
            throw invalid(text);
        }
        long v = 0;
        for (int i = 0; i < 6; i++) {
            int hi = IpAddresses.hexDigit(text.charAt(3 * i));
            int lo = IpAddresses.hexDigit(text.charAt(3 * i + 1));
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(3 * i + 2) != ':')) {
                throw invalid(text);
            }
            v = (v << 8) | (hi << 4) | lo;
        }
        return new MacAddress(v);
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("invalid MAC address \"" + text
                + "\": expected six hex octets separated by ':' like 02:42:ac:11:00:02");
    }

    /** The address of exactly six bytes (copied). */
    public static MacAddress of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes == null");
        if (bytes.length != 6) {
            throw new IllegalArgumentException("MAC address needs 6 bytes, got " + bytes.length);
        }
        return of(bytes, 0);
    }

    static MacAddress of(byte[] bytes, int offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (bytes[offset + i] & 0xff);
        }
        return new MacAddress(v);
    }

    static MacAddress of(java.nio.ByteBuffer buf, int offset) {
        long v = 0;
        for (int i = 0; i < 6; i++) {
            v = (v << 8) | (buf.get(offset + i) & 0xff);
        }
        return new MacAddress(v);
    }

    /** A random locally administered unicast address (as the kernel's {@code eth_random_addr}). */
    public static MacAddress random() {
        byte[] b = new byte[6];
        Rng.RANDOM.nextBytes(b);
        b[0] &= (byte) 0xfe; // unicast
        b[0] |= 0x02;        // locally administered
        return of(b);
    }

    /** The six bytes, first octet first (a fresh array). */
    public byte[] bytes() {
        byte[] b = new byte[6];
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) (value >>> (8 * (5 - i)));
        }
        return b;
    }

    /** True for group (multicast/broadcast) addresses. */
    public boolean isMulticast() {
        return ((value >>> 40) & 1) != 0;
    }

    /** True when the locally-administered bit is set. */
    public boolean isLocallyAdministered() {
        return ((value >>> 40) & 2) != 0;
    }

    /** Lower-case colon form: {@code "02:42:ac:11:00:02"}. */
    @Override
    public String toString() {
        char[] c = new char[17];
        for (int i = 0; i < 6; i++) {
            int b = (int) (value >>> (8 * (5 - i))) & 0xff;
            c[3 * i] = Character.forDigit(b >>> 4, 16);
            c[3 * i + 1] = Character.forDigit(b & 0xf, 16);
            if (i < 5) {
                c[3 * i + 2] = ':';
            }
        }
        return new String(c);
    }
}
