package io.netkit.examples;

import io.netkit.netlink.NetNamespace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code ip netns exec NS ping -c1 ADDRESS}, where {@code ping} is installed. */
public final class Ping {

    /** The outcome of one ping: whether the reply came, and the round-trip line of ping's output. */
    public record Reply(boolean received, String summary) {}

    private static final Pattern RTT = Pattern.compile("time=([0-9.]+ ?ms)");

    private Ping() {}

    /** Whether {@code ping} is installed here. */
    public static boolean available() {
        return new Preflight.SystemProbes().findCommand("ping").isPresent();
    }

    /** Sends one echo request from inside {@code ns}; empty when {@code ping} is not installed. */
    public static Optional<Reply> once(NetNamespace ns, InetAddress to) {
        Optional<java.nio.file.Path> ping = new Preflight.SystemProbes().findCommand("ping");
        if (ping.isEmpty()) return Optional.empty();
        ProcessBuilder pb = new ProcessBuilder(ping.get().toString(), "-n", "-c", "1", "-W", "2", to.getHostAddress())
                .redirectErrorStream(true);
        try {
            Process p = ns.start(pb);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(new Reply(false, "ping did not finish in 10 s"));
            }
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = RTT.matcher(output);
            boolean ok = p.exitValue() == 0;
            return Optional.of(new Reply(ok, ok && m.find() ? "reply in " + m.group(1) : "no reply (exit " + p.exitValue() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException("ping " + to.getHostAddress(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(new Reply(false, "interrupted"));
        }
    }
}
