package io.netkit.netlink;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Parses and formats IP address literals without ever asking a resolver.
 *
 * <p>{@link InetAddress#getByName(String)} falls back to DNS for anything that is not a literal, and turns
 * {@code ::ffff:1.2.3.4} into an IPv4 address; netkit parses user input here instead, in exactly one place.
 * Formatting follows RFC 5952 (lower case, longest zero run compressed), which is also what {@code ip} prints.
 *
 * <pre>{@code
 * InetAddress gw = IpAddresses.parse("172.16.0.1");
 * IpAddresses.format(IpAddresses.parse("FE80:0:0::1"));   // "fe80::1"
 * }</pre>
 */
public final class IpAddresses {
    private IpAddresses() {}

    /**
     * Parses an IPv4 dotted quad ({@code "172.16.0.1"}) or an IPv6 literal ({@code "fd00::1"},
     * {@code "::ffff:10.0.0.1"}); IPv6 literals always yield an {@link Inet6Address}.
     *
     * @throws IllegalArgumentException quoting the input if it is not such a literal
     */
    public static InetAddress parse(String text) {
        Objects.requireNonNull(text, "address == null");
        byte[] bytes = text.indexOf(':') >= 0 ? parse6(text) : parse4(text, 0, text.length());
        if (bytes == null) {
            throw new IllegalArgumentException("invalid IP address \"" + text
                    + "\": expected an IPv4 dotted quad like 172.16.0.1 or an IPv6 literal like fd00::1");
        }
        return of(bytes);
    }

    /** An address from 4 (IPv4) or 16 (IPv6) bytes; the array is copied. */
    static InetAddress of(byte[] bytes) {
        try {
            if (bytes.length == 4) {
                return InetAddress.getByAddress(null, bytes);
            }
            if (bytes.length == 16) {
                return Inet6Address.getByAddress(null, bytes, -1);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
        throw new IllegalArgumentException("IP address must have 4 or 16 bytes, not " + bytes.length);
    }

    /** Formats as {@code ip} does: dotted quad, or RFC 5952 IPv6 ({@code "fe80::1"}, {@code "::ffff:10.0.0.1"}). */
    public static String format(InetAddress address) {
        Objects.requireNonNull(address, "address == null");
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestStart = -1;
        }
        StringBuilder sb = new StringBuilder(40);
        boolean mapped = bestStart == 0 && bestLen == 5 && w[5] == 0xffff;
        int end = mapped ? 6 : 8;
        for (int i = 0; i < end; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        if (mapped) {
            sb.append(':').append(b[12] & 0xff).append('.').append(b[13] & 0xff).append('.')
                    .append(b[14] & 0xff).append('.').append(b[15] & 0xff);
        }
        return sb.toString();
    }

    /**
     * The value of an ASCII hex digit ({@code 0-9a-fA-F}), else -1. {@link Character#digit(char, int)} also takes
     * fullwidth and other scripts' digits ({@code "\uFF10"}, {@code "\u0661"}), which no tool writes in addresses.
     */
    static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static byte[] parse4(String s, int from, int to) {
        byte[] out = new byte[4];
        int part = 0;
        int i = from;
        while (part < 4) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return null;
            }
            out[part++] = (byte) value;
            if (part < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return null;
                }
                i++;
            }
        }
        return i == to ? out : null;
    }

    private static byte[] parse6(String s) {
        int n = s.length();
        if (n < 2 || n > 45) {
            return null;
        }
        int[] words = new int[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        if (s.startsWith("::")) {
            gap = 0;
            i = 2;
            if (i == n) {
                return new byte[16];
            }
        } else if (s.charAt(0) == ':') {
            return null;
        }
        byte[] v4 = null;
        while (i < n) {
            if (count == 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < n && hexDigit(s.charAt(i)) >= 0 && i - start < 5) {
                value = (value << 4) | hexDigit(s.charAt(i));
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // embedded IPv4 in the last 32 bits
                if (count > 6) {
                    return null;
                }
                v4 = parse4(s, start, n);
                if (v4 == null) {
                    return null;
                }
                words[count++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                words[count++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                i = n;
                break;
            }
            int digits = i - start;
            if (digits == 0 || digits > 4) {
                return null;
            }
            words[count++] = value;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = count;
                i++;
                if (i == n) {
                    break;
                }
            } else if (i == n) {
                return null; // trailing single ':'
            }
        }
        if (gap < 0 && count != 8) {
            return null;
        }
        if (gap >= 0 && count > 7) {
            return null;
        }
        int[] full = new int[8];
        if (gap < 0) {
            full = words;
        } else {
            int tail = count - gap;
            System.arraycopy(words, 0, full, 0, gap);
            System.arraycopy(words, gap, full, 8 - tail, tail);
        }
        byte[] out = new byte[16];
        for (int k = 0; k < 8; k++) {
            out[2 * k] = (byte) (full[k] >>> 8);
            out[2 * k + 1] = (byte) full[k];
        }
        return out;
    }

    static boolean isIpv4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
