package io.netkit.cluster;

import io.netkit.core.OverlayPeer;
import io.netkit.netlink.NetNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The test side of an {@link AgentMain} child JVM running in a simulated host's namespace. */
final class Agent implements AutoCloseable {
    final String host;
    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final OutputStream stdin;
    String subnet;
    String mac;

    private Agent(String host, Process process) {
        this.host = host;
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // process ended
            }
            lines.add("EOF");
        }, "agent-out-" + host);
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code java ... AgentMain ARGS} inside {@code ns}; stderr goes to {@code log}. */
    static Agent start(NetNamespace ns, Path log, String... args) {
        return startMain(ns, log, AgentMain.class, args);
    }

    /** Starts {@code java ... MAIN ARGS} inside {@code ns} (a child speaking lines like {@link AgentMain}). */
    static Agent startMain(NetNamespace ns, Path log, Class<?> main, String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx192m", "-Xss512k",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.log.io.netkit.cluster=debug",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS", "-cp", System.getProperty("java.class.path"), main.getName()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new Agent(ns.name().orElse(ns.toString()), ns.start(pb));
    }

    /** The next output line starting with {@code prefix} (others skipped), within {@code seconds}. */
    String await(String prefix, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = end - System.nanoTime();
            String l = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError("agent in " + host + ": no line \"" + prefix + "...\" within " + seconds + " s");
            }
            if (l.startsWith(prefix)) {
                return l;
            }
            if (l.startsWith("ERROR") || l.equals("EOF")) {
                throw new AssertionError("agent in " + host + " said: " + l);
            }
        }
    }

    /** Waits for JOINED; records subnet and MAC. */
    Agent joined(int seconds) throws InterruptedException {
        String[] w = await("JOINED", seconds).split(" ");
        subnet = w[1];
        mac = w[2];
        return this;
    }

    /** The first line the agent prints (JOINED or ERROR ...). */
    String firstLine(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("agent in " + host + ": no output within " + seconds + " s");
        }
        return l;
    }

    void send(String command) {
        try {
            stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Attaches container {@code name}; its address. */
    String attach(String name) throws InterruptedException {
        send("attach " + name);
        return await("ATTACHED " + name, 30).split(" ")[2];
    }

    /** The peers the agent's overlay reports. */
    Set<OverlayPeer> peers() throws InterruptedException {
        send("peers");
        String l = await("PEERS", 30);
        return AgentMain.parsePeers(l.length() > 6 ? l.substring(6) : "");
    }

    /** The member's state, subnet and lease: {@code [STATE, SUBNET, LEASE]}. */
    String[] state() throws InterruptedException {
        send("state");
        String[] w = await("STATE", 30).split(" ");
        return new String[] {w[1], w[2], w[3]};
    }

    /** This host as the others must see it. */
    OverlayPeer self(String underlay) {
        return OverlayPeer.of(subnet, underlay, mac);
    }

    /** Leaves cleanly and waits for the JVM to end. */
    void leave() throws InterruptedException {
        send("leave");
        await("LEFT", 30);
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** kill -9. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stdin.close();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }
}
