#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar and runs every netkit benchmark beside its yardstick (iproute2,
# iptables) in one go, then writes the report to benchmarks/results/latest.md and prints it.
#
#   benchmarks/run.sh              everything (codec; kernel and end to end when run as root): < 10 min on 2 cores
#   benchmarks/run.sh REGEX        only the benchmarks whose name matches REGEX (JMH include pattern)
#   UPDATE_README=1 benchmarks/run.sh   also put the report into benchmarks/README.md ("Latest results")
#
# The kernel and end-to-end benchmarks work only inside namespaces they create (named nkb-<pid>-...), never in
# the machine's own network namespace, and remove them afterwards, also when interrupted (JVM shutdown hooks;
# here an EXIT trap sweeps what a killed JVM may have left, and every run starts with that sweep too).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
results="$here/results"
jar="$here/target/benchmarks.jar"
filter="${1:-}"

# Delete nkb-* namespaces whose owning JVM (the pid in the name) is gone.
sweep() {
    [ -d /run/netns ] || return 0
    for path in /run/netns/nkb-*; do
        [ -e "$path" ] || continue
        name=$(basename "$path")
        pid=${name#nkb-}; pid=${pid%%-*}
        if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then
            ip netns del "$name" 2>/dev/null || true
        fi
    done
}
trap sweep EXIT

# What the machine's own network namespace holds (names, addresses, routes, rules without counters, forwarding);
# compared before and after the run: the benchmarks must not change it.
root_snapshot() {
    ip -o link show 2>/dev/null | awk '{print $2}'
    ip -o addr show 2>/dev/null | awk '{print $2, $3, $4}'
    ip route show table all 2>/dev/null
    iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
    cat /proc/sys/net/ipv4/ip_forward
}

start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
cd "$root"
echo ">> building benchmarks.jar" >&2
mvn -B -q -ntp -pl benchmarks -am package -DskipTests
mkdir -p "$results"

root_user=false
if [ "$(id -u)" = 0 ]; then root_user=true; sweep; fi
root_before=$(root_snapshot)

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
git -C "$root" diff --quiet HEAD -- . ':!benchmarks/results' 2>/dev/null || commit="$commit (with local changes)"
{
    echo "Machine: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1), $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB RAM;"
    echo "$(uname -sr); $(. /etc/os-release && echo "$PRETTY_NAME");"
    echo "$(java -version 2>&1 | head -1); JMH 1.37; $(ip -V 2>&1 | sed 's/, libbpf.*//'); $(iptables -V 2>/dev/null || echo 'iptables missing')."
    echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $commit."
    echo "Reproduce: \`benchmarks/run.sh\` (as root) from the repository root."
} > "$results/machine.md"

codec='io\.netkit\.benchmarks\.netlink\.codec\.'
kernel='io\.netkit\.benchmarks\.(netlink\.[A-Z]|core\.|iptables\.|cni\.)'
rm -f "$results/codec.json" "$results/kernel.json"

run_jmh() { # include-regex json-file extra-args...
    local include=$1 out=$2; shift 2
    if [ -n "$filter" ]; then include="^(?=.*$filter)$include"; fi
    if ! java -jar "$jar" -l "$include" | grep -q '^io\.netkit'; then
        echo "   (no benchmark matches)" >&2
        return 0
    fi
    java -jar "$jar" "$include" -rf json -rff "$out" "$@"
}

echo ">> codec benchmarks (allocation via -prof gc)" >&2
run_jmh "$codec" "$results/codec.json" -prof gc || echo "!! codec benchmarks failed" >&2

if $root_user; then
    echo ">> kernel and end-to-end benchmarks, each beside its yardstick" >&2
    run_jmh "$kernel" "$results/kernel.json" || echo "!! some kernel benchmarks failed" >&2
else
    echo "!! not root: kernel and end-to-end benchmarks skipped (they need CAP_NET_ADMIN and CAP_SYS_ADMIN)" >&2
fi

java -Djdk.attach.allowAttachSelf=true -cp "$jar" io.netkit.benchmarks.report.Report --machine "$results/machine.md" \
    "$results/codec.json" "$results/kernel.json" > "$results/latest.md"

# Issue 5's own promises, checked on this run.
# Leftovers: nkb-* namespaces whose owning JVM is gone (those of a live benchmark JVM elsewhere are not ours).
left=0
for path in /run/netns/nkb-*; do
    [ -e "$path" ] || continue
    pid=${path#/run/netns/nkb-}; pid=${pid%%-*}
    if ! [[ "$pid" =~ ^[0-9]+$ ]] || ! kill -0 "$pid" 2>/dev/null; then left=$((left + 1)); fi
done
if [ "$(root_snapshot)" = "$root_before" ]; then root_same="unchanged"; else root_same="**CHANGED** (see \`ip link/addr/route\`, iptables-save)"; fi
elapsed=$(( $(date +%s) - start ))
{
    echo
    echo "### This run (issue 5)"
    echo
    echo "| Check | Result | Verdict |"
    echo "|---|---|---|"
    echo "| whole run (build + every benchmark) < 10 min on 2 cores | ${elapsed} s${filter:+ (only benchmarks matching $filter)} | $([ "$elapsed" -lt 600 ] && echo '**met**' || echo '**not met**') |"
    echo "| \`nkb-*\` namespaces left behind | ${left} | $([ "$left" = 0 ] && echo '**met**' || echo '**not met**') |"
    echo "| load average (1, 5, 15 min) at start / end — other work on the machine skews the numbers | ${load_start} / $(cut -d' ' -f1-3 /proc/loadavg) | |"
    echo "| machine's own namespace (links, addresses, routes, iptables rules, ip_forward) | ${root_same} | $([ "$root_same" = unchanged ] && echo '**met**' || echo '**not met**') |"
} >> "$results/latest.md"
cat "$results/latest.md"
if [ "${UPDATE_README:-}" = 1 ]; then
    # Replace the text between the results markers of benchmarks/README.md with the new report.
    awk -v report="$results/latest.md" '
        /<!-- results:begin -->/ { print; while ((getline line < report) > 0) print line; skip = 1; next }
        /<!-- results:end -->/   { skip = 0 }
        !skip { print }' "$here/README.md" > "$here/README.md.new" && mv "$here/README.md.new" "$here/README.md"
    echo ">> benchmarks/README.md updated" >&2
fi
echo ">> report written to ${results#$root/}/latest.md in ${elapsed} s" >&2
