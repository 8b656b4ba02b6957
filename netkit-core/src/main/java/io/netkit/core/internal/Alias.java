package io.netkit.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The records netkit keeps on kernel objects, as interface aliases ({@code IFLA_IFALIAS}, what
 * {@code ip link set DEV alias TEXT} sets and {@code ip -d link show} prints).
 *
 * <p>Format: {@code netkit:v1 key=value key=value ...}; values are percent-escaped for {@code %}, space,
 * {@code =} and control characters, so any namespace name or path survives the round trip. The kernel limits
 * an alias to 255 bytes ({@code IFALIASZ - 1}); {@link #encode} refuses longer records.
 *
 * <p>Not for use outside netkit.
 */
public final class Alias {
    /** Marks an alias written by netkit, and the version of its format. */
    public static final String PREFIX = "netkit:v1";
    /** {@code IFALIASZ - 1} from {@code include/uapi/linux/if.h}. */
    public static final int MAX_BYTES = 255;

    private Alias() {}

    /** Encodes {@code entries} (in iteration order) into an alias; throws if it would exceed 255 bytes. */
    public static String encode(Map<String, String> entries) {
        StringBuilder sb = new StringBuilder(PREFIX);
        for (Map.Entry<String, String> e : entries.entrySet()) {
            sb.append(' ').append(e.getKey()).append('=').append(escape(e.getValue()));
        }
        String alias = sb.toString();
        int bytes = alias.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException("netkit record is " + bytes + " bytes, the kernel keeps at most "
                    + MAX_BYTES + " in an interface alias (shorten the namespace name or path): " + alias);
        }
        return alias;
    }

    /** Decodes a netkit alias; empty for {@code null} or an alias netkit did not write. */
    public static Optional<Map<String, String>> decode(String alias) {
        if (alias == null || !(alias.equals(PREFIX) || alias.startsWith(PREFIX + " "))) {
            return Optional.empty();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String token : tokens(alias.substring(PREFIX.length()).trim())) {
            int eq = token.indexOf('=');
            if (eq <= 0) {
                out.put(token, "");
            } else {
                out.put(token.substring(0, eq), unescape(token.substring(eq + 1)));
            }
        }
        return Optional.of(Collections.unmodifiableMap(out));
    }

    static String escape(String v) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(v.length() + 8);
        for (byte b : v.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c == '%' || c == '=' || c == 0x7f) {
                out.write('%');
                out.write(Character.forDigit(c >> 4, 16));
                out.write(Character.forDigit(c & 15, 16));
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The words of {@code s} between runs of spaces ({@code split(" +")} without a regular expression). */
    private static java.util.List<String> tokens(String s) {
        java.util.List<String> out = new java.util.ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                out.add(s.substring(start, i));
            }
        }
        return out;
    }

    static String unescape(String v) {
        if (v.indexOf('%') < 0) {
            return v;
        }
        byte[] raw = v.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length);
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length) {
                int hi = Character.digit(raw[i + 1], 16);
                int lo = Character.digit(raw[i + 2], 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi << 4 | lo);
                    i += 2;
                    continue;
                }
            }
            out.write(raw[i]);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
