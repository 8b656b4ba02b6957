package io.netkit.nftables;

import java.nio.charset.StandardCharsets;

/** Validation of names that reach the kernel (tables, chains, sets). */
final class Names {
    private Names() {}

    /** Longest name in bytes: {@code NFT_NAME_MAXLEN} (256) less the NUL. */
    static final int MAX_BYTES = 255;

    static String check(String what, String name) {
        if (name == null) {
            throw new NullPointerException(what + " == null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " \"" + name.replace("\0", "\\0") + "\" contains NUL");
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw new IllegalArgumentException(what + " \"" + name + "\" is longer than " + MAX_BYTES
                    + " bytes (NFT_NAME_MAXLEN); use a shorter name");
        }
        return name;
    }
}
