package io.netkit.benchmarks.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The table of {@code benchmarks/sweep.sh}: every benchmark measured with a base commit's jar and with this
 * commit's jar in the same run, side by side. Usage:
 * {@code Sweep --base a.json [b.json ...] --head c.json [d.json ...]}; several files per side are rounds of the same
 * benchmarks (their medians are averaged). Times are compared as milliseconds per operation (a throughput is
 * inverted), so head/base &gt; 1 is slower. A benchmark is flagged when head/base exceeds 1.05; where
 * {@link Report#ROWS} pairs it with a yardstick of the same class, netkit/yardstick is shown for each jar too, which
 * is what to trust on a loaded machine (both sides of that ratio ran in the same JVM minutes apart).
 */
public final class Sweep {
    static final double LIMIT = 1.05;

    private Sweep() {
    }

    public static void main(String[] args) throws IOException {
        List<Report> base = new ArrayList<>();
        List<Report> head = new ArrayList<>();
        List<Report> side = null;
        for (String a : args) {
            if (a.equals("--base")) {
                side = base;
            } else if (a.equals("--head")) {
                side = head;
            } else if (side == null) {
                throw new IllegalArgumentException("usage: Sweep --base FILE... --head FILE... (got " + a + ")");
            } else {
                Report r = new Report();
                r.load(Path.of(a));
                side.add(r);
            }
        }
        System.out.print(render(base, head));
    }

    static String render(List<Report> base, List<Report> head) {
        Set<String> names = new LinkedHashSet<>();
        for (Report r : head) {
            names.addAll(r.names());
        }
        for (Report r : base) {
            names.addAll(r.names());
        }
        StringBuilder b = new StringBuilder();
        b.append("| Benchmark | base (ms/op, median) | head (ms/op, median) | head/base | alloc B/op base → head | |\n");
        b.append("|---|---:|---:|---:|---:|---|\n");
        int flagged = 0;
        for (String n : names) {
            double bm = mean(base, n);
            double hm = mean(head, n);
            double ratio = hm / bm;
            String verdict = Double.isNaN(bm) ? "only in head" : Double.isNaN(hm) ? "only in base"
                    : ratio > LIMIT ? "**slower > 5 %**" : ratio < 1 / LIMIT ? "faster > 5 %" : "";
            if (ratio > LIMIT) {
                flagged++;
            }
            Double ba = alloc(base, n);
            Double ha = alloc(head, n);
            b.append("| ").append(n).append(" | ").append(fmt(bm)).append(" | ").append(fmt(hm)).append(" | ")
                    .append(fmt(ratio)).append(" | ")
                    .append(ba == null && ha == null ? "" : fmt(ba) + " → " + fmt(ha))
                    .append(" | ").append(verdict).append(" |\n");
        }
        b.append("\n| netkit vs yardstick (same class, same jar) | base: netkit/yardstick | head: netkit/yardstick | head ratio / base ratio | |\n");
        b.append("|---|---:|---:|---:|---|\n");
        int yardFlagged = 0;
        for (Report.Row row : Report.ROWS) {
            double rb = yardRatio(base, row);
            double rh = yardRatio(head, row);
            if (Double.isNaN(rb) && Double.isNaN(rh)) {
                continue;
            }
            double change = rh / rb;
            if (change > LIMIT) {
                yardFlagged++;
            }
            b.append("| ").append(row.netkit()).append(" vs ").append(row.yard())
                    .append(row.yardScale() != row.netkitScale() ? " (scaled)" : "").append(" | ").append(fmt(rb))
                    .append(" | ").append(fmt(rh)).append(" | ").append(fmt(change)).append(" | ")
                    .append(change > LIMIT ? "**worse > 5 %**" : change < 1 / LIMIT ? "better > 5 %" : "").append(" |\n");
        }
        b.append("\n").append(flagged).append(" benchmark(s) slower by more than 5 % (head/base); ").append(yardFlagged)
                .append(" netkit/yardstick ratio(s) worse by more than 5 %.\n");
        return b.toString();
    }

    /** The mean over rounds of a benchmark's median ms/op; NaN if no round measured it. */
    static double mean(List<Report> rounds, String name) {
        double[] v = rounds.stream().mapToDouble(r -> r.ms(name, 1)).filter(d -> !Double.isNaN(d)).toArray();
        return v.length == 0 ? Double.NaN : Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static Double alloc(List<Report> rounds, String name) {
        for (Report r : rounds) {
            Report.Result res = r.get(name);
            if (res != null && res.allocNorm() != null) {
                return res.allocNorm();
            }
        }
        return null;
    }

    private static double yardRatio(List<Report> rounds, Report.Row row) {
        return mean(rounds, row.netkit()) * row.netkitScale() / (mean(rounds, row.yard()) * row.yardScale());
    }

    private static String fmt(Double v) {
        if (v == null || v.isNaN()) {
            return "—";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4f", v);
    }
}
