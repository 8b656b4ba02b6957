package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.core.Sandbox;
import io.netkit.testing.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real engine: Podman 4 (CNI backend) runs inside the sandbox host namespace ({@code nsenter --net=...}, never
 * {@code ip netns exec}: that remounts /sys and the OCI runtime fails), runc, ulimits without CAP_SYS_RESOURCE,
 * everything in a temp dir, and the netns guard first and last in the conflist (Podman configures whatever namespace
 * it runs in). Containers get addresses from netkit, reach each other and the sandbox internet through NAT,
 * {@code -p 8080:80} is reachable from the internet, and {@code podman rm} leaves nothing.
 * See /work/shared/notes/podman-in-a-sandbox.md.
 */
@Privileged
class PodmanTest {
    @TempDir
    Path tmp;

    private Map<String, String> env;
    private String hostNs;
    private String sandboxKey = "/nonexistent";

    private Proc.Result podman(String... args) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + hostNs, "podman"));
        argv.addAll(List.of(args));
        return Proc.run(env, null, 120, argv);
    }

    private String podmanOk(String... args) {
        Proc.Result r = podman(args);
        assertThat(r.exitCode()).as("podman %s: %s %s", String.join(" ", args), r.stdout(), r.stderr()).isZero();
        return r.stdout();
    }

    @Test
    void podmanRunsContainersOnANetkitNetwork() throws Exception {
        boolean blobCacheExisted = Files.exists(Path.of("/var/lib/containers/cache/blob-info-cache-v1.boltdb"));
        boolean cniResultsExisted = Files.exists(Path.of("/var/lib/cni/results"));
        boolean runcExisted = Files.exists(Path.of("/run/runc"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.copy(Proc.client(), bin.resolve("netkit"));
        Files.copy(Path.of("src/test/resources/cni-netns-guard"), bin.resolve("cni-netns-guard"));
        Files.setPosixFilePermissions(bin.resolve("cni-netns-guard"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path netd = Files.createDirectories(tmp.resolve("net.d"));
        try (Sandbox sb = Sandbox.create("nkpod"); CniDaemon daemon = CniDaemon.start(tmp.resolve("run/cni.sock"))) {
            hostNs = sb.hostNamespace().name().orElseThrow();
            String guard = "{\"type\": \"cni-netns-guard\", \"allowedNetns\": \"/run/netns/" + hostNs + "\"}";
            Files.writeString(netd.resolve("netkit-test.conflist"), """
                    {"cniVersion": "0.4.0", "name": "netkit-test", "plugins": [
                      %s,
                      {"type": "netkit", "bridge": "nkpod0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
                       "capabilities": {"portMappings": true},
                       "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.7.0/24", "gateway": "10.88.7.1"}]],
                                "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "%s"}},
                      %s
                    ]}
                    """.formatted(guard, tmp.resolve("ipam"), guard));
            Path conf = tmp.resolve("containers.conf");
            Files.writeString(conf, """
                    [containers]
                    default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
                    [network]
                    network_backend = "cni"
                    network_config_dir = "%s"
                    cni_plugin_dirs = ["%s", "/usr/lib/cni"]
                    default_network = "netkit-test"
                    [engine]
                    runtime = "runc"
                    cgroup_manager = "cgroupfs"
                    events_logger = "file"
                    tmp_dir = "%s"
                    static_dir = "%s"
                    volume_path = "%s"
                    """.formatted(netd, bin, tmp.resolve("engine-tmp"), tmp.resolve("static"), tmp.resolve("volumes")));
            Path storage = tmp.resolve("storage.conf");
            Files.writeString(storage, """
                    [storage]
                    driver = "vfs"
                    graphroot = "%s"
                    runroot = "%s"
                    """.formatted(tmp.resolve("graph"), tmp.resolve("runroot")));
            Files.createDirectories(tmp.resolve("tmpdir"));
            env = new HashMap<>(Map.of("CONTAINERS_CONF", conf.toString(), "CONTAINERS_STORAGE_CONF", storage.toString(),
                    "TMPDIR", tmp.resolve("tmpdir").toString(), "NETKIT_CNI_SOCKET", daemon.socket().toString(),
                    "NETKIT_CNI_JAR", "/nonexistent"));

            // The image: a busybox rootfs, imported (no registry).
            Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
            for (String d : List.of("bin", "www", "tmp", "proc", "sys", "dev", "etc")) {
                Files.createDirectories(rootfs.resolve(d));
            }
            Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : List.of("sh", "ip", "ping", "nc", "httpd", "cat", "echo", "true", "sleep", "printf")) {
                Files.createSymbolicLink(rootfs.resolve("bin/" + applet), Path.of("busybox"));
            }
            Files.writeString(rootfs.resolve("www/index.html"), "hello from podman\n");
            Proc.ok("tar", "-C", rootfs.toString(), "-cf", tmp.resolve("rootfs.tar").toString(), ".");
            podmanOk("import", tmp.resolve("rootfs.tar").toString(), "localhost/nkbb");

            try {
                podmanOk("run", "-d", "--name", "web", "--network", "netkit-test", "-p", "8080:80", "localhost/nkbb",
                        "/bin/httpd", "-f", "-p", "80", "-h", "/www");
                String webIp = podmanOk("inspect", "-f", "{{(index .NetworkSettings.Networks \"netkit-test\").IPAddress}}", "web").trim();
                assertThat(webIp).startsWith("10.88.7.");
                sandboxKey = podmanOk("inspect", "-f", "{{.NetworkSettings.SandboxKey}}", "web").trim();
                assertThat(sandboxKey).startsWith("/run/netns/netns-");
                // Netkit's records: the engine's container is an endpoint of the network, seen from Java.
                assertThat(io.netkit.core.Network.open(sb.host(), "nkpod0").endpoints())
                        .extracting(e -> e.address().getHostAddress()).containsExactly(webIp);

                // A second container: its address, the first container over the bridge, the internet through NAT.
                String out = podmanOk("run", "--rm", "--network", "netkit-test", "localhost/nkbb", "/bin/sh", "-c",
                        "ip -4 -o addr show eth0; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc " + webIp + " 80; "
                                + "ping -c1 -W2 203.0.113.1 >/dev/null && echo internet-ok");
                assertThat(out).containsPattern("inet 10\\.88\\.7\\.\\d+/24").contains("hello from podman").contains("internet-ok");

                // -p 8080:80 from the sandbox internet to the host's uplink address
                assertThat(Proc.httpGet(sb.internet(), sb.uplinkAddress().getHostAddress(), 8080)).isEqualTo("hello from podman\n");
            } finally {
                podman("rm", "-f", "-t", "0", "-a");
            }
            // podman rm leaves nothing: no veth, no endpoint, no container namespace, no DNAT.
            String links = "";
            for (int t = 0; t < 50; t++) {
                links = Proc.ok("ip", "-n", hostNs, "-o", "link");
                if (!links.matches("(?s).*nkc[0-9a-f]{12}.*")) {
                    break;
                }
                Thread.sleep(50);
            }
            assertThat(links).doesNotContainPattern("nkc[0-9a-f]{12}");
            assertThat(io.netkit.core.Network.open(sb.host(), "nkpod0").endpoints()).isEmpty();
            assertThat(Proc.netkitRules(hostNs)).doesNotContain("dport 8080");
            assertThat(Path.of(sandboxKey)).doesNotExist();
            podman("rmi", "-a", "-f");
        } finally {
            cleanPodmanLeftovers(blobCacheExisted, cniResultsExisted, runcExisted);
        }
    }

    /** What Podman 4.3 writes outside the temp dir (see the notes), removed unless it was there before. */
    private void cleanPodmanLeftovers(boolean blobCacheExisted, boolean cniResultsExisted, boolean runcExisted) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].startsWith(tmp.toString())) {
                Proc.run("umount", "-l", f[4]);
            }
        }
        if (!blobCacheExisted) {
            Files.deleteIfExists(Path.of("/var/lib/containers/cache/blob-info-cache-v1.boltdb"));
            deleteIfEmpty(Path.of("/var/lib/containers/cache"));
            deleteIfEmpty(Path.of("/var/lib/containers"));
        }
        if (!cniResultsExisted) {
            deleteIfEmpty(Path.of("/var/lib/cni/results"));
            deleteIfEmpty(Path.of("/var/lib/cni"));
        }
        if (!runcExisted) {
            deleteIfEmpty(Path.of("/run/runc"));
        }
    }

    private static void deleteIfEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    Files.delete(dir);
                }
            }
        }
    }
}
