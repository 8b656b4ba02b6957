package io.netkit.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** --help and argument parsing: no privileges needed, nothing is created. */
class CommandLineTest {

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void helpDescribesEveryExampleAndOptionAndTheSandbox(String flag) {
        Console c = Console.run(FakeProbes.user(1000), flag);   // --help needs no privileges

        assertThat(c.exit).isEqualTo(Main.EXIT_OK);
        assertThat(c.err()).isEmpty();
        assertThat(c.out())
                .contains("Usage: java -jar ")
                .contains("[veth|bridge|nat [--ipv6]] [--keep | --cleanup]", "--ipv6")
                .contains("  veth ", "  bridge ", "  nat ", "  nat      the default")
                .contains("--keep", "--cleanup", "--prefix NAME", "--help")
                .contains("Sandbox only", "netkit-demo-xxxxxx-host", "203.0.113.0/24", "never changed")
                .contains("CAP_NET_ADMIN", "Debian package: iptables")
                .contains("Exit status: 0");
    }

    @Test
    void helpWinsOverAnExampleName() {
        Console c = Console.run(FakeProbes.user(1000), "nat", "--help");

        assertThat(c.exit).isZero();
        assertThat(c.out()).contains("Usage:");
    }

    @Test
    void defaultsToNatWithTheDefaultPrefix() {
        Options o = Options.parse();

        assertThat(o.example()).isEqualTo(Example.NAT);
        assertThat(o.prefix()).isEqualTo("netkit-demo");
        assertThat(o.keep()).isFalse();
        assertThat(o.cleanup()).isFalse();
    }

    @Test
    void parsesExampleKeepAndPrefix() {
        Options o = Options.parse("BRIDGE", "--keep", "--prefix", "my-demo");

        assertThat(o.example()).isEqualTo(Example.BRIDGE);
        assertThat(o.keep()).isTrue();
        assertThat(o.prefix()).isEqualTo("my-demo");
        assertThat(Options.parse("--prefix=other", "veth").prefix()).isEqualTo("other");
    }

    @Test
    void rejectsBadCommandLinesWithExitCode2() {
        Console unknownOption = Console.run(FakeProbes.root(), "--frobnicate");
        assertThat(unknownOption.exit).isEqualTo(Main.EXIT_USAGE);
        assertThat(unknownOption.err()).contains("unknown option '--frobnicate'").contains("--help");

        Console unknownExample = Console.run(FakeProbes.root(), "banana");
        assertThat(unknownExample.exit).isEqualTo(Main.EXIT_USAGE);
        assertThat(unknownExample.err()).contains("unknown example 'banana': expected veth, bridge or nat");

        assertThatThrownBy(() -> Options.parse("veth", "nat")).hasMessageContaining("one example at a time");
        assertThatThrownBy(() -> Options.parse("--keep", "--cleanup")).hasMessageContaining("contradict");
        assertThatThrownBy(() -> Options.parse("--prefix")).hasMessageContaining("--prefix needs a value");
        assertThatThrownBy(() -> Options.parse("--prefix", "../etc")).hasMessageContaining("bad --prefix '../etc'");
        assertThat(Console.run(FakeProbes.root(), "--prefix", "Bad Name").exit).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void cleanupOwnsOnlyTheNamesADemoRunMakesNotEverythingStartingWithAShortPrefix() {
        SandboxNames names = new SandboxNames("d");
        assertThat(names.presentIn(java.util.List.of("d-left", "d-right", "d-3f9a1c-host", "d-3f9a1c-inet", "d-3f9a1c-c1",
                "d-prod", "d-db-1", "d-left2", "dx-3f9a1c-host", "d-3f9a1c", "d-3F9A1C-host", "docker-1")))
                .containsExactly("d-3f9a1c-c1", "d-3f9a1c-host", "d-3f9a1c-inet", "d-left", "d-right");
        // a prefix with regex characters is taken literally
        assertThat(new SandboxNames("a.b").owns("axb-3f9a1c-host")).isFalse();
        assertThat(new SandboxNames("a.b").owns("a.b-3f9a1c-host")).isTrue();
    }
}
