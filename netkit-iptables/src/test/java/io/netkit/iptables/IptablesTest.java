package io.netkit.iptables;

import io.netkit.iptables.internal.BackendDetector;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The facade against a scripted runner: which processes run, with what input, and how failures read. */
class IptablesTest {

    /** Answers save with {@code state}, restore with {@code restoreResult}; records every call. */
    static class FakeRunner implements CommandRunner {
        final List<List<String>> calls = new ArrayList<>();
        final List<String> stdins = new ArrayList<>();
        String state = "";
        Result restoreResult = new Result(0, new byte[0], new byte[0]);

        @Override
        public Result run(List<String> argv, byte[] stdin) {
            calls.add(argv);
            stdins.add(new String(stdin, StandardCharsets.UTF_8));
            if (argv.get(0).endsWith("-save")) return new Result(0, state.getBytes(StandardCharsets.UTF_8), new byte[0]);
            return restoreResult;
        }
    }

    @Test
    void applyRunsOneSaveAndOneRestore() {
        FakeRunner f = new FakeRunner();
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.NFT).build();
        OwnedRules rules = ContainerNetworkRules.builder(Owner.of("mynet"), "br0", "172.16.0.0/24").masquerade().forwardAccept().build();
        ipt.apply(rules);
        assertThat(f.calls).containsExactly(List.of("iptables-nft-save"), List.of("iptables-nft-restore", "--noflush", "--wait"));
        assertThat(f.stdins.get(1)).isEqualTo(rules.render());
    }

    @Test
    void planReadsButWritesNothing() {
        FakeRunner f = new FakeRunner();
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.NFT).build();
        OwnedRules rules = ContainerNetworkRules.builder(Owner.of("mynet"), "br0", "172.16.0.0/24").masquerade().build();
        assertThat(ipt.plan(rules)).isEqualTo(rules.render());
        assertThat(f.calls).containsExactly(List.of("iptables-nft-save"));
        assertThat(ipt.restoreCommand()).containsExactly("iptables-nft-restore", "--noflush", "--wait");
        assertThat(ipt).hasToString("Iptables[iptables-nft]");
    }

    @Test
    void reapplyOfAKnownOwnerRunsOnlyOneRestore() {
        FakeRunner f = new FakeRunner();
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.NFT).build();
        Owner o = Owner.of("mynet");
        ipt.apply(ContainerNetworkRules.builder(o, "br0", "172.16.0.0/24").masquerade().forwardAccept().build());
        f.calls.clear();
        f.stdins.clear();
        ipt.apply(ContainerNetworkRules.builder(o, "br0", "172.16.0.0/24").masquerade().build());
        assertThat(f.calls).containsExactly(List.of("iptables-nft-restore", "--noflush", "--wait"));
        assertThat(f.stdins.get(0)).isEqualTo("""
                *filter
                -D FORWARD -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                -F NETKIT-FWD-11c844f9
                -X NETKIT-FWD-11c844f9
                COMMIT
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                -D POSTROUTING -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void reapplyFallsBackToAFreshReadWhenTheKnownStateIsGone() {
        AtomicInteger restores = new AtomicInteger();
        FakeRunner f = new FakeRunner() {
            @Override
            public Result run(List<String> argv, byte[] stdin) {
                Result r = super.run(argv, stdin);
                if (argv.get(0).endsWith("-restore") && restores.incrementAndGet() == 2) {
                    return new Result(1, new byte[0], "iptables-restore: line 4 failed\n".getBytes(StandardCharsets.UTF_8));
                }
                return r;
            }
        };
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.NFT).build();
        OwnedRules rules = ContainerNetworkRules.builder(Owner.of("mynet"), "br0", "172.16.0.0/24").masquerade().build();
        ipt.apply(rules);
        f.calls.clear();
        f.stdins.clear();
        ipt.apply(rules);
        assertThat(f.calls).containsExactly(List.of("iptables-nft-restore", "--noflush", "--wait"),
                List.of("iptables-nft-save"), List.of("iptables-nft-restore", "--noflush", "--wait"));
        assertThat(f.stdins.get(2)).isEqualTo(rules.render()); // the fake's state is empty: full first-apply payload
    }

    @Test
    void sameHookTwiceIsKeptOnce() {
        Owner o = Owner.of("o");
        OwnedRules r = OwnedRules.builder(o).hook(Table.FILTER, "FORWARD", o.chain("F")).hook(Table.FILTER, "FORWARD", o.chain("F")).build();
        assertThat(r.hooks(Table.FILTER)).hasSize(1);
    }

    @Test
    void ipv6UsesIp6tablesAndFamiliesMustMatch() {
        FakeRunner f = new FakeRunner();
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.LEGACY).family(Family.IPV6).build();
        ipt.apply(ContainerNetworkRules.builder(Owner.of("n6"), "br6", "fd00::/64").masquerade().build());
        assertThat(f.calls).containsExactly(List.of("ip6tables-legacy-save"), List.of("ip6tables-legacy-restore", "--noflush", "--wait"));
        assertThatThrownBy(() -> ipt.apply(ContainerNetworkRules.builder(Owner.of("n4"), "br4", "10.0.0.0/24").masquerade().build()))
                .hasMessageContaining("rules are IPv4 but this Iptables drives IPv6");
    }

    @Test
    void removeOfAnAbsentOwnerRunsNoRestore() {
        FakeRunner f = new FakeRunner();
        f.state = "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n";
        Iptables.builder().runner(f).backend(Backend.NFT).build().remove(Owner.of("gone"));
        assertThat(f.calls).containsExactly(List.of("iptables-nft-save"));
    }

    @Test
    void failedRestoreQuotesTheLineAndTheToolMessage() {
        FakeRunner f = new FakeRunner();
        f.restoreResult = new CommandRunner.Result(1, new byte[0], ("iptables-restore v1.8.9 (legacy): Couldn't load target "
                + "`NOSUCH':No such file or directory\n\nError occurred at line: 3\nTry `iptables-restore -h' or "
                + "'iptables-restore --help' for more information.\n").getBytes(StandardCharsets.UTF_8));
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.LEGACY).build();
        Owner o = Owner.of("o");
        OwnedRules rules = OwnedRules.builder(o).rule(Table.FILTER, Rule.builder(o.chain("X")).target(Target.of("NOSUCH")).build()).build();
        assertThatThrownBy(() -> ipt.apply(rules)).isInstanceOfSatisfying(RestoreException.class, e -> {
            assertThat(e.lineNumber()).isEqualTo(3);
            assertThat(e.line()).isEqualTo("-A " + o.chain("X") + " -m comment --comment \"netkit:o\" -j NOSUCH");
            assertThat(e.getMessage()).isEqualTo("iptables-legacy-restore failed at payload line 3 \"" + e.line()
                    + "\" (exit code 1): iptables-restore v1.8.9 (legacy): Couldn't load target `NOSUCH':No such file or "
                    + "directory; Error occurred at line: 3");
            assertThat(e.payload()).isEqualTo(rules.render());
            assertThat(e.exitCode()).isEqualTo(1);
        });
    }

    @Test
    void errorsReportedAtCommitPointAtTheCulprit() {
        FakeRunner f = new FakeRunner();
        f.restoreResult = new CommandRunner.Result(4, new byte[0], ("iptables-nft-restore v1.8.9 (nf_tables): Chain 'NOSUCH' "
                + "does not exist\nError occurred at line: 4\nTry `iptables-nft-restore -h' or 'iptables-nft-restore --help' "
                + "for more information.\n").getBytes(StandardCharsets.UTF_8));
        Owner o = Owner.of("o");
        OwnedRules rules = OwnedRules.builder(o).rule(Table.FILTER, Rule.builder(o.chain("X")).target(Target.jump("NOSUCH")).build()).build();
        assertThatThrownBy(() -> Iptables.builder().runner(f).backend(Backend.NFT).build().apply(rules))
                .isInstanceOfSatisfying(RestoreException.class, e -> {
                    assertThat(e.line()).isEqualTo("COMMIT");
                    assertThat(e.getMessage()).contains("at payload line 4 \"COMMIT\" (reported at COMMIT; line 3 names NOSUCH: \"-A "
                            + o.chain("X") + " -m comment --comment \"netkit:o\" -j NOSUCH\")")
                            .contains("Chain 'NOSUCH' does not exist").doesNotContain("Try `");
                });
    }

    @Test
    void lineNFailedFormIsUnderstood() {
        FakeRunner f = new FakeRunner();
        f.restoreResult = new CommandRunner.Result(1, new byte[0], "iptables-restore: line 2 failed\n".getBytes(StandardCharsets.UTF_8));
        Iptables ipt = Iptables.builder().runner(f).backend(Backend.NFT).build();
        OwnedRules rules = ContainerNetworkRules.builder(Owner.of("o"), "br0", "10.0.0.0/24").masquerade().build();
        assertThatThrownBy(() -> ipt.apply(rules)).isInstanceOfSatisfying(RestoreException.class,
                e -> assertThat(e.line()).startsWith(":NETKIT-POST-"));
    }

    @Test
    void deletionRaceIsRetriedOnceWithFreshState() {
        AtomicInteger restores = new AtomicInteger();
        FakeRunner f = new FakeRunner() {
            @Override
            public Result run(List<String> argv, byte[] stdin) {
                Result r = super.run(argv, stdin);
                if (argv.get(0).endsWith("-restore") && restores.incrementAndGet() == 1) {
                    state = ""; // someone else removed it meanwhile
                    return new Result(1, new byte[0], "iptables-restore: line 2 failed\n".getBytes(StandardCharsets.UTF_8));
                }
                return r;
            }
        };
        Owner o = Owner.of("o");
        f.state = "*filter\n:FORWARD ACCEPT [0:0]\n:" + o.chain("F") + " - [0:0]\nCOMMIT\n";
        Iptables.builder().runner(f).backend(Backend.NFT).build().remove(o);
        assertThat(restores.get()).isEqualTo(1);
        assertThat(f.calls).hasSize(3); // save, failed restore, save (now nothing to do)
    }

    @Test
    void missingBinaryNamesTheDebianPackage() {
        CommandRunner notFound = (argv, in) -> {
            throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=2, No such file or directory");
        };
        Iptables ipt = Iptables.builder().runner(notFound).backend(Backend.LEGACY).build();
        assertThatThrownBy(ipt::read).isInstanceOfSatisfying(MissingToolException.class, e -> {
            assertThat(e.tool()).isEqualTo("iptables-legacy-save");
            assertThat(e.getMessage()).isEqualTo("iptables-legacy-save not found: install the Debian package 'iptables' "
                    + "(apt-get install iptables), which provides iptables-legacy-save");
        });
        CommandRunner viaNetnsExec = (argv, in) -> new CommandRunner.Result(255, new byte[0],
                ("exec of \"" + argv.get(0) + "\" failed: No such file or directory\n").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Iptables.builder().runner(viaNetnsExec).backend(Backend.NFT).build().read())
                .isInstanceOf(MissingToolException.class).hasMessageContaining("Debian package 'iptables'");
        assertThatThrownBy(() -> Iptables.detectBackend(notFound)).isInstanceOf(MissingToolException.class)
                .hasMessageContaining("iptables-nft-save and iptables-legacy-save not found");
        CommandRunner local = CommandRunner.local();
        assertThatThrownBy(() -> io.netkit.iptables.internal.ToolCalls.run(local, List.of("nk-no-such-tool-" + System.nanoTime()), new byte[0]))
                .isInstanceOf(MissingToolException.class);
    }

    @Test
    void failingSaveReportsExitCodeAndMessage() {
        CommandRunner failing = (argv, in) -> new CommandRunner.Result(4, new byte[0],
                "iptables-nft-save: Permission denied (you must be root)\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Iptables.builder().runner(failing).backend(Backend.NFT).build().read())
                .isInstanceOf(IptablesException.class)
                .hasMessage("iptables-nft-save failed with exit code 4: iptables-nft-save: Permission denied (you must be root)"
                        + " (the iptables tools need root / CAP_NET_ADMIN in the target network namespace)");
        assertThat(Iptables.unavailabilityCause(failing)).hasValueSatisfying(s -> assertThat(s).contains("CAP_NET_ADMIN"));
        CommandRunner notFound = (argv, in) -> {
            throw new IOException("Cannot run program \"" + argv.get(0) + "\": error=2, No such file or directory");
        };
        assertThat(Iptables.unavailabilityCause(notFound)).hasValueSatisfying(s -> assertThat(s).contains("Debian package 'iptables'"));
    }

    @Test
    void backendDecision() {
        assertThat(BackendDetector.decide(-1, 0, () -> null)).isEqualTo(Backend.LEGACY);
        assertThat(BackendDetector.decide(0, -1, () -> null)).isEqualTo(Backend.NFT);
        assertThat(BackendDetector.decide(0, 3, () -> "iptables v1.8.9 (nf_tables)")).isEqualTo(Backend.LEGACY);
        assertThat(BackendDetector.decide(3, 0, () -> "iptables v1.8.9 (legacy)")).isEqualTo(Backend.NFT);
        assertThat(BackendDetector.decide(2, 5, () -> null)).isEqualTo(Backend.LEGACY);
        assertThat(BackendDetector.decide(5, 5, () -> null)).isEqualTo(Backend.NFT);
        assertThat(BackendDetector.decide(0, 0, () -> "iptables v1.8.9 (legacy)")).isEqualTo(Backend.LEGACY);
        assertThat(BackendDetector.decide(0, 0, () -> "iptables v1.8.9 (nf_tables)")).isEqualTo(Backend.NFT);
        assertThat(BackendDetector.decide(0, 0, () -> null)).isEqualTo(Backend.NFT);
    }

    @Test
    void detectionCountsRulesThroughTheRunner() {
        CommandRunner r = (argv, in) -> {
            String out = argv.get(0).equals("iptables-legacy-save") ? "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n" : "";
            return new CommandRunner.Result(0, out.getBytes(StandardCharsets.UTF_8), new byte[0]);
        };
        assertThat(Iptables.detectBackend(r)).isEqualTo(Backend.LEGACY);
        assertThat(Iptables.builder().runner(r).build().backend()).isEqualTo(Backend.LEGACY);
    }

    @Test
    void localRunnerFeedsStdinAndCollectsOutput() throws IOException {
        byte[] big = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
        CommandRunner.Result r = CommandRunner.local().run(List.of("cat"), big);
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).hasSize(1 << 20);
        CommandRunner.Result e = CommandRunner.local().run(List.of("sh", "-c", "echo oops >&2; exit 3"), new byte[0]);
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.stderrText()).isEqualTo("oops\n");
        // Both pipes full at once (1 MiB each) while stdin is still being written must not deadlock.
        CommandRunner.Result both = CommandRunner.local().run(List.of("sh", "-c", "head -c 1048576 /dev/zero >&2; cat"), big);
        assertThat(both.stderr()).hasSize(1 << 20);
        assertThat(both.stdout()).hasSize(1 << 20);
    }

    @Test
    void localRunnerKillsAHangingTool() {
        CommandRunner slow = CommandRunner.starting(ProcessBuilder::start, java.time.Duration.ofMillis(300));
        assertThatThrownBy(() -> slow.run(List.of("sleep", "30"), new byte[0]))
                .isInstanceOf(IOException.class).hasMessageContaining("sleep did not finish within 300 ms; killed it");
    }
}
