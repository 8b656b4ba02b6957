#!/bin/sh
# Where the churn benchmark's thread spends the time of its slow operations off the CPU (issue 14 tails): runs a
# command (a churn benchmark with -Dnkb.churnLog=DIR) under a read-only kernel trace of the benchmark thread's context
# switches and those of netkit's namespace threads (sched_switch with the kernel stack when one leaves the CPU) and lines them up with offcpu.py. As root:
#   benchmarks/harness/offcpu-trace.sh DIR java -jar benchmarks/target/benchmarks.jar 'core.ChurnBenchmark.netkit' \
#       -p pattern=interleaved -p deferral=idle -jvmArgsAppend -Dnkb.churnLog=DIR
# A private tracing instance with trace_clock mono (System.nanoTime's clock), removed afterwards.
set -eu
dir=$1; shift
mkdir -p "$dir"
T=/sys/kernel/tracing/instances/netkit-offcpu-$$
mkdir "$T"
trap 'echo 0 > "$T/tracing_on"; echo "!stacktrace" > "$T/events/sched/sched_switch/trigger" 2>/dev/null || true; rmdir "$T"' EXIT
echo mono > "$T/trace_clock"
echo 65536 > "$T/buffer_size_kb"
echo 'prev_comm == "io.netkit.bench" || next_comm == "io.netkit.bench" || prev_comm ~ "netkit-netns*" || next_comm ~ "netkit-netns*"' \
    > "$T/events/sched/sched_switch/filter"
echo 'stacktrace if prev_comm == "io.netkit.bench" || prev_comm ~ "netkit-netns*"' > "$T/events/sched/sched_switch/trigger"
echo 1 > "$T/events/sched/sched_switch/enable"
echo 1 > "$T/tracing_on"
"$@"
echo 0 > "$T/tracing_on"
cp "$T/trace" "$dir/offcpu.txt"
for f in "$dir"/churn-netkit-*.tsv; do
    python3 "$(dirname "$0")/offcpu.py" "$dir/offcpu.txt" "$f"
done
