package io.netkit.cni;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a process with extra environment and stdin, with a timeout; the test's witness and driver runner. */
final class Proc {
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private Proc() {
    }

    static Result run(Map<String, String> env, String stdin, int timeoutSeconds, List<String> argv) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + argv + "\nstderr: " + err.getNow(""));
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static Result run(String... argv) {
        return run(Map.of(), null, 60, List.of(argv));
    }

    /**
     * netkit's firewall rules in {@code hostNs} whichever backend holds them (backend-neutral witness):
     * {@code iptables-save}, {@code ip6tables-save} and {@code nft list table inet netkit} (when it exists).
     */
    static String netkitRules(String hostNs) {
        Result nft = run("ip", "netns", "exec", hostNs, "nft", "list", "table", "inet", "netkit");
        return ok("ip", "netns", "exec", hostNs, "iptables-save") + ok("ip", "netns", "exec", hostNs, "ip6tables-save")
                + (nft.ok() ? nft.stdout() : "");
    }

    /** Like {@link #run(String...)} but fails the test when the exit code is not 0. */
    static String ok(String... argv) {
        Result r = run(argv);
        if (!r.ok()) {
            throw new AssertionError(String.join(" ", argv) + " exited " + r.exitCode() + ": " + r.stderr() + r.stdout());
        }
        return r.stdout();
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The thin client built by this module ({@code target/netkit}) and the daemon jar beside it. */
    static Path client() {
        Path p = Path.of("target/netkit").toAbsolutePath();
        if (!Files.isExecutable(p)) {
            throw new AssertionError(p + " is missing: run the module's build (mvn -pl netkit-cni -am verify), which compiles it with gcc");
        }
        return p;
    }

    /** {@code target/netkit-cni.jar}, built in the package phase (tests that need it run in verify as integration tests). */
    static Path jar() {
        return Path.of("target/netkit-cni.jar").toAbsolutePath();
    }

    /**
     * HTTP/1.0 GET from inside {@code ns} (Java's socket on the namespace's thread), retried for up to 5 s while the
     * server starts; the body, or "" if nothing answered.
     */
    static String httpGet(io.netkit.netlink.NetNamespace ns, String host, int port) throws InterruptedException {
        for (int t = 0; t < 50; t++) {
            try {
                String r = ns.call(() -> {
                    try (java.net.Socket s = new java.net.Socket()) {
                        s.connect(new java.net.InetSocketAddress(host, port), 1000);
                        s.setSoTimeout(2000);
                        s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    }
                });
                int body = r.indexOf("\r\n\r\n");
                return body < 0 ? r : r.substring(body + 4);
            } catch (RuntimeException e) {
                Thread.sleep(100);
            }
        }
        return "";
    }
}
