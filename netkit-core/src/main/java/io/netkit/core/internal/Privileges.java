package io.netkit.core.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Answers whether this process may change network namespaces and whether {@code iptables} is installed, so
 * that netkit can fail fast with an explanation instead of half-way with an errno. Not for use outside netkit.
 */
public final class Privileges {
    /** Bit numbers from {@code include/uapi/linux/capability.h}. */
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    private static volatile Long effective;

    private Privileges() {}

    static long effectiveCaps() {
        Long caps = effective;
        if (caps == null) {
            caps = -1L; // unknown: let the kernel decide
            try {
                String value = field(Files.readString(Path.of("/proc/self/status")), "CapEff:");
                if (value != null) caps = Long.parseUnsignedLong(value, 16);
            } catch (IOException | NumberFormatException e) {
                // keep -1
            }
            effective = caps;
        }
        return caps;
    }

    /**
     * The trimmed rest of the first line of {@code text} that starts with {@code key}, or null. The files are read
     * whole with {@code Files.readString}, not by lines: a line reader's decoder classes cost a fresh JVM's first
     * {@code Network.create()} ~1.5 ms.
     */
    static String field(String text, String key) {
        int at = text.startsWith(key) ? 0 : text.indexOf("\n" + key);
        if (at < 0) return null;
        int start = at + (at == 0 ? 0 : 1) + key.length();
        int end = text.indexOf('\n', start);
        return text.substring(start, end < 0 ? text.length() : end).trim();
    }

    /** Throws a clear error unless the process holds CAP_NET_ADMIN (and CAP_SYS_ADMIN when creating namespaces). */
    public static void requireNetAdmin(String operation, boolean namespaces) {
        requireNetAdmin(operation, namespaces, effectiveCaps());
    }

    static void requireNetAdmin(String operation, boolean namespaces, long caps) {
        boolean netAdmin = (caps >>> CAP_NET_ADMIN & 1) != 0;
        boolean sysAdmin = (caps >>> CAP_SYS_ADMIN & 1) != 0;
        if (!netAdmin || (namespaces && !sysAdmin)) {
            throw new SecurityException(operation + ": netkit needs root (CAP_NET_ADMIN"
                    + (namespaces ? " and CAP_SYS_ADMIN for network namespaces" : "")
                    + "); this process (uid " + uid() + ") has effective capabilities 0x" + Long.toHexString(caps)
                    + ". Run as root, or grant the capabilities (e.g. setcap cap_net_admin,cap_sys_admin+ep on the java binary).");
        }
    }

    private static String uid() {
        try {
            String value = field(Files.readString(Path.of("/proc/self/status")), "Uid:");
            if (value != null) return value.split("\\s+")[1];
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "?";
    }

    private static volatile boolean mountNamespaceChecked;

    /**
     * Logs a warning (once) if {@code /run/netns} is a slave mount in this process's mount namespace (as under
     * {@code ip netns exec}): the bind mounts that name the namespaces it creates do not propagate back to the
     * machine's mount namespace and vanish when the process exits, and with them the namespaces.
     */
    public static void warnIfPrivateMountNamespace() {
        if (mountNamespaceChecked) {
            return;
        }
        mountNamespaceChecked = true;
        try {
            String fields = null;
            String text = Files.readString(Path.of("/proc/self/mountinfo"));
            for (int at = 0, end; at < text.length(); at = end + 1) {
                end = text.indexOf('\n', at);
                if (end < 0) end = text.length();
                String line = text.substring(at, end);
                String[] f = line.split(" ");
                if (f.length > 6 && f[4].equals("/run/netns")) {
                    fields = line.substring(0, Math.max(0, line.indexOf(" - "))); // the last mount there counts
                }
            }
            if (isSlaveOnly(fields)) {
                org.slf4j.LoggerFactory.getLogger(Privileges.class).warn("/run/netns is a slave mount in this process's "
                        + "mount namespace (as under 'ip netns exec'): namespaces it creates disappear when it exits. Run it "
                        + "in the machine's mount namespace and choose the host with Host.namespace(NAME)");
            }
        } catch (IOException | RuntimeException e) {
            // cannot tell: say nothing
        }
    }

    /** Whether the optional fields of a mountinfo line say "receives mounts, but does not pass them on". */
    static boolean isSlaveOnly(String mountinfoFields) {
        return mountinfoFields != null && mountinfoFields.contains(" master:") && !mountinfoFields.contains(" shared:");
    }

    /** Finds {@code program} on PATH (and in the sbin directories, which a non-login root PATH may lack). */
    public static Path findProgram(String program) {
        return findProgram(program, System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin");
    }

    static Path findProgram(String program, String searchPath) {
        for (String dir : searchPath.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Throws a clear error naming the Debian package unless {@code iptables-restore} and {@code iptables-save} exist. */
    public static void requireIptables(String operation) {
        requireIptablesFor(operation, "masquerade()");
    }

    /** As {@link #requireIptables(String)}, naming {@code feature} as what needs iptables. */
    public static void requireIptablesFor(String operation, String feature) {
        requireIptables(operation, feature, System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin");
    }

    /**
     * Refuses a dual-stack feature (NAT66, IPv6 forwarding accepts, IPv6 port publishing) when
     * {@code ip6tables-restore}/{@code ip6tables-save} are missing (they ship in the same Debian package as iptables).
     */
    public static void requireIp6tables(String operation) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
        for (String tool : new String[] {"ip6tables-restore", "ip6tables-save"}) {
            if (findProgram(tool, path) == null) {
                throw new IllegalStateException(operation + ": '" + tool + "' was not found on PATH or in /usr/sbin; the "
                        + "IPv6 side of a dual-stack network needs ip6tables. Install the Debian package 'iptables' "
                        + "(apt-get install iptables).");
            }
        }
    }

    static void requireIptables(String operation, String searchPath) {
        requireIptables(operation, "masquerade()", searchPath);
    }

    static void requireIptables(String operation, String feature, String searchPath) {
        for (String tool : new String[] {"iptables-restore", "iptables-save"}) {
            if (findProgram(tool, searchPath) == null) {
                throw new IllegalStateException(operation + ": '" + tool + "' was not found on PATH or in /usr/sbin; "
                        + feature + " needs iptables. Install the Debian package 'iptables' (apt-get install iptables).");
            }
        }
    }
}
