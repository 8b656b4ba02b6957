package io.netkit.examples;

import java.util.ArrayList;
import java.util.List;

/**
 * The names of the sandbox's network namespaces. Every namespace a demo makes is named here, so a kept
 * sandbox can be found and removed again ({@code --cleanup}) from these names alone.
 *
 * <pre>
 *   PREFIX-host        the "host": the machine the containers run on (bridge, NAT rules, forwarding)
 *   PREFIX-internet    the "internet": 203.0.113.0/24, reached over the host's uplink
 *   PREFIX-c1 .. c3    the containers
 *   PREFIX-left/right  the two ends of the veth example
 * </pre>
 */
public record SandboxNames(String prefix) {

    /** Containers the examples attach at most. */
    public static final int MAX_CONTAINERS = 3;

    public SandboxNames {
        if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("prefix == " + prefix);
    }

    public String host() {
        return prefix + "-host";
    }

    public String internet() {
        return prefix + "-internet";
    }

    /** Container {@code i}, counting from 1. */
    public String container(int i) {
        if (i < 1 || i > MAX_CONTAINERS) throw new IllegalArgumentException("container " + i + ": expected 1.." + MAX_CONTAINERS);
        return prefix + "-c" + i;
    }

    public String left() {
        return prefix + "-left";
    }

    public String right() {
        return prefix + "-right";
    }

    /** Every name a demo may give a namespace, in the order they are removed. */
    public List<String> all() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= MAX_CONTAINERS; i++) names.add(container(i));
        names.add(left());
        names.add(right());
        names.add(host());
        names.add(internet());
        return List.copyOf(names);
    }

    /** Those of {@link #all()} that are in {@code existing} (e.g. what {@code ip netns list} shows). */
    public List<String> presentIn(List<String> existing) {
        return all().stream().filter(existing::contains).toList();
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
