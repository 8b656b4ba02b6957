package io.netkit.examples;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Privileged;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each example runs in a sandbox of its own (namespaces {@code nkt-XXXXXX-ex-*}), its verified claims are
 * asserted, and afterwards none of its namespaces is left ({@code ip netns list} as the witness): the links and
 * rules lived inside them. The examples themselves check the host namespace for leftover links and netkit rules
 * after {@code net.close()}, before the sandbox goes.
 */
@Privileged
class ExamplesTest {

    private SandboxNames names;
    private String output = "";
    private Set<String> rootLinksBefore;
    private String rootForwardingBefore;

    @BeforeEach
    void uniqueSandbox() throws IOException {
        names = new SandboxNames(String.format("nkt-%06x-ex", ThreadLocalRandom.current().nextInt(1 << 24)));
        rootLinksBefore = rootLinks();
        assertThat(rootLinksBefore).contains("lo");
        rootForwardingBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    }

    @AfterEach
    void removeWhateverIsLeftAndCheckTheRootNamespace() throws IOException {
        Sandboxes.removeLeftovers(names);
        // The machine's own namespace: none of the names the examples use appeared there, forwarding unchanged.
        Set<String> appeared = new TreeSet<>(rootLinks());
        appeared.removeAll(rootLinksBefore);
        assertThat(appeared).as("links that appeared in the root namespace")
                .noneMatch(n -> n.equals("br0") || n.equals("uplink0") || n.startsWith("veth") || n.startsWith("nkv"));
        assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip())
                .as("net.ipv4.ip_forward of the root namespace").isEqualTo(rootForwardingBefore);
    }

    @Test
    void vethRoundTripsBothWaysThenNothingIsLeft() {
        DemoResult r = run(Example.VETH, false);

        assertPassed(r);
        assertThat(r.check("TCP round trip " + names.left() + " -> 172.16.0.2:7000")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("TCP round trip " + names.right() + " -> 172.16.0.1:7000")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        if (Ping.available()) {
            assertThat(r.check("ping " + names.left())).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        }
        assertThat(r.check("nothing left")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.namespaces()).containsExactly(names.left(), names.right());
        assertNothingLeft();
        assertThat(output).contains("$ ip netns add " + names.left(), "$ ip -n " + names.left() + " link add veth0 type veth peer name veth1 netns " + names.right());
    }

    @Test
    void bridgeEveryContainerReachesEveryOtherAndTheGateway() {
        DemoResult r = run(Example.BRIDGE, false);

        assertPassed(r);
        List<DemoResult.Check> tcp = r.checks().stream().filter(c -> c.claim().startsWith("TCP ")).toList();
        assertThat(tcp).hasSize(9);   // 3 containers x (2 other containers + the bridge address)
        assertThat(tcp).allMatch(DemoResult.Check::passed);
        String c1 = r.fact("c1").orElseThrow();
        String c2 = r.fact("c2").orElseThrow();
        String c3 = r.fact("c3").orElseThrow();
        assertThat(List.of(c1, c2, c3)).allMatch(names::owns);
        assertThat(tcp).anyMatch(c -> c.claim().equals("TCP " + c1 + " -> the bridge (host) 172.16.0.1:7000"));
        assertThat(tcp).anyMatch(c -> c.claim().equals("TCP " + c3 + " -> " + c2 + " 172.16.0.3:7000"));
        if (Ping.available()) {
            assertThat(r.checks().stream().filter(c -> c.claim().startsWith("ping "))).hasSize(9).allMatch(DemoResult.Check::passed);
        }
        assertThat(r.check("net.close() left no container namespace, veth, bridge or rule")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertNothingLeft();
    }

    @Test
    void natTheInternetServerSawTheUplinkAddress() {
        DemoResult r = run(Example.NAT, false);

        assertPassed(r);
        assertThat(r.fact("uplink")).hasValue("203.0.113.2");
        assertThat(r.fact("server.saw")).hasValue("203.0.113.2");
        String c1 = r.fact("c1").orElseThrow();
        String c2 = r.fact("c2").orElseThrow();
        assertThat(r.fact("server.saw." + c2)).hasValue("203.0.113.2");
        assertThat(r.check("TCP " + c1 + " -> internet 203.0.113.1:8080")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("the server saw " + c1 + " as the host's uplink address 203.0.113.2"))
                .hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("the internet cannot reach 172.16.0.2 directly")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.fact("ip_forward")).hasValue("1");
        // The default (AUTO) puts the rules in the native table here (a fresh sandbox host has no legacy iptables).
        assertThat(r.fact("firewall")).hasValue("nftables");
        assertThat(r.fact("rules")).hasValueSatisfying(rules -> assertThat(rules).contains("masquerade").contains("172.16.0.0/24")
                .contains("comment \"netkit:br0@"));
        assertThat(r.check("net.close() left no container namespace, veth, bridge or rule")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("nothing left: no namespace named " + names.prefix() + "-* remains")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertNothingLeft();
        assertThat(output).contains("Start a TCP server on the internet", "nft list table inet netkit", "net.ipv4.ip_forward = 1",
                "oifname != \"br0\" masquerade");
    }

    @Test
    void natIpv6TheInternetServerSawTheUplinksIpv6Address() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoResult r = Main.runExample(Options.parse("nat", "--ipv6", "--prefix", names.prefix()),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        output = bytes.toString(StandardCharsets.UTF_8);

        assertPassed(r);
        String c1 = r.fact("c1").orElseThrow();
        String c2 = r.fact("c2").orElseThrow();
        assertThat(r.fact("server.saw6." + c1)).hasValue("2001:db8:0:0:0:0:0:2");
        assertThat(r.fact("server.saw6." + c2)).hasValue("2001:db8:0:0:0:0:0:2");
        assertThat(r.check("TCP over IPv6 " + c1 + " -> internet")).hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("the internet cannot reach fd00:16:0:0:0:0:0:2 directly"))
                .hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertThat(r.check("nothing left: no namespace named " + names.prefix() + "-* remains"))
                .hasValueSatisfying(c -> assertThat(c.passed()).isTrue());
        assertNothingLeft();
        assertThat(output).contains("nft list table inet netkit | grep ip6", "net.ipv6.conf.all.forwarding = 1",
                "ip6 saddr fd00:16::/64", "masquerade");
        assertThatThrownBy(() -> Options.parse("bridge", "--ipv6")).hasMessageContaining("nat --ipv6");
    }

    @Test
    void keepLeavesTheSandboxBlocksTheNextRunAndCleanupRemovesIt() {
        Console kept = new Console();
        kept.exit = Main.run(new String[]{"veth", "--keep", "--prefix", names.prefix()}, kept.out, kept.err, Preflight.system());
        output = kept.out() + kept.err();

        assertThat(kept.exit).as(output).isEqualTo(Main.EXIT_OK);
        assertThat(ipNetnsList()).contains(names.left(), names.right());
        assertThat(kept.out()).contains("The sandbox is still there (--keep)", "ip netns list",
                "--cleanup --prefix " + names.prefix());

        Console blocked = new Console();
        blocked.exit = Main.run(new String[]{"veth", "--prefix", names.prefix()}, blocked.out, blocked.err, Preflight.system());
        assertThat(blocked.exit).isEqualTo(Main.EXIT_ENVIRONMENT);
        assertThat(blocked.err()).contains("A sandbox from an earlier run is still there", names.left(),
                "--cleanup --prefix " + names.prefix(), "ip netns del " + names.left());

        Console cleanup = new Console();
        cleanup.exit = Main.run(new String[]{"--cleanup", "--prefix", names.prefix()}, cleanup.out, cleanup.err, Preflight.system());
        assertThat(cleanup.exit).as(cleanup.out() + cleanup.err()).isEqualTo(Main.EXIT_OK);
        assertThat(cleanup.out()).contains("removed " + names.left());
        assertNothingLeft();
    }

    @Test
    void theCommandLineExitsZeroWhenEverythingWasVerified() {
        Console c = new Console();
        c.exit = Main.run(new String[]{"bridge", "--prefix", names.prefix()}, c.out, c.err, Preflight.system());
        output = c.out() + c.err();

        assertThat(c.exit).as(output).isEqualTo(Main.EXIT_OK);
        assertThat(c.out()).contains("Summary: bridge - all ", " claims verified:");
        assertNothingLeft();
    }

    @Test
    void aStepThatFailsMidwayIsReportedAndItsSandboxIsRemovedAnyway() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoResult r = Main.runExample(Options.of(Example.BRIDGE, names.prefix()), new PrintStream(bytes, true, StandardCharsets.UTF_8),
                (say, n, keep) -> {
                    say.step("Make a namespace of the demo", "ip netns add " + n.left());
                    NetNamespace.create(n.left()).close();
                    say.verify("something true", true, "");
                    say.step("Fail", "false");
                    throw new IllegalStateException("the kernel said no");
                });
        output = bytes.toString(StandardCharsets.UTF_8);

        assertThat(r.passed()).isFalse();
        assertThat(r.failure()).hasValueSatisfying(t -> assertThat(t).hasMessage("the kernel said no"));
        assertThat(output).contains("FAILED in step 2: the kernel said no");
        assertNothingLeft();
    }

    @Test
    void overlayContainersOnDifferentHostsKeepTheirAddressesAndALeavingHostVanishes() {
        DemoResult r = run(Example.OVERLAY, false);

        assertPassed(r);
        List<DemoResult.Check> tcp = r.checks().stream().filter(c -> c.claim().startsWith("TCP ")).toList();
        assertThat(tcp).hasSize(6);   // 3 hosts x 2 containers on other hosts
        assertThat(r.checks()).anyMatch(c -> c.claim().contains("forgot"));
        assertThat(r.checks()).anyMatch(c -> c.claim().startsWith("nothing left"));
        assertThat(output).contains("vxlan id 1", "nolearning", "onlink");
        assertNothingLeft();
    }

    private DemoResult run(Example example, boolean keep) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DemoResult r = Main.runExample(Options.of(example, names.prefix()).withKeep(keep),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        output = bytes.toString(StandardCharsets.UTF_8);
        return r;
    }

    private void assertPassed(DemoResult r) {
        assertThat(r.failure()).as(output).isEmpty();
        assertThat(r.checks()).as(output).isNotEmpty().allMatch(DemoResult.Check::passed);
        assertThat(r.passed()).isTrue();
    }

    private void assertNothingLeft() {
        List<String> mine = names.presentIn(ipNetnsList());
        assertThat(mine).as("namespaces of the sandbox left in `ip netns list`").isEmpty();
    }

    /** The link names of this process's (the machine's own) namespace, from {@code ip -o link show}. */
    static Set<String> rootLinks() {
        Set<String> names = new TreeSet<>();
        for (String line : run("ip", "-o", "link", "show").split("\n")) {
            String[] parts = line.split(":\\s+", 3);   // "2: eth0@if3: <BROADCAST,...> ..."
            if (parts.length >= 2) names.add(parts[1].split("@")[0]);
        }
        return names;
    }

    static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(String.join(" ", argv) + ": " + out);
            return out;
        } catch (IOException e) {
            throw new AssertionError(String.join(" ", argv), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** {@code ip netns list}: the witness nobody here wrote. Lines look like "name" or "name (id: 3)". */
    static List<String> ipNetnsList() {
        return Arrays.stream(run("ip", "netns", "list").split("\n")).map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.split("\\s+")[0]).toList();
    }
}
