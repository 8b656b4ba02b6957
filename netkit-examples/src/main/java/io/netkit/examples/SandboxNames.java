package io.netkit.examples;

import java.util.List;

/**
 * How the demo names what it makes. Every namespace of a demo run starts with {@code PREFIX-} (default
 * {@code netkit-demo-}), so a kept or interrupted run can be found and removed again from the names alone:
 *
 * <pre>
 *   PREFIX-xxxxxx-host       the "host" of the bridge and nat examples (a {@code Sandbox})
 *   PREFIX-xxxxxx-inet       the "internet", 203.0.113.0/24, behind the host's uplink
 *   PREFIX-xxxxxx-c1 .. c3   the containers
 *   PREFIX-left, PREFIX-right  the two ends of the veth example
 * </pre>
 */
public record SandboxNames(String prefix) {

    public SandboxNames {
        if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("prefix == " + prefix);
    }

    /** The left namespace of the veth example. */
    public String left() {
        return prefix + "-left";
    }

    /** The right namespace of the veth example. */
    public String right() {
        return prefix + "-right";
    }

    /**
     * Whether the namespace {@code name} belongs to a demo run with this prefix: exactly {@code PREFIX-left},
     * {@code PREFIX-right} or {@code PREFIX-xxxxxx-ROLE} (a sandbox's 6 hex digits), so that {@code --cleanup} with
     * a short prefix does not take namespaces that merely start with it.
     */
    public boolean owns(String name) {
        return name.equals(left()) || name.equals(right())
                || name.matches(java.util.regex.Pattern.quote(prefix) + "-[0-9a-f]{6}-[A-Za-z0-9_.-]+");
    }

    /** Those of {@code existing} (e.g. what {@code ip netns list} shows) that belong to a demo run. */
    public List<String> presentIn(List<String> existing) {
        return existing.stream().filter(this::owns).sorted().toList();
    }

    /** The shell commands that remove the given namespaces. */
    public static String removalCommands(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String n : names) {
            if (sb.length() > 0) sb.append("; ");
            sb.append("ip netns del ").append(n);
        }
        return sb.toString();
    }
}
