package io.netkit.cni.internal;

import io.netkit.cni.CniPlugin;
import io.netkit.netlink.NetNamespace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The training run that the build records {@code target/netkit-cni.jsa} from, the class-data-sharing archive the
 * {@code netkit} client passes to {@code java -jar netkit-cni.jar} when no daemon answers (and that the daemon can
 * start with): {@code java -XX:ArchiveClassesAtExit=target/netkit-cni.jsa -cp target/netkit-cni.jar
 * io.netkit.cni.internal.CdsTraining}. The JVM writes every class this run loaded into the archive at exit.
 *
 * <p>With root it serves what the slow path serves, in-process: {@code ADD}, {@code CHECK} and {@code DEL} of one
 * container, with a host namespace ({@code nkcds-PID-host}) and a container namespace ({@code nkcds-PID-c1}) of its
 * own, both deleted afterwards (with the bridge and rules inside). Without the privileges it parses a configuration
 * only. It always exits 0: a failed training costs start-up time, never the build.
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        String prefix = "nkcds-" + ProcessHandle.current().pid();
        byte[] conf = ("{\"cniVersion\":\"1.0.0\",\"name\":\"nkcds\",\"type\":\"netkit\",\"bridge\":\"nkcds0\","
                + "\"isGateway\":true,\"ipMasq\":true,\"mtu\":1500,\"hairpinMode\":true,"
                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.99.0.0/24\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}")
                .getBytes(StandardCharsets.UTF_8);
        StringBuilder done = new StringBuilder();
        try (CniPlugin plugin = new CniPlugin(true)) {
            // VERSION needs no privileges: the configuration parser and the JSON classes at least
            done.append("VERSION ").append(plugin.execute(request("VERSION", prefix, conf, NetNamespace.current())).exitCode());
            serve(plugin, prefix, conf, done);
        } catch (RuntimeException | Error e) {
            done.append("; stopped early (not root?): ").append(e);
        } finally {
            for (String ns : new String[] {prefix + "-c1", prefix + "-host"}) {
                try {
                    if (NetNamespace.exists(ns)) NetNamespace.delete(ns);
                } catch (RuntimeException ignored) {
                    // nothing more to do in a training run
                }
            }
        }
        System.out.println("netkit-cni CDS training: " + done);
        System.exit(0);
    }

    private static void serve(CniPlugin plugin, String prefix, byte[] conf, StringBuilder done) {
        try (NetNamespace host = NetNamespace.create(prefix + "-host");
             NetNamespace container = NetNamespace.create(prefix + "-c1")) {
            String added = plugin.execute(request("ADD", prefix, conf, host)).stdout().strip();
            done.append("; ADD");
            // CHECK and DEL carry the ADD's result as prevResult
            String c = new String(conf, StandardCharsets.UTF_8);
            byte[] withPrev = added.startsWith("{")
                    ? (c.substring(0, c.length() - 1) + ",\"prevResult\":" + added + "}").getBytes(StandardCharsets.UTF_8)
                    : conf;
            for (String command : new String[] {"CHECK", "DEL"}) {
                done.append("; ").append(command).append(' ')
                        .append(plugin.execute(request(command, prefix, withPrev, host)).exitCode());
            }
            // The network outlives DEL (as the reference bridge does); delete it, so its lock file goes with it.
            try {
                io.netkit.core.Network.open(io.netkit.core.Host.of(host), "nkcds0").delete();
            } catch (RuntimeException ignored) {
                // the namespace goes next anyway; a training run never fails the build
            }
        }
    }

    private static CniPlugin.Request request(String command, String prefix, byte[] stdin, NetNamespace host) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", prefix);
        env.put("CNI_NETNS", NetNamespace.RUN_NETNS.resolve(prefix + "-c1").toString());
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        return new CniPlugin.Request(env, stdin, host, Path.of("/"));
    }
}
