package io.netkit.iptables.internal;

import io.netkit.iptables.Backend;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.Family;
import io.netkit.iptables.IptablesException;
import io.netkit.iptables.MissingToolException;
import io.netkit.iptables.RestoreException;
import io.netkit.iptables.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the save and restore tools of one backend and family, and turns their failures into exceptions. */
public final class ToolCalls {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ToolCalls.class);
    }
    /** The forms in which the restore tools name the failing line (legacy, nft parse errors, nft kernel errors). */
    private static final List<Pattern> LINE_PATTERNS = List.of(Pattern.compile("Error occurred at line: (\\d+)"),
            Pattern.compile("line (\\d+) failed"), Pattern.compile("line (\\d+): "));

    private final CommandRunner runner;
    private final Backend backend;
    private final Family family;

    public ToolCalls(CommandRunner runner, Backend backend, Family family) {
        this.runner = runner;
        this.backend = backend;
        this.family = family;
    }

    public List<String> restoreArgv() {
        return List.of(backend.restoreCommand(family), "--noflush", "--wait");
    }

    /** {@code iptables-save [-t TABLE]} output. */
    public String save(Table table) {
        List<String> argv = new ArrayList<>(List.of(backend.saveCommand(family)));
        if (table != null) { argv.add("-t"); argv.add(table.tableName()); }
        CommandRunner.Result r = run(runner, argv, new byte[0]);
        if (r.exitCode() != 0) {
            String msg = toolMessage(r.stderrText());
            throw new IptablesException(String.join(" ", argv) + " failed with exit code " + r.exitCode() + ": " + msg
                    + hint(msg), argv, r.exitCode(), msg, null);
        }
        return r.stdoutText();
    }

    /**
     * Computes a payload from fresh state and restores it; if that fails on a deleting line (a rule or chain
     * vanished between save and restore, e.g. another process removed it), computes again once and retries.
     */
    public void restoreWithRetry(Supplier<String> plan) {
        String payload = plan.get();
        if (payload.isEmpty()) return;
        try {
            restore(payload);
        } catch (RestoreException e) {
            String l = e.line();
            // -N: a shared chain another process created between our read and our restore.
            if (!(l.startsWith("-D ") || l.startsWith("-X ") || l.startsWith("-F ") || l.startsWith("-N ")
                    || l.equals("COMMIT"))) throw e;
            Log.LOG.debug("restore failed on \"{}\", re-reading state and retrying once: {}", l, e.toolMessage());
            String again = plan.get();
            if (!again.isEmpty()) restore(again);
        }
    }

    /** One {@code iptables-restore --noflush --wait} fed {@code payload}. */
    public void restore(String payload) {
        List<String> argv = restoreArgv();
        long t0 = System.nanoTime();
        CommandRunner.Result r = run(runner, argv, payload.getBytes(StandardCharsets.UTF_8));
        if (Log.LOG.isDebugEnabled()) {
            Log.LOG.debug("{}: {} payload lines in {} us, exit {}", argv.get(0), payload.split("\n").length,
                    (System.nanoTime() - t0) / 1000, r.exitCode());
        }
        if (r.exitCode() == 0) return;
        String msg = toolMessage(r.stderrText());
        String[] lines = payload.split("\n", -1);
        int n = 0;
        for (Pattern p : LINE_PATTERNS) {
            Matcher m = p.matcher(r.stderrText());
            if (m.find()) {
                n = Integer.parseInt(m.group(1));
                break;
            }
        }
        String line = n >= 1 && n <= lines.length ? lines[n - 1] : "";
        String where = n > 0 ? " at payload line " + n + " \"" + Validation.printable(line) + "\"" : "";
        if (line.equals("COMMIT")) where += culprit(lines, n, msg);
        throw new RestoreException(argv.get(0) + " failed" + where + " (exit code " + r.exitCode() + "): " + msg + hint(msg),
                argv, r.exitCode(), msg, n, line, payload);
    }

    private static final Pattern QUOTED_NAME = Pattern.compile("[`']([A-Za-z0-9_.:-]+)'");

    /**
     * iptables-nft-restore reports some errors (a missing chain) at the table's COMMIT line. Points at the
     * first line of that table block naming what the tool quotes, so the message shows the culprit.
     */
    private static String culprit(String[] lines, int commitLine, String toolMessage) {
        String generic = " (the kernel refused the table block when it was committed; the kernel log, dmesg, names the rule)";
        Matcher m = QUOTED_NAME.matcher(toolMessage);
        if (!m.find()) return generic;
        String name = m.group(1);
        int start = commitLine - 1;
        while (start > 0 && !lines[start - 1].startsWith("*")) start--;
        for (int i = start; i < commitLine - 1; i++) {
            for (String w : lines[i].split(" ")) {
                if (w.equals(name)) {
                    return " (reported at COMMIT; line " + (i + 1) + " names " + name + ": \"" + Validation.printable(lines[i]) + "\")";
                }
            }
        }
        return generic;
    }

    /** What to do about errors the caller can fix. */
    private static String hint(String toolMessage) {
        if (toolMessage.contains("Permission denied") || toolMessage.contains("you must be root")
                || toolMessage.contains("Operation not permitted")) {
            return " (the iptables tools need root / CAP_NET_ADMIN in the target network namespace)";
        }
        return "";
    }

    /** The tool's stderr without the "Try ... --help" advice, on one line. */
    private static String toolMessage(String stderr) {
        StringBuilder sb = new StringBuilder();
        for (String l : stderr.split("\n")) {
            String s = l.strip();
            if (s.isEmpty() || s.startsWith("Try `")) continue;
            // A line ending in ':' introduces the next one ("...(nf_tables):" / "line 21: ...").
            if (sb.length() > 0) sb.append(sb.charAt(sb.length() - 1) == ':' ? " " : "; ");
            sb.append(s);
        }
        return sb.toString();
    }

    /** Runs a tool, mapping "program not found" in its various forms to {@link MissingToolException}. */
    public static CommandRunner.Result run(CommandRunner runner, List<String> argv, byte[] stdin) {
        String tool = argv.get(0);
        CommandRunner.Result r;
        try {
            r = runner.run(argv, stdin);
        } catch (IOException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("error=2,") || m.contains("No such file or directory")) throw new MissingToolException(tool, argv, e);
            throw new IptablesException("running " + String.join(" ", argv) + " failed: " + m, argv, -1, "", e);
        }
        String err = r.stderrText();
        // A wrapper such as "ip netns exec" or a shell reports a missing program by its exit status.
        if (r.exitCode() == 127 || (r.exitCode() == 255 && err.contains("exec of \"" + tool + "\" failed"))) {
            throw new MissingToolException(tool, argv, null);
        }
        return r;
    }
}
