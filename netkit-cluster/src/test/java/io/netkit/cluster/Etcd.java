package io.netkit.cluster;

import io.netkit.netlink.NetNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's etcd ({@code /usr/bin/etcd}, package etcd-server) run by a test inside a namespace of its own, listening on
 * {@code ADDRESS:2379} there, with its data in a temporary directory; {@link #close()} kills it and removes the data.
 */
final class Etcd implements AutoCloseable {
    private final NetNamespace ns;
    private final String address;
    private final Path dir;
    private final Path log;
    private Process process;

    private Etcd(NetNamespace ns, String address, Path log) throws IOException {
        this.ns = ns;
        this.address = address;
        this.dir = Files.createTempDirectory("netkit-etcd-");
        this.log = log;
    }

    static Etcd start(NetNamespace ns, String address, Path log) throws Exception {
        Etcd e = new Etcd(ns, address, log);
        e.start();
        return e;
    }

    String url() {
        return "http://" + address + ":2379";
    }

    /** Starts etcd (again, with the same data) and waits until it answers /health. */
    void start() throws InterruptedException {
        String peer = "http://127.0.0.1:23800";
        ProcessBuilder pb = new ProcessBuilder(List.of("etcd", "--name", "lab", "--data-dir", dir.toString(),
                "--listen-client-urls", url(), "--advertise-client-urls", url(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "lab=" + peer,
                "--logger", "zap", "--log-level", "warn"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = ns.start(pb);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError("etcd exited with " + process.exitValue() + "; see " + log);
            }
            if (healthy()) {
                try { // for reading the agents' logs against: when etcd answered again
                    Files.writeString(log, "netkit-test: etcd healthy at " + java.time.LocalTime.now() + "\n",
                            java.nio.file.StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("etcd did not become healthy within 30 s; see " + log);
    }

    private boolean healthy() {
        return ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, 2379), 500);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /health HTTP/1.0\r\nHost: " + address + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return reply.contains("\"health\":\"true\"");
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Kills etcd (SIGKILL) and waits for it to end. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
