package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.nftables.Chain;
import io.netkit.nftables.Family;
import io.netkit.nftables.Hook;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Table;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A host without any iptables binary: a netkit program in a child JVM whose PATH is an empty directory and whose
 * private mount namespace hides {@code /usr/sbin} and every {@code iptables*} file of {@code /usr/bin} (so netkit's own
 * fallback directories have none either; the child proves it by listing them). AUTO picks the native backend there,
 * and with a foreign {@code ip filter FORWARD} policy drop (what iptables-nft makes for Docker, made here natively)
 * container-to-container, masquerade, publish and hairpin really pass traffic. The parent checks with iptables-nft-save
 * and nft as witnesses.
 */
@Privileged
class NoIptablesTest {
    static final String PREFIX = "nkt-noipt-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    @Test
    void autoPicksTheNativeBackendAndTrafficPassesAForeignForwardDropWithoutAnyIptablesBinary() throws Exception {
        Path emptyBin = Files.createTempDirectory("netkit-no-iptables");
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Table filter = Table.of(Family.IP, "filter");
            try (Nftables nft = Nftables.open(sb.hostNamespace())) {
                nft.transaction().addTable(filter)
                        .addChain(Chain.base(filter, "FORWARD", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.DROP))
                        .commit();
            }
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // A private mount namespace (nothing changes outside the child): /usr/sbin (= /sbin) empty, the iptables*
            // files of /usr/bin (= /bin) replaced by /dev/null, which is not executable.
            String hide = "/usr/bin/mount -t tmpfs netkit-no-iptables /usr/sbin && for f in /usr/bin/iptables* /usr/bin/ip6tables*"
                    + " /usr/bin/xtables*; do [ -e \"$f\" ] && /usr/bin/mount --bind /dev/null \"$f\"; done; exec \"$0\" \"$@\"";
            List<String> argv = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--propagation", "private",
                    "/bin/sh", "-c", hide, java, "-XX:TieredStopAtLevel=1", "-Dnetkit.firewall=auto",
                    "-cp", System.getProperty("java.class.path"), NoIptablesMain.class.getName(),
                    host, sb.internet().name().orElseThrow(), sb.internetAddress().getHostAddress(),
                    sb.uplinkAddress().getHostAddress(), sb.name("c1"), sb.name("c2")));
            Path err = Files.createTempFile("netkit-no-iptables", ".err");
            ProcessBuilder pb = new ProcessBuilder(argv).redirectError(err.toFile());
            pb.environment().put("PATH", emptyBin.toString());
            Process child = pb.start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                List<String> lines = CompletableFuture.supplyAsync(() -> readUntil(out, "ready")).get(180, TimeUnit.SECONDS);
                String all = String.join("\n", lines) + "\nstderr: " + Files.readString(err);
                assertThat(lines).as(all).contains("path " + emptyBin, "iptables-on-path 0", "iptables-restore null",
                        "backend NFTABLES", "bridged 172.16.0.3", "masquerade " + sb.uplinkAddress().getHostAddress(),
                        "publish " + sb.internetAddress().getHostAddress(), "hairpin 172.16.0.1", "ready");

                // Witnesses: the accepts in the foreign FORWARD chain (readable by iptables), netkit's own table.
                assertThat(Cmd.run("ip", "netns", "exec", host, "iptables-nft-save", "-t", "filter"))
                        .doesNotContain("incompatible").contains(":FORWARD DROP")
                        .contains("-A FORWARD -i br0 -o br0 -m comment --comment \"netkit:br0@");
                assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "table", "inet", "netkit"))
                        .contains("dnat ip to 172.16.0.2:80");

                try (OutputStream in = child.getOutputStream()) {
                    in.write('\n');
                }
                List<String> rest = CompletableFuture.supplyAsync(() -> readUntil(out, "closed")).get(120, TimeUnit.SECONDS);
                assertThat(rest).as(String.join("\n", rest) + "\nstderr: " + Files.readString(err)).contains("closed");
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).isZero();
            } finally {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                Files.deleteIfExists(err);
            }
            // Closed by the child: nothing of netkit's left in the foreign chain, whose policy stays drop.
            assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "chain", "ip", "filter", "FORWARD"))
                    .doesNotContain("netkit").contains("policy drop");
        } finally {
            Files.deleteIfExists(emptyBin);
        }
    }

    private static List<String> readUntil(BufferedReader out, String last) {
        List<String> lines = new ArrayList<>();
        try {
            for (String l = out.readLine(); l != null; l = out.readLine()) {
                lines.add(l);
                if (l.equals(last)) {
                    break;
                }
            }
        } catch (java.io.IOException e) {
            lines.add("read failed: " + e);
        }
        return lines;
    }
}
