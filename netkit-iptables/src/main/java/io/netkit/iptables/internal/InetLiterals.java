package io.netkit.iptables.internal;

/**
 * Parses and formats IP address literals and prefixes without ever touching DNS
 * ({@code InetAddress.getByName} would resolve host names), in the canonical form {@code iptables-save} prints.
 */
public final class InetLiterals {
    private InetLiterals() {}

    /** Parsed address bytes (4 or 16). Returns null when {@code s} is not an IPv4/IPv6 literal. */
    public static byte[] parseAddress(String s) {
        if (s == null || s.isEmpty()) return null;
        return s.indexOf(':') >= 0 ? parseIpv6(s) : parseIpv4(s);
    }

    private static byte[] parseIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            // Leading zeros are rejected: inet_aton would read them as octal.
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) return null;
            int v = 0;
            for (int k = 0; k < p.length(); k++) {
                char c = p.charAt(k);
                if (c < '0' || c > '9') return null;
                v = v * 10 + (c - '0');
            }
            if (v > 255) return null;
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) return null;
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
        String head = dbl >= 0 ? s.substring(0, dbl) : s;
        String tail = dbl >= 0 ? s.substring(dbl + 2) : "";
        int[] h = groups(head);
        int[] t = groups(tail);
        if (h == null || t == null) return null;
        int total = h.length + t.length;
        if (dbl < 0 ? total != 8 : total > 7) return null;
        int[] all = new int[8];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(t, 0, all, 8 - t.length, t.length);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (all[i] >> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        return out;
    }

    /** Groups of a half of an IPv6 literal; an embedded IPv4 tail counts as two groups. */
    private static int[] groups(String part) {
        if (part.isEmpty()) return new int[0];
        String[] g = part.split(":", -1);
        int n = g.length;
        boolean v4 = g[n - 1].indexOf('.') >= 0;
        int[] out = new int[v4 ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String x = g[i];
            if (v4 && i == n - 1) {
                byte[] b = parseIpv4(x);
                if (b == null) return null;
                out[i] = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
                out[i + 1] = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
            } else {
                if (x.isEmpty() || x.length() > 4 || x.indexOf('.') >= 0) return null;
                out[i] = Integer.parseInt(x, 16);
            }
        }
        return out;
    }

    /** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run of 2+ groups compressed). */
    public static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Zeroes the host bits, as the kernel stores a masked address. */
    public static byte[] mask(byte[] a, int prefix) {
        byte[] out = a.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) out[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
        return out;
    }
}
