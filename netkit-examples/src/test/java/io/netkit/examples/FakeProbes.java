package io.netkit.examples;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Preflight answers chosen by a test: a user, a capability set, installed commands, existing namespaces. */
final class FakeProbes implements Preflight.Probes {
    static final long ALL_CAPS = 0x000001ffffffffffL;

    long uid = 0;
    long caps = ALL_CAPS;
    Set<String> commands = Set.of("iptables-restore", "iptables-save", "ping");
    List<String> namespaces = new ArrayList<>();

    static FakeProbes root() {
        return new FakeProbes();
    }

    static FakeProbes user(long uid) {
        FakeProbes p = new FakeProbes();
        p.uid = uid;
        p.caps = 0;
        return p;
    }

    FakeProbes without(String command) {
        commands = commands.stream().filter(c -> !c.equals(command)).collect(java.util.stream.Collectors.toSet());
        return this;
    }

    FakeProbes withNamespaces(String... names) {
        namespaces.addAll(List.of(names));
        return this;
    }

    @Override
    public long effectiveUid() {
        return uid;
    }

    @Override
    public long effectiveCapabilities() {
        return caps;
    }

    @Override
    public Optional<Path> findCommand(String name) {
        return commands.contains(name) ? Optional.of(Path.of("/usr/sbin", name)) : Optional.empty();
    }

    @Override
    public List<String> namespaces() {
        return List.copyOf(namespaces);
    }
}
