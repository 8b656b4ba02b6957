package io.netkit.examples;

import java.util.regex.Pattern;

/**
 * The demo's command line: {@code [veth|bridge|nat] [--keep] [--cleanup] [--prefix NAME] [--help]}.
 *
 * @param example which example to run ({@link Example#DEFAULT} when none is named)
 * @param keep    leave the sandbox in place after the run, for inspection with {@code ip netns}
 * @param cleanup remove a sandbox kept by an earlier run, and do nothing else
 * @param help    print the usage text, and do nothing else
 * @param prefix  the common prefix of the sandbox's namespace names
 * @param ipv6    {@code nat --ipv6}: the dual-stack mode of the nat example (IPv6 through NAT66 beside IPv4)
 */
public record Options(Example example, boolean keep, boolean cleanup, boolean help, String prefix, boolean ipv6) {

    /** Namespace names of the sandbox start with this unless {@code --prefix} says otherwise. */
    public static final String DEFAULT_PREFIX = "netkit-demo";

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9-]{0,19}");

    public Options {
        if (example == null) throw new IllegalArgumentException("example == null");
        checkPrefix(prefix);
    }

    /** Options without {@code --ipv6}. */
    public Options(Example example, boolean keep, boolean cleanup, boolean help, String prefix) {
        this(example, keep, cleanup, help, prefix, false);
    }

    /** The same options with {@code --ipv6} set or cleared. */
    public Options withIpv6(boolean ipv6) {
        return new Options(example, keep, cleanup, help, prefix, ipv6);
    }

    /** Options for running {@code example} in a sandbox whose namespaces start with {@code prefix}. */
    public static Options of(Example example, String prefix) {
        return new Options(example, false, false, false, prefix);
    }

    /** The same options with {@code --keep} set or cleared. */
    public Options withKeep(boolean keep) {
        return new Options(example, keep, cleanup, help, prefix, ipv6);
    }

    /** Parses the command line; a {@link UsageException} says what was wrong with it. */
    public static Options parse(String... args) {
        Example example = null;
        boolean keep = false;
        boolean cleanup = false;
        boolean help = false;
        String prefix = DEFAULT_PREFIX;
        boolean ipv6 = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help", "help" -> help = true;
                case "--keep" -> keep = true;
                case "--cleanup" -> cleanup = true;
                case "--ipv6" -> ipv6 = true;
                case "--prefix" -> {
                    if (i + 1 >= args.length) throw new UsageException("--prefix needs a value, e.g. --prefix my-demo");
                    prefix = args[++i];
                }
                default -> {
                    if (arg.startsWith("--prefix=")) {
                        prefix = arg.substring("--prefix=".length());
                    } else if (arg.startsWith("-")) {
                        throw new UsageException("unknown option '" + arg + "'");
                    } else if (example != null) {
                        throw new UsageException("one example at a time: got '" + example.id() + "' and '" + arg + "'");
                    } else {
                        String name = arg;
                        example = Example.byId(name).orElseThrow(() -> new UsageException(
                                "unknown example '" + name + "': expected veth, bridge or nat"));
                    }
                }
            }
        }
        if (keep && cleanup) throw new UsageException("--keep and --cleanup contradict each other: use one");
        try {
            checkPrefix(prefix);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Example chosen = example == null ? Example.DEFAULT : example;
        if (ipv6 && chosen != Example.NAT) {
            throw new UsageException("--ipv6 is a mode of the nat example (nat --ipv6), not of " + chosen.id());
        }
        return new Options(chosen, keep, cleanup, help, prefix, ipv6);
    }

    private static void checkPrefix(String prefix) {
        if (prefix == null) throw new IllegalArgumentException("prefix == null");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("bad --prefix '" + prefix
                    + "': expected 1 to 20 characters a-z, 0-9 or '-', starting with a letter");
        }
    }

    /** A command line the demo cannot make sense of. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }
}
