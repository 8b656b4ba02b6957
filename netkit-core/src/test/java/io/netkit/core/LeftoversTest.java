package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The host-wide sweep ({@link Host#leftovers()}): finds what a vanished network left, removes it, and nothing else. */
@Privileged
class LeftoversTest {
    static final String PREFIX = "nkt-lo-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void theCurrentHostsSweepListsLockFilesOfNamespacesThatNoLongerExist() throws Exception {
        java.nio.file.Path dir = io.netkit.core.internal.NetworkLock.directory();
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Path stale = dir.resolve("999999999-nktstale0-0badc0de.lock");
        java.nio.file.Files.write(stale, new byte[8]);
        try {
            // list() only reads (links and iptables-save of this namespace, /run/netkit, /proc): it changes nothing.
            assertThat(Host.current().leftovers().list()).extracting(Leftover::kind, Leftover::name)
                    .contains(org.assertj.core.groups.Tuple.tuple(Leftover.Kind.FILE, stale.getFileName().toString()));
            try (Sandbox sb = Sandbox.create(PREFIX)) {
                assertThat(sb.host().leftovers().list()).as("another host's sweep leaves it to the current host's")
                        .noneMatch(l -> l.name().equals(stale.getFileName().toString()));
            }
        } finally {
            java.nio.file.Files.deleteIfExists(stale);
        }
    }

    @Test
    void closingASandboxRemovesLockFilesAKilledProcessLeftForItsHost() throws Exception {
        java.nio.file.Path dir = io.netkit.core.internal.NetworkLock.directory();
        java.nio.file.Path lock;
        java.nio.file.Path slot;
        String prefix;
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            // As a process killed while creating br9 leaves them: a lock file and an idle intent slot, no bridge yet.
            String base = sb.host().netns().inode() + "-br9-0badf00d";
            java.nio.file.Files.createDirectories(dir.resolve(base + ".d"));
            lock = java.nio.file.Files.write(dir.resolve(base + ".lock"), new byte[8]);
            slot = java.nio.file.Files.write(dir.resolve(base + ".d").resolve("999999-1"), "I\n-\n-\n0\n".getBytes());
            try (Network kept = Network.bridge("br0").on(sb.host()).subnet("172.16.0.0/24").create()) {
                kept.attach(sb.name("c1"));
            }
            // and a network of this process whose bridge someone deleted by hand (its lock file is still held here)
            Network orphan = Network.bridge("br1").on(sb.host()).subnet("172.17.0.0/24").create();
            orphan.attach(sb.name("c2"));
            Cmd.run("ip", "-n", sb.name("host"), "link", "del", "br1");
            assertThat(lock).exists();
            prefix = sb.host().netns().inode() + "-";
        }
        assertThat(lock).as("swept with the sandbox: its host inode may be reused later").doesNotExist();
        assertThat(slot.getParent()).doesNotExist();
        try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.list(dir)) {
            String p = prefix;
            assertThat(left.map(f -> f.getFileName().toString())).noneMatch(f -> f.startsWith(p));
        } catch (java.nio.file.NoSuchFileException emptyAndRemoved) {
            // nothing left at all
        }
    }

    @Test
    void listsAndCollectsWhatAVanishedNetworkLeftAndNothingElse() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name() + "-host";
            Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").masquerade().create();
            Endpoint c1 = net.attach(EndpointSpec.create(sb.name("c1")).publish(8080, 80));
            NetNamespace given = NetNamespace.create(sb.name("given"));
            Endpoint g = net.attach(given);
            // Another network that stays, and things netkit did not make, which the sweep must not touch.
            Network other = Network.bridge("br1").on(Probe.ipt(sb)).subnet("172.17.0.0/24").masquerade().create();
            Endpoint o1 = other.attach(sb.name("o1"));
            NetNamespace.create(sb.name("bystander")).close();
            Cmd.run("ip", "-n", host, "link", "add", "nkvforeign", "type", "veth", "peer", "name", "nkvforeignp");
            Cmd.run("ip", "-n", host, "link", "set", "nkvforeign", "alias", "netkit:v1 net=br0 nid=zz addr=1.2.3.4/24");
            Cmd.run("ip", "netns", "exec", host, "iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.9.0.0/16",
                    "-m", "comment", "--comment", "admin rule", "-j", "MASQUERADE");

            // The network vanishes as if its process crashed and someone removed the bridge by hand.
            Cmd.run("ip", "-n", host, "link", "del", "br0");

            List<Leftover> found = sb.host().leftovers().list();
            String net0 = "br0@" + net.id;
            assertThat(found).extracting(Leftover::kind, Leftover::name).contains(
                    org.assertj.core.groups.Tuple.tuple(Leftover.Kind.RULES, net0),
                    org.assertj.core.groups.Tuple.tuple(Leftover.Kind.LINK, c1.hostInterface()),
                    org.assertj.core.groups.Tuple.tuple(Leftover.Kind.LINK, g.hostInterface()),
                    org.assertj.core.groups.Tuple.tuple(Leftover.Kind.NAMESPACE, sb.name("c1")));
            assertThat(found).allMatch(l -> l.network().contains(net.id) || l.kind() == Leftover.Kind.FILE, "only br0's");
            assertThat(found).noneMatch(l -> l.name().contains("foreign") || l.name().contains("bystander")
                    || l.name().equals(sb.name("given")) || l.network().contains(other.id));

            List<Leftover> removed = sb.host().leftovers().collect();
            assertThat(removed).containsAll(found.stream().filter(l -> l.kind() != Leftover.Kind.FILE
                    || l.name().contains("-br0-")).toList());
            assertThat(sb.host().leftovers().list()).filteredOn(l -> l.kind() != Leftover.Kind.FILE).isEmpty();

            assertThat(NetNamespace.exists(sb.name("c1"))).isFalse();
            assertThat(NetNamespace.exists(sb.name("given"))).as("a namespace netkit was given is kept").isTrue();
            assertThat(NetNamespace.exists(sb.name("bystander"))).isTrue();
            assertThat(Probe.linkNamesButWaiting(host)).containsExactlyInAnyOrder("lo", Sandbox.UPLINK, "br1", o1.hostInterface(),
                    "nkvforeign", "nkvforeignp");
            String rules = Probe.iptablesSave(host);
            assertThat(rules).doesNotContain("netkit:br0@").contains("netkit:br1@").contains("admin rule");
            assertThat(Probe.roundTrip(o1, sb.hostNamespace(), other.gateway())).isEqualTo(o1.address());

            net.close(); // this process's stale object: nothing left, no error
            other.close();
            given.close();
            NetNamespace.delete(sb.name("given"));
            NetNamespace.delete(sb.name("bystander"));
            Cmd.run("ip", "-n", host, "link", "del", "nkvforeign");
        }
    }
}
