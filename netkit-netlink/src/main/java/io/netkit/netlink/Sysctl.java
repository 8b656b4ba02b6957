package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;

/**
 * sysctl of one network namespace: reads and writes {@code /proc/sys/net/...} from the namespace's own
 * thread ({@code /proc/sys/net} shows the namespace of the thread that opens it).
 *
 * <pre>{@code
 * ns.sysctl().set("net.ipv4.ip_forward", "1");                      // ip netns exec NS sysctl -w net.ipv4.ip_forward=1
 * ns.sysctl().get("net.ipv4.conf.all.forwarding");                  // "1"
 * ns.sysctl().setInterface("ipv4", "eth0.100", "rp_filter", "0");   // names with dots need this form
 * }</pre>
 *
 * <p>Keys are written with dots ({@code net.ipv4.ip_forward}) or with slashes
 * ({@code net/ipv4/conf/eth0.100/forwarding}, for interface names containing dots). Only {@code net.*}
 * keys are accepted: every other sysctl is global to the machine, not per namespace.
 */
public final class Sysctl {
    private static final Path PROC_SYS = Path.of("/proc/sys");

    private final NetNamespace ns;

    Sysctl(NetNamespace ns) {
        this.ns = ns;
    }

    /**
     * Reads a key; the value without its trailing newline (multi-value keys keep their tabs).
     *
     * <p>Equivalent to: {@code ip netns exec NS sysctl -n KEY}
     *
     * @throws NetlinkException with {@code ENOENT} if there is no such key
     */
    public String get(String key) {
        Path p = pathOf(key);
        return ns.call(() -> {
            try {
                String s = new String(readOnce(p), StandardCharsets.UTF_8);
                return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
            } catch (NoSuchFileException e) {
                throw NetlinkException.withDetail("sysctl get", key, Errno.ENOENT, "no such key (" + p + ")", e);
            } catch (AccessDeniedException e) {
                throw new NetlinkException("sysctl get", key, Errno.EACCES, null, e);
            } catch (IOException e) {
                throw NetlinkException.withDetail("sysctl get", key, Errno.EIO, String.valueOf(e.getMessage()), e);
            }
        });
    }

    /**
     * Reads a key as {@link #get} does, but without the hand-off to the namespace thread once the key was read: its
     * file is opened there once and kept open with the handle (closed by {@link NetNamespace#close()}), and each
     * read is one {@code pread} from the caller's thread (an open {@code /proc/sys/net} file stays bound to the
     * namespace it was opened in). For keys read on every operation (a few per handle: at most
     * {@value #KEPT_FILES} are kept). A kept file whose key went away (an interface deleted, perhaps made again
     * under the same name) fails its read and is opened again.
     *
     * <p>Equivalent to: {@code ip netns exec NS sysctl -n KEY}
     *
     * @throws NetlinkException with {@code ENOENT} if there is no such key
     */
    public String peek(String key) {
        Path p = pathOf(key);
        java.util.Map<String, java.nio.channels.FileChannel> files = ns.keptFiles();
        String name = p.toString();
        java.nio.channels.FileChannel ch = files.get(name);
        if (ch != null) {
            try {
                String v = value(ch, p);
                return v != null ? v : get(key);
            } catch (IOException | RuntimeException stale) {
                files.remove(name, ch);
                closeQuietly(ch);
            }
        }
        java.nio.channels.FileChannel opened = ns.call(() -> {
            try {
                return java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw NetlinkException.withDetail("sysctl get", key, Errno.ENOENT, "no such key (" + p + ")", e);
            } catch (AccessDeniedException e) {
                throw new NetlinkException("sysctl get", key, Errno.EACCES, null, e);
            } catch (IOException e) {
                throw NetlinkException.withDetail("sysctl get", key, Errno.EIO, String.valueOf(e.getMessage()), e);
            }
        });
        try {
            String v = value(opened, p);
            if (v == null) {
                return get(key);
            }
            if (files.size() < KEPT_FILES && files.putIfAbsent(name, opened) == null) {
                if (ns.isClosed()) {
                    files.remove(name, opened);   // the handle closed its kept files already: this one goes below
                } else {
                    opened = null;   // kept
                }
            }
            return v;
        } catch (IOException e) {
            throw NetlinkException.withDetail("sysctl get", key, Errno.EIO, String.valueOf(e.getMessage()), e);
        } finally {
            if (opened != null) {
                closeQuietly(opened);
            }
        }
    }

    /** At most this many files are kept open per handle by {@link #peek}. */
    static final int KEPT_FILES = 16;

    /** The value read at offset 0 without its newline, or null if it may be longer than one small read. */
    private static String value(java.nio.channels.FileChannel ch, Path p) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(256);
        int n = ch.read(buf, 0);
        if (n < 0) {
            return "";
        }
        if (n == buf.capacity()) {
            return null;   // a long value (a list): read whole by get
        }
        String s = new String(buf.array(), 0, n, StandardCharsets.UTF_8);
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static void closeQuietly(java.nio.channels.FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // a read-only procfs file: nothing to flush
        }
    }

    /**
     * Reads a procfs file with ONE read from offset 0 into a buffer large enough for any sysctl value. procfs
     * reports size 0, and the integer handlers ({@code proc_dointvec}) return EOF for a read at any offset but 0:
     * {@code Files.readAllBytes} read one byte and then hit that EOF ("6" for 64). Values longer than the buffer
     * (none of the net.* keys) are refused rather than cut.
     */
    static byte[] readOnce(Path p) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p,
                java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(READ_BUFFER);
            int n = ch.read(buf, 0);
            if (n < 0) {
                return new byte[0];
            }
            if (n == READ_BUFFER) {
                throw new IOException(p + " holds more than " + READ_BUFFER + " bytes; not a net.* sysctl value");
            }
            byte[] out = new byte[n];
            buf.flip().get(out);
            return out;
        }
    }

    /** Larger than any value of the kernel's net.* sysctls (the longest are lists of a few hundred bytes). */
    private static final int READ_BUFFER = 64 * 1024;

    /**
     * Writes a key.
     *
     * <p>Equivalent to: {@code ip netns exec NS sysctl -w KEY=VALUE}
     *
     * @throws NetlinkException with the kernel's errno ({@code EINVAL} for a value it refuses,
     *     {@code ENOENT} for an unknown key)
     */
    public void set(String key, String value) {
        Objects.requireNonNull(value, "value == null");
        if (value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("sysctl value must not contain newline or NUL: \""
                    + value.replace("\n", "\\n").replace("\0", "\\0") + "\"");
        }
        Path p = pathOf(key);
        byte[] bytes = (value + "\n").getBytes(StandardCharsets.UTF_8);
        ns.run(() -> {
            int fd = LibC.open(p.toString(), LibC.O_WRONLY | LibC.O_CLOEXEC, 0);
            if (fd < 0) {
                int e = LibC.errno();
                if (e == Errno.ENOENT) {
                    throw NetlinkException.withDetail("sysctl set", key, e, "no such key (" + p + ")", null);
                }
                if ((e == Errno.EACCES || e == Errno.EPERM) && readOnly(p)) {
                    // Root too gets EACCES here: the mode says the key cannot be written in this namespace, so
                    // the generic "needs CAP_NET_ADMIN" hint would mislead.
                    String target = key + "=" + value;
                    throw new NetlinkException("sysctl set " + target + ": " + Errno.name(e) + " (" + Errno.text(e)
                            + "): the key is read-only in this namespace (mode " + modeOf(p) + "): the kernel lets no"
                            + " one set it here (it may be global, settable only in the initial namespace)",
                            "sysctl set", target, e, null, null, true);
                }
                throw new NetlinkException("sysctl set", key + "=" + value, e, null);
            }
            try {
                long n = LibC.write(fd, bytes, bytes.length);
                if (n < 0) {
                    throw new NetlinkException("sysctl set", key + "=" + value, LibC.errno(), null);
                }
            } finally {
                LibC.close(fd);
            }
        });
    }

    /**
     * Reads {@code net.<family>.conf.<ifname>.<key>}; {@code family} is {@code "ipv4"} or {@code "ipv6"},
     * {@code ifname} may contain dots (or be {@code "all"}/{@code "default"}).
     */
    public String getInterface(String family, String ifname, String key) {
        return get(interfaceKey(family, ifname, key));
    }

    /**
     * Writes {@code net.<family>.conf.<ifname>.<key>}, e.g. {@code setInterface("ipv4", "eth0", "forwarding", "1")}.
     *
     * <p>Equivalent to: {@code ip netns exec NS sysctl -w net.ipv4.conf.eth0.forwarding=1}
     */
    public void setInterface(String family, String ifname, String key, String value) {
        set(interfaceKey(family, ifname, key), value);
    }

    private static String interfaceKey(String family, String ifname, String key) {
        Objects.requireNonNull(family, "family == null");
        Objects.requireNonNull(ifname, "ifname == null");
        Objects.requireNonNull(key, "key == null");
        if (!family.equals("ipv4") && !family.equals("ipv6")) {
            throw new IllegalArgumentException("family must be \"ipv4\" or \"ipv6\": \"" + family + "\"");
        }
        if (ifname.isEmpty() || ifname.length() > 15 || ifname.contains("/") || ifname.equals(".") || ifname.equals("..")) {
            throw new IllegalArgumentException("invalid interface name: \"" + ifname + "\"");
        }
        if (key.isEmpty() || key.contains("/") || key.contains(".")) {
            throw new IllegalArgumentException("invalid per-interface sysctl key: \"" + key + "\"");
        }
        return "net/" + family + "/conf/" + ifname + "/" + key;
    }

    private static boolean readOnly(Path p) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            return !perms.contains(PosixFilePermission.OWNER_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static String modeOf(Path p) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        } catch (IOException | UnsupportedOperationException e) {
            return "unknown";
        }
    }

    /** Maps a key to its file under /proc/sys, refusing anything that could leave /proc/sys/net. */
    private static boolean hasWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    static Path pathOf(String key) {
        Objects.requireNonNull(key, "key == null");
        String rel = key.indexOf('/') >= 0 ? key : key.replace('.', '/');
        String[] parts = rel.split("/", -1);
        for (String part : parts) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0
                    || hasWhitespace(part)) {
                throw new IllegalArgumentException("invalid sysctl key \"" + key.replace("\0", "\\0")
                        + "\": expected e.g. net.ipv4.ip_forward or net/ipv4/conf/eth0.100/forwarding");
            }
        }
        if (!parts[0].equals("net") || parts.length < 2) {
            throw new IllegalArgumentException("sysctl key \"" + key
                    + "\" is not per network namespace: only net.* keys are accepted");
        }
        return PROC_SYS.resolve(rel);
    }
}
