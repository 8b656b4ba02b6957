#!/bin/sh
# Runs a command (a churn benchmark with -Dnkb.churnLog=DIR) under a kernel trace and lines the two up (issue 14 tails).
# As root, from the repository root:
#   benchmarks/harness/churn-trace.sh DIR java -jar benchmarks/target/benchmarks.jar 'core.ChurnBenchmark.netkit' \
#       -p pattern=interleaved -p deferral=idle -jvmArgsAppend -Dnkb.churnLog=DIR
# Traces (read only; a private tracing instance, removed afterwards): the kernel's namespace cleanup (the cleanup_net
# work item, from any process) and mutex contention (lock:contention_begin/end), with the clock System.nanoTime uses.
set -eu
dir=$1; shift
mkdir -p "$dir"
T=/sys/kernel/tracing/instances/netkit-churn-$$
addr=$(awk '$3 == "cleanup_net" { print "0x" $1; exit }' /proc/kallsyms)
mkdir "$T"
trap 'echo 0 > "$T/tracing_on"; rmdir "$T"' EXIT
echo mono > "$T/trace_clock"
echo 32768 > "$T/buffer_size_kb"
for e in workqueue_execute_start workqueue_execute_end; do
    echo "function == $addr" > "$T/events/workqueue/$e/filter"
    echo 1 > "$T/events/workqueue/$e/enable"
done
echo 'flags & 32' > "$T/events/lock/contention_begin/filter"   # LCB_F_MUTEX
echo 1 > "$T/events/lock/contention_begin/enable"
echo 1 > "$T/events/lock/contention_end/enable"
echo 1 > "$T/tracing_on"
"$@"
echo 0 > "$T/tracing_on"
cp "$T/trace" "$dir/trace.txt"
for f in "$dir"/churn-netkit-*.tsv; do
    python3 "$(dirname "$0")/churn_trace.py" "$dir/trace.txt" "$f"
done
