package io.netkit.iptables;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Values that could smuggle an option or a payload line into iptables-restore are refused, with a clear message. */
class InjectionTest {

    @Test
    void newlineInACommentIsRejected() {
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("ok\n-A INPUT -j ACCEPT"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("comment \"ok\\n-A INPUT -j ACCEPT\" contains a newline at index 2");
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("a\rb")).hasMessageContaining("carriage return");
    }

    @Test
    void quotesInACommentAreRejected() {
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("x\" -j ACCEPT \""))
                .hasMessageContaining("contains a double quote at index 1");
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("it's")).hasMessageContaining("single quote");
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("a\\b")).hasMessageContaining("backslash");
    }

    @Test
    void optionInsideACommentIsRejected() {
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("allow -j ACCEPT"))
                .hasMessageContaining("option-like word at index 6");
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("--to-destination 1.2.3.4"))
                .hasMessageContaining("option-like");
    }

    @Test
    void overlongCommentIsRejected() {
        assertThatThrownBy(() -> Rule.builder("INPUT").comment("x".repeat(256))).hasMessageContaining("at most 255");
    }

    @Test
    void interfaceNamesFollowTheKernelsRules() {
        assertThatThrownBy(() -> Rule.builder("INPUT").inInterface("sixteen-bytes-xx"))
                .hasMessageContaining("\"sixteen-bytes-xx\" is 16 bytes: an interface name must be 1..15 bytes");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("br0 -j ACCEPT")).hasMessageContaining("contains a blank");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("br0\n")).hasMessageContaining("contains a newline");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("a/b")).hasMessageContaining("'/'");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("a:b")).hasMessageContaining("':'");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("..")).hasMessageContaining("not a valid interface name");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("")).hasMessageContaining("1..15 bytes");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("br\"0")).hasMessageContaining("double quote");
        assertThatThrownBy(() -> Rule.builder("INPUT").outInterface("é1234567")).hasMessageContaining("non-ASCII");
        assertThatThrownBy(() -> ContainerNetworkRules.builder(Owner.of("n"), "br0-is-far-too-long", "10.0.0.0/24"))
                .hasMessageContaining("bridge");
    }

    @Test
    void addressesMustBeLiterals() {
        assertThatThrownBy(() -> Rule.builder("INPUT").source("example.com")).hasMessageContaining("host names are not resolved");
        assertThatThrownBy(() -> Rule.builder("INPUT").source("10.0.0.0/8\n-A X")).hasMessageContaining("invalid prefix length");
        assertThatThrownBy(() -> Rule.builder("INPUT").source("10.0.0.0/33")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> Rule.builder("INPUT").source("010.0.0.1")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> Target.dnat("1.2.3.4 --random")).hasMessageContaining("not an IPv4 or IPv6 address literal");
    }

    @Test
    void chainNamesAreChecked() {
        assertThatThrownBy(() -> Rule.builder("NETKIT-" + "X".repeat(22))).hasMessageContaining("1..28 characters");
        assertThatThrownBy(() -> Rule.builder("-j")).hasMessageContaining("must not start with '-'");
        assertThatThrownBy(() -> Rule.builder("A B")).hasMessageContaining("contains a blank");
        assertThatThrownBy(() -> Target.jump("X\nCOMMIT")).hasMessageContaining("newline");
        assertThatThrownBy(() -> Owner.of("n").chain("THIRTEEN_CHAR")).hasMessageContaining("1..12");
    }

    @Test
    void escapeHatchTokensAreSingleWordsWithoutCommandOptions() {
        assertThatThrownBy(() -> Rule.builder("INPUT").match("mark", "--mark 1")).hasMessageContaining("contains a blank");
        assertThatThrownBy(() -> Rule.builder("INPUT").match("mark", "--mark", "1", "-j", "ACCEPT"))
                .hasMessageContaining("\"-j\" is a command, table, target or base-match option");
        assertThatThrownBy(() -> Rule.builder("INPUT").match("mark", "-A")).hasMessageContaining("command");
        assertThatThrownBy(() -> Rule.builder("INPUT").match("comment", "--comment", "x")).hasMessageContaining("use comment(text)");
        assertThatThrownBy(() -> Rule.builder("INPUT").match("ma rk")).hasMessageContaining("match module");
        assertThatThrownBy(() -> Target.of("LOG", "--log-prefix", "a\"b")).hasMessageContaining("double quote");
        assertThatThrownBy(() -> Target.of("LOG", "#")).hasMessageContaining("'#'");
        assertThatThrownBy(() -> Target.of("-j")).hasMessageContaining("target name");
    }

    @Test
    void ownerIdsAreChecked() {
        assertThatThrownBy(() -> Owner.of("a b")).hasMessageContaining("contains ' ' at index 1");
        assertThatThrownBy(() -> Owner.of("x\n")).hasMessageContaining("\\n");
        assertThatThrownBy(() -> Owner.of("-j")).hasMessageContaining("not first");
        assertThatThrownBy(() -> Owner.of("")).hasMessageContaining("1..64");
    }

    @Test
    void nullsAreNamed() {
        assertThatThrownBy(() -> Rule.builder("INPUT").source(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("source == null");
        assertThatThrownBy(() -> Rule.builder(null)).hasMessage("chain == null");
    }

    @Test
    void abbreviatedAndAttachedOptionsCannotSlipThroughTheEscapeHatch() {
        // getopt_long takes unambiguous abbreviations and --opt=value; short options take attached values.
        // Each of these was accepted and became a real option in iptables-restore (checked on both backends).
        for (String[] args : new String[][] {{"--mark", "1", "--jum", "ACCEPT"}, {"--mark", "1", "--go=X"},
                {"--mark", "1", "--sou", "10.9.9.9"}, {"--mark", "1", "--in-int", "eth9"},
                {"--mark", "1", "-jACCEPT"}, {"--mark", "1", "-s10.8.8.8"}, {"--mark", "1", "--modprobe=/tmp/x"},
                {"--mark", "1", "--mod", "/tmp/x"}, {"--mark", "1", "--"}, {"--mark", "1", "--table=nat"},
                {"--mark", "1", "--check"}, {"--mark", "1", "-f"}}) {
            assertThatThrownBy(() -> Rule.builder("INPUT").match("mark", args))
                    .as(String.join(" ", args)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + args[args.length - 2 < 2 ? args.length - 1 : 2] + "\"");
        }
        assertThatThrownBy(() -> Target.of("LOG", "--log-prefix", "x", "--jump=DROP"))
                .hasMessageContaining("reads as iptables' own option --jump");
        assertThatThrownBy(() -> Target.of("REJECT", "-jDROP")).hasMessageContaining("single-dash option");
        // ordinary extension options still pass
        Rule.builder("INPUT").match("mark", "--mark", "0x1/0x1").match("recent", "--set", "--name", "x")
                .match("set", "--match-set", "s", "dst").match("policy", "--dir", "in", "--pol", "ipsec")
                .match("limit", "--limit", "5/sec").build();
        Target.of("REJECT", "--reject-with", "tcp-reset");
        Target.of("MARK", "--set-xmark", "0x1/0xffffffff");
    }

    @Test
    void singleDashTokensWithDigitsAreRefusedBecauseRestoreSilentlyDropsTheRule() {
        // "-64" reads as -6 -4: iptables-restore (IPv4) then skips the rule as "IPv6 only" without an error.
        for (String t : new String[] {"-64", "-46", "-1", "-0x1"}) {
            assertThatThrownBy(() -> Rule.builder("INPUT").match("mark", "--mark", t))
                    .as(t).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + t + "\"").hasMessageContaining("single-dash option");
            assertThatThrownBy(() -> Target.of("LOG", "--log-prefix", t)).as(t)
                    .hasMessageContaining("single-dash option");
        }
        Rule.builder("INPUT").match("mark", "--mark", "64").build();
    }

    @Test
    void interfaceNamesInRulesAreExactAndWildcardsHaveTheirOwnMethods() {
        // Issue 9 defect 4: a bridge called "br+" made "-i br+"/"! -o br+" cover every br* interface.
        assertThatThrownBy(() -> Rule.builder("FORWARD").inInterface("br+"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in interface \"br+\" ends in '+'")
                .hasMessageContaining("wildcard").hasMessageContaining("InterfacePrefix(\"br\")");
        assertThatThrownBy(() -> Rule.builder("FORWARD").notOutInterface("docker+"))
                .hasMessageContaining("out interface \"docker+\"");
        assertThatThrownBy(() -> ContainerNetworkRules.builder(Owner.of("n"), "br+", "10.1.0.0/24"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bridge \"br+\" ends in '+'");
        assertThatThrownBy(() -> ContainerNetworkRules.builder(Owner.of("n"), "br0", "10.1.0.0/24").isolateFrom("br-+"))
                .hasMessageContaining("other bridge \"br-+\"");
        assertThatThrownBy(() -> Rule.builder("FORWARD").outInterfacePrefix(""))
                .hasMessageContaining("would match every interface");
        assertThatThrownBy(() -> Rule.builder("FORWARD").outInterfacePrefix("br+"))
                .hasMessageContaining("ends in '+'");
        assertThatThrownBy(() -> Rule.builder("FORWARD").outInterfacePrefix("123456789012345"))
                .hasMessageContaining("IFNAMSIZ");
        assertThat(Rule.builder("FORWARD").inInterfacePrefix("br").notOutInterfacePrefix("veth").target(Target.ACCEPT)
                .build().render()).isEqualTo("-A FORWARD -i br+ ! -o veth+ -j ACCEPT");
        // parsed rules keep whatever iptables-save printed
        assertThat(Rule.parse("-A FORWARD -o br+ -j ACCEPT").outInterface().get().value()).isEqualTo("br+");
    }
}
