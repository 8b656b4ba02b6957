package io.netkit.core.internal;

import java.security.SecureRandom;

/** Random names and identifiers. Not for use outside netkit. */
public final class Names {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Names() {}

    public static String hex(int digits) {
        char[] c = new char[digits];
        for (int i = 0; i < digits; i++) {
            c[i] = HEX[RANDOM.nextInt(16)];
        }
        return new String(c);
    }

    /** A random link group id in [0x10000, 2^31): far from 0 (the default group) and small hand-picked ids. */
    public static int group() {
        return 0x10000 + RANDOM.nextInt(Integer.MAX_VALUE - 0x10000);
    }
}
