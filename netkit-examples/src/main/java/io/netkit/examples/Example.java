package io.netkit.examples;

import java.util.Locale;
import java.util.Optional;

/** The three programs of the walkthrough, in the order the walkthrough builds them up, and the overlay across hosts. */
public enum Example {
    VETH("veth", "two namespaces joined by a veth pair", "two namespaces joined by a veth pair; a TCP round trip and a ping between them", false),
    BRIDGE("bridge", "three containers on one bridge", "a bridge with three containers; each reaches every other and the bridge (host) address", false),
    NAT("nat", "containers reach the internet through NAT (masquerade)", "the default: the bridge network with masquerade(); a container reaches a server in the\n"
            + "           \"internet\" namespace, and the server sees the host's uplink address (the NAT)", true),
    OVERLAY("overlay", "containers on several hosts in one VXLAN overlay, coordinated through etcd",
            "three simulated hosts join an overlay through etcd (run in the sandbox); containers on\n"
            + "           different hosts talk with their own addresses; a host that leaves vanishes from the others", true);

    /** The example run when none is named on the command line. */
    public static final Example DEFAULT = NAT;

    private final String id;
    private final String title;
    private final String summary;
    private final boolean needsIptables;

    Example(String id, String title, String summary, boolean needsIptables) {
        this.id = id;
        this.title = title;
        this.summary = summary;
        this.needsIptables = needsIptables;
    }

    /** The name on the command line: {@code veth}, {@code bridge} or {@code nat}. */
    public String id() {
        return id;
    }

    /** A few words: what the example builds. */
    public String title() {
        return title;
    }

    /** One line (two for nat) of what the example shows, for --help. */
    public String summary() {
        return summary;
    }

    /** Whether netkit installs firewall rules for it (through {@code iptables-restore}). */
    public boolean needsIptables() {
        return needsIptables;
    }

    /** The example named {@code id} (case-insensitive), if there is one. */
    public static Optional<Example> byId(String id) {
        for (Example e : values()) {
            if (e.id.equals(id.toLowerCase(Locale.ROOT))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
