#!/bin/sh
# Per-step table of warm attaches from a syscall trace (issue 14, third pass). As root, from the repository root:
#   benchmarks/harness/attach-steps.sh JAR [WARM] [N]     (e.g. benchmarks/target/benchmarks.jar 1200 60)
# Runs AttachProfile (WARM untimed attach/detach cycles, then N attaches 30 ms apart) under `perf trace -T`, and
# prints for each step of the caller's path its wall time and the time inside its syscalls (min and median).
# WARM 1200 leaves Attach.attach in the JIT state of JMH's AttachBenchmark (1000 warm cycles + iterations).
set -e
JAR=${1:?jar}; WARM=${2:-1200}; N=${3:-60}
OUT=$(mktemp -d)
java -DstartDelay=2500 -cp "$JAR" benchmarks/harness/AttachProfile.java "$WARM" "$N" 30 > "$OUT/out" 2> "$OUT/err" &
JP=$!
i=0
while ! grep -q MEASURE "$OUT/err" 2>/dev/null; do i=$((i + 1)); [ $i -gt 600 ] && exit 1; sleep 1; done
PID=$(grep MEASURE "$OUT/err" | awk '{print $2}')
timeout $((N * 40 / 1000 + 5)) perf trace -T -p "$PID" -o "$OUT/trace" > /dev/null 2>&1 || true
wait $JP
cat "$OUT/out"
python3 benchmarks/harness/attach_steps.py "$OUT/trace"
rm -rf "$OUT"
