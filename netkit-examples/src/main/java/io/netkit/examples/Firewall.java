package io.netkit.examples;

import io.netkit.netlink.NetNamespace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Reads the firewall of a namespace the way a user would check it: {@code ip netns exec NS iptables-save},
 * keeping netkit's own lines (its {@code NETKIT-...} chains, the jumps into them, and its commented rules).
 * A witness for the demo, not part of netkit: the library itself writes rules with {@code iptables-restore}.
 */
final class Firewall {

    private static final List<String> SAVE_COMMANDS = List.of("iptables-save", "iptables-nft-save", "iptables-legacy-save");

    private Firewall() {}

    /**
     * netkit's lines in {@code ns}, grouped under their {@code *table} headers, from whichever iptables
     * backend holds them (nft or legacy). Empty when netkit has no rules there.
     */
    static List<String> netkitLines(NetNamespace ns) {
        Preflight.SystemProbes probes = new Preflight.SystemProbes();
        for (String command : SAVE_COMMANDS) {
            if (probes.findCommand(command).isEmpty()) continue;
            List<String> lines = filter(save(ns, probes.findCommand(command).get().toString()));
            if (!lines.isEmpty()) return lines;
        }
        return List.of();
    }

    /** The {@code *table} headers and the lines of {@code iptablesSave} output that belong to netkit. */
    static List<String> filter(String iptablesSave) {
        List<String> kept = new ArrayList<>();
        String table = null;
        for (String line : iptablesSave.split("\n")) {
            if (line.startsWith("*")) {
                table = line;
            } else if (isNetkit(line)) {
                if (table != null) {
                    kept.add(table);
                    table = null;
                }
                kept.add(line);
            }
        }
        return kept;
    }

    private static boolean isNetkit(String line) {
        return line.contains("NETKIT") || line.toLowerCase(Locale.ROOT).contains("--comment \"netkit")
                || line.toLowerCase(Locale.ROOT).contains("--comment netkit");
    }

    private static String save(NetNamespace ns, String command) {
        try {
            Process p = ns.start(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD));
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(command + " in " + ns.name().orElse("?"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
