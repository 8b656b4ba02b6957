package io.netkit.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH JSON result files into the markdown report of benchmarks/README.md: netkit beside its yardsticks with
 * ratios, the codec's throughput and allocation per operation, and every speed target of issues 2–5 marked met or
 * not met with the numbers behind the verdict.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.netkit.benchmarks.report.Report [--machine FILE] RESULT.json...}
 * (markdown on standard output). Times are medians over the measured iterations (JMH's 50th percentile); a
 * yardstick measured on fewer items than the netkit side is scaled linearly, and the table says so.
 */
public final class Report {

    /** One JMH result, reduced to what the report needs. */
    record Result(String name, String mode, String unit, double median, double mean, double error, int samples,
                  Double allocNorm, Map<String, Double> secondary) {
        /** Milliseconds per operation (median), whatever unit or mode JMH used. */
        double medianMs() {
            return toMs(median, unit);
        }
    }

    /** A netkit measurement beside one yardstick measurement of the same work. */
    record Row(String workload, String netkit, double netkitScale, String yardLabel, String yard, double yardScale,
               String note) {}

    private final Map<String, Result> results = new LinkedHashMap<>();
    private long linkFootprint = -1;

    public static void main(String[] args) throws IOException {
        Report r = new Report();
        String machine = null;
        for (int a = 0; a < args.length; a++) {
            if (args[a].equals("--machine")) {
                machine = Files.readString(Path.of(args[++a]), StandardCharsets.UTF_8);
            } else if (Files.isRegularFile(Path.of(args[a]))) {
                r.load(Path.of(args[a]));
            }
        }
        if (r.get("CodecBenchmark.decodeLink") != null) {
            r.linkFootprint = LinkFootprint.bytes();
        }
        System.out.print(r.render(machine));
    }

    void load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return;
        }
        for (Object o : (List<?>) Json.parse(text)) {
            Map<?, ?> m = (Map<?, ?>) o;
            String full = (String) m.get("benchmark");
            String[] parts = full.split("\\.");
            String name = parts[parts.length - 2] + "." + parts[parts.length - 1];
            Map<?, ?> params = (Map<?, ?>) m.get("params");
            if (params != null && !params.isEmpty()) {
                name += params.toString().replace(" ", "");
            }
            Map<?, ?> pm = (Map<?, ?>) m.get("primaryMetric");
            Map<?, ?> pct = (Map<?, ?>) pm.get("scorePercentiles");
            double score = num(pm.get("score"));
            double median = pct != null && pct.get("50.0") != null ? num(pct.get("50.0")) : score;
            int samples = 0;
            Object raw = pm.get("rawData");
            if (raw instanceof List<?> forks) {
                for (Object f : forks) {
                    samples += ((List<?>) f).size();
                }
            }
            Double alloc = null;
            Map<String, Double> secondary = new LinkedHashMap<>();
            Map<?, ?> sec = (Map<?, ?>) m.get("secondaryMetrics");
            if (sec != null) {
                for (Map.Entry<?, ?> e : sec.entrySet()) {
                    double v = num(((Map<?, ?>) e.getValue()).get("score"));
                    secondary.put(e.getKey().toString(), v);
                    if (e.getKey().toString().endsWith("gc.alloc.rate.norm")) {
                        alloc = v;
                    }
                }
            }
            results.put(name, new Result(name, (String) m.get("mode"), (String) pm.get("scoreUnit"), median, score,
                    num(pm.get("scoreError")), samples, alloc, secondary));
        }
    }

    private static double num(Object o) {
        if (o instanceof Double d) {
            return d;
        }
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    static double toMs(double v, String unit) {
        switch (unit) {
            case "s/op": return v * 1e3;
            case "ms/op": return v;
            case "us/op": return v / 1e3;
            case "ns/op": return v / 1e6;
            case "ops/s": return 1e3 / v;
            case "ops/ms": return 1 / v;
            case "ops/us": return 1e-3 / v;
            case "ops/ns": return 1e-6 / v;
            default: throw new IllegalArgumentException("unknown JMH unit " + unit);
        }
    }

    Result get(String name) {
        return results.get(name);
    }

    /** The names ({@code Class.method}) of every benchmark loaded, in the order loaded. */
    java.util.Set<String> names() {
        return results.keySet();
    }

    /** Median ms of a benchmark times its scale, or NaN when it was not run. */
    double ms(String name, double scale) {
        Result r = results.get(name);
        return r == null ? Double.NaN : r.medianMs() * scale;
    }

    // ---------------------------------------------------------------------------------------------------------
    // What is compared with what

    static final List<Row> ROWS = List.of(
            new Row("create + set up 1000 veth pairs, one request at a time", "LinkCreateBenchmark.netkitOneByOne", 1,
                    "`ip -batch` (1000 pairs)", "LinkCreateBenchmark.ipBatch", 1,
                    "3 steps per pair both sides; netkit's create returns the new link (kernel echo in the same round trip)"),
            new Row("create + set up 1000 veth pairs, one request at a time", "LinkCreateBenchmark.netkitOneByOne", 1,
                    "one `ip` process per step", "LinkCreateBenchmark.ipPerStep100", 10,
                    "yardstick: 100 pairs measured, ×10"),
            new Row("create 1000 veth pairs up, one `create(veth.up().peerUp())` call each",
                    "LinkCreateBenchmark.netkitCreateUp", 1, "`ip -batch` (1000 pairs)", "LinkCreateBenchmark.ipBatch", 1,
                    "netkit: create-up (echoed) + peer-up by index"),
            new Row("create + set up 1000 veth pairs, batched (`createAll`)", "LinkCreateBenchmark.netkitBatched", 1,
                    "`ip -batch` (1000 pairs)", "LinkCreateBenchmark.ipBatch", 1, ""),
            new Row("delete 1000 veth pairs in bulk (link group, one request)", "LinkDeleteBenchmark.netkitGroup1000", 1,
                    "`ip link del group G`", "LinkDeleteBenchmark.ipDelGroup1000", 1, ""),
            new Row("delete 1000 veth pairs in bulk (link group, one request)", "LinkDeleteBenchmark.netkitGroup1000", 1,
                    "`ip -batch` deletes", "LinkDeleteBenchmark.ipBatchDelete100", 10,
                    "yardstick: 100 links measured, ×10"),
            new Row("delete 1000 veth pairs one by one", "LinkDeleteBenchmark.netkitOneByOne100", 10,
                    "`ip -batch` deletes", "LinkDeleteBenchmark.ipBatchDelete100", 10,
                    "both: 100 links measured, ×10"),
            new Row("dump 1000 links, decoded into Link values", "LinkDumpBenchmark.netkitList", 1,
                    "`ip -o link show` process", "LinkDumpBenchmark.ipOLinkShow", 1, "stdout to /dev/null"),
            new Row("list 1000 conntrack entries (ctnetlink dump, decoded)", "ConntrackBenchmark.netkitList", 1,
                    "`conntrack -L` process", "ConntrackBenchmark.conntrackL", 1, "via `ip netns exec`; stdout to /dev/null"),
            new Row("delete the entry of one port among 1000 conntrack entries", "ConntrackDeleteBenchmark.netkitDelete", 1,
                    "`conntrack -D -p udp --orig-port-dst P`", "ConntrackDeleteBenchmark.conntrackD", 1, "via `ip netns exec`"),
            new Row("add 1000 IPv4 addresses, one request at a time", "AddressAddBenchmark.netkitOneByOne", 1,
                    "`ip -batch` (1000 addresses)", "AddressAddBenchmark.ipBatch", 1, ""),
            new Row("add 1000 IPv4 addresses, one request at a time", "AddressAddBenchmark.netkitOneByOne", 1,
                    "one `ip addr add` process each", "AddressAddBenchmark.ipPerStep100", 10,
                    "yardstick: 100 addresses measured, ×10"),
            new Row("attach one container (median; JIT warm: after 1000 untimed attach/detach cycles)",
                    "AttachBenchmark.netkitAttach", 1,
                    "same steps as `ip` commands", "AttachBenchmark.ipAttach", 1, "7 `ip` processes from one `sh`"),
            new Row("attach one container (median; a process's first attaches: 30 warm-up iterations only)",
                    "AttachBenchmark.netkitAttachFirst", 1,
                    "same steps as `ip` commands", "AttachBenchmark.ipAttach", 1, "much of netkit still interpreted"),
            new Row("detach one container (median, as the caller sees it)", "AttachBenchmark.netkitDetach", 1,
                    "`ip netns del C`", "AttachBenchmark.ipDetach", 1,
                    "the veth pair goes with the namespace; netkit defers veth deletion to a bulk reaper"),
            new Row("network create + 100 attaches + teardown", "NetworkBenchmark.netkit100", 1,
                    "same steps as `ip` commands", "NetworkBenchmark.ip100", 1, ""),
            new Row("apply 1000 firewall rules of a new owner (`applyNew`, as a new network)",
                    "ApplyBenchmark.netkitApplyNew1000", 1, "`iptables-restore --noflush` from a shell",
                    "ApplyBenchmark.restoreNew1000", 1,
                    "same payload; yardstick includes `ip netns exec … sh` (baseline below)"),
            new Row("apply 1000 firewall rules of a new owner (`applyNew`, as a new network)",
                    "ApplyBenchmark.netkitApplyNew1000", 1, "one `iptables -A` per rule",
                    "ApplyBenchmark.iptablesAppend100", 10, "yardstick: 100 rules measured, ×10"),
            new Row("apply 1000 firewall rules, first `apply` (same `Iptables` instance)",
                    "ApplyBenchmark.netkitApply1000", 1, "`iptables-restore --noflush` from a shell",
                    "ApplyBenchmark.restoreNoflush1000", 1, "same payload; netkit runs `iptables-save` first"),
            new Row("apply 1000 firewall rules, first `apply` by a fresh `Iptables`",
                    "ApplyBenchmark.netkitApplyFresh1000", 1, "`iptables-restore --noflush` from a shell",
                    "ApplyBenchmark.restoreNoflush1000", 1, "netkit runs `iptables-save` + `iptables-restore`"),
            new Row("re-apply 1000 firewall rules (owned chain rewritten whole)", "ApplyBenchmark.netkitReapply1000", 1,
                    "`iptables-restore --noflush` from a shell", "ApplyBenchmark.restoreReapply1000", 1,
                    "same payload"),
            new Row("native nftables: a masquerading network's firewall (table, 4 chains, 6 rules), one transaction",
                    "TransactionBenchmark.netkitFirewall", 1, "`nft -f` of the same ruleset",
                    "TransactionBenchmark.nftFirewall", 1, "yardstick includes `ip netns exec`"),
            new Row("native nftables: a masquerading network's firewall (table, 4 chains, 6 rules), one transaction",
                    "TransactionBenchmark.netkitFirewall", 1, "`iptables-restore --noflush` of the iptables equivalent",
                    "TransactionBenchmark.restoreFirewall", 1, "yardstick includes `ip netns exec`"),
            new Row("native nftables: publish one more port (one element of the DNAT map), one transaction",
                    "TransactionBenchmark.netkitPublish", 1, "`nft add element`", "TransactionBenchmark.nftPublish", 1,
                    "yardstick includes `ip netns exec`"),
            new Row("native nftables: publish one more port (one element of the DNAT map), one transaction",
                    "TransactionBenchmark.netkitPublish", 1, "`iptables-restore --noflush` of one DNAT rule",
                    "TransactionBenchmark.restorePublish", 1, "yardstick includes `ip netns exec`"),
            new Row("native nftables: 1000 rules in one transaction", "TransactionBenchmark.netkit1000", 1,
                    "`nft -f` of the same rules", "TransactionBenchmark.nft1000", 1, ""));

    // ---------------------------------------------------------------------------------------------------------
    // Rendering

    String render(String machine) {
        StringBuilder b = new StringBuilder();
        if (machine != null && !machine.isBlank()) {
            b.append(machine.strip()).append("\n\n");
        }
        b.append("### Codec (one thread, no privileges)\n\n");
        b.append("| Benchmark | throughput (ops/s) | time/op | allocation/op (gc.alloc.rate.norm) |\n");
        b.append("|---|---:|---:|---:|\n");
        codecRow(b, "encode a veth-create request (RTM_NEWLINK, peer, namespace)", "CodecBenchmark.encodeVethCreate");
        codecRow(b, "decode a dumped link message into a Link", "CodecBenchmark.decodeLink");
        codecRow(b, "  (reference: constructing that same Link from decoded fields)", "CodecBenchmark.constructLinkOnly");
        codecRow(b, "walk all attributes of a link message (nested included)", "CodecBenchmark.walkAttributes");
        b.append("\n### Kernel and end to end: netkit vs yardstick (median; ratio = netkit time / yardstick time)\n\n");
        b.append("| Workload | netkit | Yardstick | yardstick time | ratio | Note |\n");
        b.append("|---|---:|---|---:|---:|---|\n");
        for (Row r : ROWS) {
            double n = ms(r.netkit(), r.netkitScale());
            double y = ms(r.yard(), r.yardScale());
            b.append("| ").append(r.workload()).append(" | ").append(time(n)).append(" | ").append(r.yardLabel())
                    .append(" | ").append(time(y)).append(" | ").append(ratio(n, y)).append(" | ")
                    .append(r.note()).append(" |\n");
        }
        Result exec = get("ApplyBenchmark.ipNetnsExecTrue");
        if (exec != null) {
            b.append("\nBaseline: `ip netns exec H sh -c true` costs ").append(time(exec.medianMs()))
                    .append(" (part of both iptables yardsticks' times).\n");
        }
        b.append("\n### Targets (issues 2–5)\n\n");
        List<String[]> targets = targets();
        long met = targets.stream().filter(t -> t[3].equals(verdict(true))).count();
        long notMet = targets.stream().filter(t -> t[3].equals(verdict(false))).count();
        b.append(met).append(" met, ").append(notMet).append(" not met, ")
                .append(targets.size() - met - notMet).append(" not measured in this run.\n\n");
        b.append("| Issue | Target | Measured | Verdict |\n|---|---|---|---|\n");
        for (String[] t : targets) {
            b.append("| ").append(t[0]).append(" | ").append(t[1]).append(" | ").append(t[2]).append(" | ")
                    .append(t[3]).append(" |\n");
        }
        b.append("\n### All JMH results (median of the measured iterations)\n\n");
        b.append("| Benchmark | mode | median | mean ± error | samples | alloc B/op |\n|---|---|---:|---:|---:|---:|\n");
        for (Result r : results.values()) {
            b.append("| ").append(r.name()).append(" | ").append(r.mode()).append(" | ")
                    .append(fmt(r.median())).append(' ').append(r.unit()).append(" | ")
                    .append(fmt(r.mean())).append(" ± ").append(fmt(r.error())).append(" | ")
                    .append(r.samples()).append(" | ")
                    .append(r.allocNorm() == null ? "" : fmt(r.allocNorm())).append(" |\n");
        }
        return b.toString();
    }

    private void codecRow(StringBuilder b, String label, String name) {
        Result r = results.get(name);
        if (r == null) {
            b.append("| ").append(label).append(" | not run | | |\n");
            return;
        }
        double opsPerSec = 1e3 / r.medianMs();
        b.append("| ").append(label).append(" | ").append(String.format(Locale.ROOT, "%,.0f", opsPerSec))
                .append(" | ").append(time(r.medianMs())).append(" | ")
                .append(r.allocNorm() == null ? "n/a (run with -prof gc)" : fmt(r.allocNorm()) + " B")
                .append(" |\n");
    }

    /** {issue, target, measured, verdict} rows. */
    List<String[]> targets() {
        List<String[]> t = new ArrayList<>();
        Result enc = get("CodecBenchmark.encodeVethCreate");
        Result walk = get("CodecBenchmark.walkAttributes");
        Result dec = get("CodecBenchmark.decodeLink");
        Result link = get("CodecBenchmark.constructLinkOnly");
        t.add(new String[] {"#2", "encoding a veth-create request allocates nothing in steady state",
                enc == null || enc.allocNorm() == null ? "—" : fmt(enc.allocNorm()) + " B/op",
                enc == null || enc.allocNorm() == null ? "not measured" : verdict(enc.allocNorm() < 1)});
        t.add(new String[] {"#2", "walking attributes allocates nothing",
                walk == null || walk.allocNorm() == null ? "—" : fmt(walk.allocNorm()) + " B/op",
                walk == null || walk.allocNorm() == null ? "not measured" : verdict(walk.allocNorm() < 1)});
        if (dec == null || dec.allocNorm() == null) {
            t.add(new String[] {"#2", "decoding a dumped link allocates only the Link it returns", "—", "not measured"});
        } else {
            long own = linkFootprint;
            t.add(new String[] {"#2", "decoding a dumped link allocates only the Link it returns",
                    fmt(dec.allocNorm()) + " B/op allocated; the returned Link owns "
                            + (own < 0 ? "? (JOL unavailable)" : own + " B") + " (JOL)"
                            + (link == null || link.allocNorm() == null ? ""
                                    : "; constructing that Link from decoded fields: " + fmt(link.allocNorm()) + " B/op"),
                    own < 0 ? "not measured" : verdict(dec.allocNorm() <= own + 1)});
        }
        t.add(new String[] {"#2", "≥ 1,000,000 link messages decoded per second on one core",
                dec == null ? "—" : String.format(Locale.ROOT, "%,.0f /s", 1e3 / dec.medianMs()),
                dec == null ? "not measured" : verdict(1e3 / dec.medianMs() >= 1e6)});
        double one = ms("LinkCreateBenchmark.netkitOneByOne", 1);
        double batch = ms("LinkCreateBenchmark.ipBatch", 1);
        t.add(ratioTarget("#2", "creating + setting up 1000 veth pairs one request at a time ≤ 1.1× `ip -batch`",
                one, batch, 1.1));
        double grp = ms("LinkDeleteBenchmark.netkitGroup1000", 1);
        double obo = ms("LinkDeleteBenchmark.netkitOneByOne100", 10);
        t.add(new String[] {"#2", "deleting 1000 links through one bulk request < 0.5 s (one by one ≈ 19 s)",
                Double.isNaN(grp) ? "—" : time(grp) + " bulk; one by one " + time(obo) + " (100 measured ×10)",
                Double.isNaN(grp) ? "not measured" : verdict(grp < 500)});
        double dump = ms("LinkDumpBenchmark.netkitList", 1);
        double ipd = ms("LinkDumpBenchmark.ipOLinkShow", 1);
        t.add(ratioTarget("#2", "dump of 1000 links into Link values < ½ the time of an `ip -o link show` process",
                dump, ipd, 0.5));
        double nw = ms("ApplyBenchmark.netkitApplyNew1000", 1);
        double nwRes = ms("ApplyBenchmark.restoreNew1000", 1);
        double app = ms("ApplyBenchmark.netkitApply1000", 1);
        double res = ms("ApplyBenchmark.restoreNoflush1000", 1);
        double per = ms("ApplyBenchmark.iptablesAppend100", 10);
        double fresh = ms("ApplyBenchmark.netkitApplyFresh1000", 1);
        double re = ms("ApplyBenchmark.netkitReapply1000", 1);
        double reRes = ms("ApplyBenchmark.restoreReapply1000", 1);
        t.add(ratioTarget("#3", "applying 1000 rules ≤ 1.2× `iptables-restore --noflush` fed the same payload"
                + " — new owner (`applyNew`, what a new network does)", nw, nwRes, 1.2));
        t.add(ratioTarget("#3", "… the same — first `apply`, same `Iptables` instance", app, res, 1.2));
        t.add(ratioTarget("#3", "… the same — first `apply` by a fresh `Iptables` (new process, adopted network)",
                fresh, res, 1.2));
        t.add(ratioTarget("#3", "… the same — re-apply (rules in place, chain rewritten)", re, reRes, 1.2));
        for (String[] v : new String[][] {{"ApplyBenchmark.netkitApplyNew1000", "new owner (`applyNew`)"},
                {"ApplyBenchmark.netkitApply1000", "first `apply`, same `Iptables` instance"},
                {"ApplyBenchmark.netkitApplyFresh1000", "first `apply` by a fresh `Iptables`"},
                {"ApplyBenchmark.netkitReapply1000", "re-apply"}}) {
            Result ar = get(v[0]);
            Double procs = ar == null ? null : ar.secondary().get("processes");
            Double applies = ar == null ? null : ar.secondary().get("applies");
            String text = "applying 1000 rules starts one process — " + v[1];
            if (procs == null || applies == null || applies == 0) {
                t.add(new String[] {"#3", text, "—", "not measured"});
            } else {
                double perApply = procs / applies;
                t.add(new String[] {"#3", text, String.format(Locale.ROOT, "%.2f processes per apply", perApply)
                        + (perApply > 1.5 ? " (`iptables-save` to read the state, then one `iptables-restore`)" : ""),
                        verdict(perApply < 1.5)});
            }
        }
        t.add(new String[] {"#3", "applying 1000 rules ≥ 50× faster than 1000 `iptables -A` calls",
                Double.isNaN(nw) || Double.isNaN(per) ? "—"
                        : time(nw) + " (`applyNew`) vs " + time(per) + " (100 calls into an empty chain, ×10) = "
                                + String.format(Locale.ROOT, "%.0f×", per / nw)
                                + (Double.isNaN(nwRes) ? "" : String.format(Locale.ROOT,
                                        "; `iptables-restore` itself (same payload): %.0f×", per / nwRes)),
                Double.isNaN(nw) || Double.isNaN(per) ? "not measured" : verdict(per / nw >= 50)});
        double att = ms("AttachBenchmark.netkitAttach", 1);
        double attFirst = ms("AttachBenchmark.netkitAttachFirst", 1);
        double det = ms("AttachBenchmark.netkitDetach", 1);
        double hundred = ms("NetworkBenchmark.netkit100", 1);
        double ip100 = ms("NetworkBenchmark.ip100", 1);
        String[] attach = absTarget("#4", "attaching one container ≤ 3 ms median (JIT warm)", att, 3);
        if (!Double.isNaN(attFirst)) {
            attach[2] += "; a process's first attaches: " + time(attFirst);
        }
        t.add(attach);
        t.add(absTarget("#4", "detaching one container ≤ 3 ms median as the caller sees it", det, 3));
        t.add(new String[] {"#4", "100 attaches + the network's teardown < 0.6 s in total (`ip` steps ≈ 6 s)",
                Double.isNaN(hundred) ? "—" : time(hundred) + (Double.isNaN(ip100) ? "" : "; `ip` steps " + time(ip100)),
                Double.isNaN(hundred) ? "not measured" : verdict(hundred < 600)});
        return t;
    }

    private static String[] ratioTarget(String issue, String text, double n, double y, double limit) {
        if (Double.isNaN(n) || Double.isNaN(y)) {
            return new String[] {issue, text, "—", "not measured"};
        }
        return new String[] {issue, text,
                time(n) + " vs " + time(y) + " = " + String.format(Locale.ROOT, "%.2f×", n / y),
                verdict(n / y <= limit)};
    }

    private static String[] absTarget(String issue, String text, double v, double limitMs) {
        if (Double.isNaN(v)) {
            return new String[] {issue, text, "—", "not measured"};
        }
        return new String[] {issue, text, time(v), verdict(v <= limitMs)};
    }

    private static String verdict(boolean met) {
        return met ? "**met**" : "**not met**";
    }

    static String ratio(double n, double y) {
        if (Double.isNaN(n) || Double.isNaN(y)) {
            return "—";
        }
        double r = n / y;
        return String.format(Locale.ROOT, "%.2f", r)
                + (r <= 1 ? String.format(Locale.ROOT, " (%.1f× faster)", 1 / r)
                        : String.format(Locale.ROOT, " (%.1f× slower)", r));
    }

    static String time(double ms) {
        if (Double.isNaN(ms)) {
            return "not run";
        }
        if (ms >= 1000) {
            return String.format(Locale.ROOT, "%.2f s", ms / 1e3);
        }
        if (ms >= 1) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        if (ms >= 1e-3) {
            return String.format(Locale.ROOT, "%.2f µs", ms * 1e3);
        }
        return String.format(Locale.ROOT, "%.1f ns", ms * 1e6);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
