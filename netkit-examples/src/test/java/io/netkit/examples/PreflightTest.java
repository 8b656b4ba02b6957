package io.netkit.examples;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The friendly failures, with the system's answers replaced: nothing is dropped, uninstalled or created.
 * Each stops the demo before it changes anything, with exit status 3.
 */
class PreflightTest {

    @Test
    void notRootSaysItNeedsRootOrCapNetAdmin() {
        Console c = Console.run(FakeProbes.user(1000), "nat");

        assertThat(c.exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(c.out()).isEmpty();
        assertThat(c.err())
                .contains("needs root or CAP_NET_ADMIN")
                .contains("uid 1000")
                .contains("Run it as root, e.g.:  sudo java -jar");
    }

    @Test
    void rootWithoutSysAdminIsToldWhichCapabilityIsMissing() {
        FakeProbes probes = FakeProbes.root();
        probes.caps = 1L << Preflight.CAP_NET_ADMIN;

        assertThat(new Preflight(probes).privilegeProblem()).hasValueSatisfying(m -> assertThat(m)
                .contains("runs as root but without CAP_SYS_ADMIN"));
    }

    @Test
    void capNetAdminAndSysAdminWithoutRootAreEnough() {
        FakeProbes probes = FakeProbes.user(1000);
        probes.caps = (1L << Preflight.CAP_NET_ADMIN) | (1L << Preflight.CAP_SYS_ADMIN);

        assertThat(new Preflight(probes).privilegeProblem()).isEmpty();
    }

    /** Runs {@code r} with the process-wide firewall backend {@code iptables} (-Dnetkit.firewall=iptables). */
    private static void onIptables(Runnable r) {
        String before = System.getProperty(io.netkit.core.FirewallBackend.PROPERTY);
        System.setProperty(io.netkit.core.FirewallBackend.PROPERTY, "iptables");
        try {
            r.run();
        } finally {
            if (before == null) {
                System.clearProperty(io.netkit.core.FirewallBackend.PROPERTY);
            } else {
                System.setProperty(io.netkit.core.FirewallBackend.PROPERTY, before);
            }
        }
    }

    @Test
    void missingIptablesRestoreNamesTheDebianPackageWhenTheIptablesBackendIsChosen() {
        onIptables(this::missingIptablesRestoreNamesTheDebianPackage);
        // The default (AUTO) needs no binary: native nftables where iptables-restore is missing.
        assertThat(new Preflight(FakeProbes.root().without("iptables-restore")).problems(Options.parse("nat"))).isEmpty();
    }

    private void missingIptablesRestoreNamesTheDebianPackage() {
        Console c = Console.run(FakeProbes.root().without("iptables-restore"), "nat");

        assertThat(c.exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(c.err())
                .contains("iptables-restore was not found")
                .contains("Debian package `iptables`")
                .contains("apt-get install iptables");
    }

    @Test
    void theVethExampleDoesNotNeedIptables() {
        Preflight preflight = new Preflight(FakeProbes.root().without("iptables-restore"));

        assertThat(preflight.problems(Options.parse("veth"))).isEmpty();
        assertThat(preflight.problems(Options.parse("bridge"))).isEmpty();
        onIptables(() -> assertThat(preflight.problems(Options.parse("nat"))).hasSize(1));
    }

    @Test
    void aKeptSandboxSaysHowToRemoveIt() {
        Console c = Console.run(FakeProbes.root().withNamespaces("netkit-demo-3f9a1c-host", "netkit-demo-3f9a1c-c1", "netkit-demo-host", "unrelated"));

        assertThat(c.exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(c.err())
                .contains("A sandbox from an earlier run is still there")
                .contains("netkit-demo-3f9a1c-c1, netkit-demo-3f9a1c-host")
                .contains("ip netns list")
                .contains("java -jar netkit-examples/target/netkit-examples.jar --cleanup")
                .contains("ip netns del netkit-demo-3f9a1c-c1; ip netns del netkit-demo-3f9a1c-host")
                .doesNotContain("unrelated").doesNotContain("netkit-demo-host");
    }

    @Test
    void aKeptSandboxWithAnotherPrefixNamesThatPrefixInTheCleanupCommand() {
        Console c = Console.run(FakeProbes.root().withNamespaces("mine-3f9a1c-inet"), "veth", "--prefix", "mine");

        assertThat(c.exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(c.err()).contains("--cleanup --prefix mine").contains("ip netns del mine-3f9a1c-inet");
    }

    @Test
    void cleanupWithNothingToRemoveSaysSoAndSucceeds() {
        Console c = Console.run(FakeProbes.root(), "--cleanup", "--prefix", "nkt-nothing-here");

        assertThat(c.exit).isEqualTo(Main.EXIT_OK);
        assertThat(c.out()).contains("Nothing to clean up");
    }

    @Test
    void cleanupStillNeedsPrivilegesButNotIptables() {
        assertThat(Console.run(FakeProbes.user(1000), "--cleanup").exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(Console.run(FakeProbes.root().without("iptables-restore"), "--cleanup", "--prefix", "nkt-none").exit)
                .isEqualTo(Main.EXIT_OK);
    }

    @Test
    void theSystemProbesAnswerOnThisMachine() {
        Preflight.SystemProbes probes = new Preflight.SystemProbes();

        assertThat(probes.effectiveUid()).isGreaterThanOrEqualTo(0);
        assertThat(probes.findCommand("sh")).isPresent();
        assertThat(probes.findCommand("no-such-command-netkit")).isEmpty();
        assertThat(probes.namespaces()).isNotNull();
    }
}
