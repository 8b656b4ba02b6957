package io.netkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo interrupted midway (Ctrl-C = SIGINT, or SIGTERM from {@code kill}) removes its sandbox on the way out:
 * a child JVM runs the nat example slowly, the test signals it once the sandbox's namespaces exist, and then no
 * namespace of that run is left ({@code ip netns list} as the witness).
 */
@Privileged
class InterruptTest {
    private String prefix;

    @AfterEach
    void sweep() {
        if (prefix != null) {
            Sandboxes.removeLeftovers(new SandboxNames(prefix));
        }
    }

    @Test
    void ctrlCMidRunRemovesTheSandbox() throws Exception {
        interruptMidRun("INT", 130);
    }

    @Test
    void sigtermMidRunRemovesTheSandbox() throws Exception {
        interruptMidRun("TERM", 143);
    }

    private void interruptMidRun(String signal, int expectedExit) throws Exception {
        prefix = "nkt-sig" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
        SandboxNames names = new SandboxNames(prefix);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env --default-signal: a JVM started with SIGINT ignored (as background jobs of a shell are) would ignore Ctrl-C.
        Process child = new ProcessBuilder("env", "--default-signal=INT,TERM", java, "-Dnetkit.demo.stepPauseMs=400", "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "nat", "--prefix", prefix)
                .redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        });
        reader.start();
        try {
            // Wait until the run has made its host, internet and a container namespace.
            List<String> present = List.of();
            for (int i = 0; i < 300 && present.size() < 3 && child.isAlive(); i++) {
                Thread.sleep(50);
                present = names.presentIn(NetNamespace.list());
            }
            assertThat(present).as("the run's namespaces before the signal; output so far:\n%s", output).hasSizeGreaterThanOrEqualTo(3);
            String hostNs = present.stream().filter(n -> n.endsWith("-host")).findFirst().orElseThrow();
            long hostInode;
            try (NetNamespace h = NetNamespace.open(hostNs)) {
                hostInode = h.inode();
            }
            Cmd.run("sh", "-c", "kill -" + signal + " " + child.pid());   // the shell builtin: no procps needed
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exits after SIG%s", signal).isTrue();
            reader.join(5000);
            assertThat(child.exitValue()).as("exit status after SIG%s (the run had not finished); output:\n%s", signal, output)
                    .isEqualTo(expectedExit);
            assertThat(names.presentIn(NetNamespace.list())).as("namespaces of the interrupted run").isEmpty();
            assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(prefix);
            // nor a network lock of its host (a cleanup racing the still-running example used to leave one)
            assertThat(lockFilesOf(hostInode)).as("/run/netkit files of the run's host namespace").isEmpty();
        } finally {
            child.destroyForcibly();
        }
    }

    private static List<String> lockFilesOf(long hostInode) throws java.io.IOException {
        Path dir = Path.of(System.getProperty("netkit.lockDirectory", "/run/netkit"));
        if (!java.nio.file.Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(hostInode + "-")).toList();
        }
    }
}
