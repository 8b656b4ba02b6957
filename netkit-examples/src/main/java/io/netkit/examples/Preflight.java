package io.netkit.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Can the demo run here, and if not, why, in words a new user can act on. Asks before anything is changed:
 * privileges, {@code iptables-restore}, and a sandbox left over from an earlier {@code --keep}.
 *
 * <p>The questions go to {@link Probes}, which tests replace, so the not-root and missing-iptables answers
 * are tested without dropping privileges or uninstalling anything.
 */
public final class Preflight {

    /** Bit numbers from include/uapi/linux/capability.h. */
    static final int CAP_NET_ADMIN = 12;
    static final int CAP_SYS_ADMIN = 21;

    /** What the preflight asks the system. */
    public interface Probes {
        /** The effective user id of this process. */
        long effectiveUid();

        /** The effective capability set of this process ({@code CapEff} in {@code /proc/self/status}). */
        long effectiveCapabilities();

        /** Where the executable {@code name} is, if it is installed. */
        Optional<Path> findCommand(String name);

        /** The names of the named network namespaces ({@code ip netns list}). */
        List<String> namespaces();
    }

    private final Probes probes;

    public Preflight(Probes probes) {
        this.probes = Objects.requireNonNull(probes, "probes == null");
    }

    /** A preflight that asks this machine. */
    public static Preflight system() {
        return new Preflight(new SystemProbes());
    }

    public Probes probes() {
        return probes;
    }

    /** Why this process may not create namespaces and links, if it may not. */
    public Optional<String> privilegeProblem() {
        long caps = probes.effectiveCapabilities();
        boolean netAdmin = (caps & (1L << CAP_NET_ADMIN)) != 0;
        boolean sysAdmin = (caps & (1L << CAP_SYS_ADMIN)) != 0;
        if (netAdmin && sysAdmin) return Optional.empty();
        long uid = probes.effectiveUid();
        String who = uid == 0 ? "This process runs as root but without " + (netAdmin ? "CAP_SYS_ADMIN" : "CAP_NET_ADMIN")
                : "This process runs as uid " + uid + " without " + (netAdmin ? "CAP_SYS_ADMIN" : "CAP_NET_ADMIN");
        return Optional.of("netkit needs root or CAP_NET_ADMIN to build networks (and CAP_SYS_ADMIN to create named\n"
                + "namespaces, as `ip netns add` does). " + who + ".\n"
                + "Run it as root, e.g.:  sudo " + Main.command() + " ...");
    }

    /** Why {@code example} cannot install its firewall rules here, if it cannot. */
    public Optional<String> iptablesProblem(Example example) {
        // Only the iptables backend runs iptables-restore; the default (AUTO) writes natively where it is missing.
        if (!example.needsIptables() || io.netkit.core.FirewallBackend.processDefault() != io.netkit.core.FirewallBackend.IPTABLES
                || probes.findCommand("iptables-restore").isPresent()) return Optional.empty();
        return Optional.of("iptables-restore was not found (looked in PATH, /usr/sbin and /sbin); the " + example.id()
                + " example installs netkit's\nfirewall rules with it (-Dnetkit.firewall=iptables). Install the Debian package"
                + " `iptables`:\n  apt-get install iptables\nor leave the backend to netkit (-Dnetkit.firewall=auto, native nftables).");
    }

    /** The namespaces of a sandbox named {@code names} that exist now. */
    public List<String> leftovers(SandboxNames names) {
        return names.presentIn(probes.namespaces());
    }

    /** Why a new sandbox cannot be made: one from an earlier run is still there. */
    public Optional<String> leftoverProblem(SandboxNames names) {
        List<String> left = leftovers(names);
        if (left.isEmpty()) return Optional.empty();
        return Optional.of("A sandbox from an earlier run is still there (kept with --keep, or interrupted): "
                + String.join(", ", left) + ".\n"
                + "Look at it with `ip netns list`, then remove it with:\n"
                + "  " + Main.command() + cleanupArgs(names) + "\n"
                + "or by hand:  " + SandboxNames.removalCommands(left));
    }

    static String cleanupArgs(SandboxNames names) {
        return names.prefix().equals(Options.DEFAULT_PREFIX) ? " --cleanup" : " --cleanup --prefix " + names.prefix();
    }

    /** Everything that keeps {@code options} from running here, in the order a user should fix it. */
    public List<String> problems(Options options) {
        List<String> problems = new ArrayList<>();
        privilegeProblem().ifPresent(problems::add);
        if (!options.cleanup()) {
            iptablesProblem(options.example()).ifPresent(problems::add);
            leftoverProblem(new SandboxNames(options.prefix())).ifPresent(problems::add);
        }
        return problems;
    }

    /** The answers of this machine: {@code /proc/self/status}, {@code PATH}, {@code /run/netns}. */
    public static class SystemProbes implements Probes {
        private static final Path NETNS_DIR = Path.of("/run/netns");

        @Override
        public long effectiveUid() {
            // "Uid:	real	effective	saved	fs"
            return Long.parseLong(status("Uid:").trim().split("\\s+")[1]);
        }

        @Override
        public long effectiveCapabilities() {
            return Long.parseUnsignedLong(status("CapEff:").trim(), 16);
        }

        private static String status(String key) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith(key)) return line.substring(key.length());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("read /proc/self/status", e);
            }
            throw new IllegalStateException("no " + key + " line in /proc/self/status");
        }

        @Override
        public Optional<Path> findCommand(String name) {
            Set<String> dirs = new LinkedHashSet<>();
            String path = System.getenv("PATH");
            if (path != null) dirs.addAll(List.of(path.split(":")));
            dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin"));
            for (String dir : dirs) {
                if (dir.isEmpty()) continue;
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
            }
            return Optional.empty();
        }

        @Override
        public List<String> namespaces() {
            if (!Files.isDirectory(NETNS_DIR)) return List.of();
            try (Stream<Path> s = Files.list(NETNS_DIR)) {
                return s.map(p -> p.getFileName().toString()).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("list " + NETNS_DIR, e);
            }
        }
    }
}
