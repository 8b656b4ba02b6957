package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.Iptables;
import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The process-free backend decision agrees with {@link Iptables#detectBackend} (the tools themselves), and steps back
 * when it cannot be certain. Witnesses: {@code iptables-legacy}, {@code nft}.
 */
@Privileged
class BackendProbeTest {
    private static final String NS = "nkt-probe-" + ProcessHandle.current().pid();

    private static CommandRunner runner(NetNamespace ns) {
        return CommandRunner.starting(ns::start);
    }

    @Test
    void aFreshNamespaceGetsTheToolsOwnAnswerWithoutProcesses() {
        try (NetNamespace ns = NetNamespace.create(NS + "-a")) {
            Optional<io.netkit.iptables.Backend> probed = BackendProbe.probe(ns);
            assertThat(probed).as("certain in an empty namespace").isPresent();
            assertThat(probed.get()).isEqualTo(Iptables.detectBackend(runner(ns)));
        } finally {
            NetNamespace.delete(NS + "-a");
        }
    }

    @Test
    void nftRulesOfFamilyIpMeanNft() {
        try (NetNamespace ns = NetNamespace.create(NS + "-b")) {
            Cmd.run("ip", "netns", "exec", NS + "-b", "nft", "add table ip filter; add chain ip filter FORWARD;"
                    + " add rule ip filter FORWARD counter accept");
            assertThat(BackendProbe.probe(ns)).contains(io.netkit.iptables.Backend.NFT);
            assertThat(Iptables.detectBackend(runner(ns))).isEqualTo(io.netkit.iptables.Backend.NFT);
        } finally {
            NetNamespace.delete(NS + "-b");
        }
    }

    @Test
    void legacyTablesLeaveTheDecisionToTheTools() {
        try (NetNamespace ns = NetNamespace.create(NS + "-c")) {
            Cmd.run("ip", "netns", "exec", NS + "-c", "iptables-legacy", "-A", "FORWARD", "-j", "ACCEPT");
            assertThat(BackendProbe.probe(ns)).isEmpty();
            assertThat(Iptables.detectBackend(runner(ns))).isEqualTo(io.netkit.iptables.Backend.LEGACY);
        } finally {
            NetNamespace.delete(NS + "-c");
        }
    }

    @Test
    void theDefaultToolIsReadFromWhereIptablesResolves() throws Exception {
        Path iptables = Privileges.findProgram("iptables");
        String version = Cmd.run("iptables", "--version");
        assertThat(BackendProbe.defaultTool(iptables))
                .contains(version.contains("(legacy)") ? io.netkit.iptables.Backend.LEGACY : io.netkit.iptables.Backend.NFT);
        assertThat(BackendProbe.defaultTool(null)).contains(io.netkit.iptables.Backend.NFT);
        assertThat(BackendProbe.defaultTool(Path.of("/bin/true"))).isEmpty();
    }
}
