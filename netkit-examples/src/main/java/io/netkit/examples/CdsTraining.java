package io.netkit.examples;

import io.netkit.core.FirewallBackend;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The training run that the build records the class-data-sharing archive from ({@code target/netkit-examples.jsa},
 * see the README's "Faster start"): {@code java -XX:ArchiveClassesAtExit=target/netkit-examples.jsa -cp
 * target/netkit-examples.jar io.netkit.examples.CdsTraining}. The JVM writes every class this run loaded, linked and
 * verified (the JDK's, netkit's, JNA's, slf4j's) and the lambda forms it generated into the archive at exit; a later
 * {@code java -XX:SharedArchiveFile=...} maps them instead of loading them again.
 *
 * <p>With root it does what the archive should make fast: {@link FirstAttach} (a network and one attach, with each
 * firewall backend) and the default demo ({@code nat}), each in namespaces of its own ({@code nkcds-PID-...}),
 * removed afterwards, output discarded. Without the privileges it loads netkit's classes only, and the archive is smaller but still valid. It
 * always exits 0: a failed training costs start-up time, never the build.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) {
        String prefix = "nkcds-" + ProcessHandle.current().pid();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        List<String> problems = Preflight.system().problems(Options.parse(new String[] {"nat", "--prefix", prefix}));
        String done;
        if (problems.isEmpty()) {
            try {
                FirstAttach.run(prefix + "-fa");
                otherFirewall(prefix + "-fb");
                int status = Main.run(new String[] {"nat", "--prefix", prefix}, quiet, quiet, Preflight.system());
                done = "first attach and the nat demo (exit " + status + ")";
            } catch (RuntimeException | Error e) {
                done = "stopped early: " + e;
            }
        } else {
            done = loadClasses() + " classes loaded only (" + problems.get(0) + ")";
        }
        System.out.println("netkit-examples CDS training: " + done);
        System.exit(0);
    }

    /**
     * {@link FirstAttach} once more with the other process-wide firewall default ({@code auto}, i.e. native nftables
     * where the host allows, when the default is iptables; else iptables), so that the archive serves either choice.
     */
    private static void otherFirewall(String prefix) {
        String was = System.getProperty(FirewallBackend.PROPERTY);
        System.setProperty(FirewallBackend.PROPERTY,
                FirewallBackend.processDefault() == FirewallBackend.IPTABLES ? "auto" : "iptables");
        try {
            FirstAttach.run(prefix);
        } finally {
            if (was == null) System.clearProperty(FirewallBackend.PROPERTY);
            else System.setProperty(FirewallBackend.PROPERTY, was);
        }
    }

    /** Loads (without initialising) every class of netkit, JNA and slf4j in this jar; returns how many. */
    static int loadClasses() {
        int n = 0;
        try (JarFile jar = new JarFile(Path.of(CdsTraining.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toFile())) {
            for (JarEntry e : Collections.list(jar.entries())) {
                String name = e.getName();
                if (!name.endsWith(".class") || name.contains("-info") || name.startsWith("META-INF/")
                        || !(name.startsWith("io/netkit/") || name.startsWith("com/sun/jna/") || name.startsWith("org/slf4j/"))) {
                    continue;
                }
                try {
                    Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, CdsTraining.class.getClassLoader());
                    n++;
                } catch (LinkageError | ClassNotFoundException skipped) {
                    // an optional dependency's class: not needed at run time either
                }
            }
        } catch (Exception notAJar) {
            // run from a directory (tests): nothing to enumerate
        }
        return n;
    }
}
