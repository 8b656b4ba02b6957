#!/usr/bin/env bash
# Regression sweep: every benchmark measured with a base commit's jar and with this checkout's jar in the same run,
# jars alternating class by class, then one table (base, head, head/base, netkit/yardstick per jar; > 5 % flagged).
#
#   benchmarks/sweep.sh BASE_COMMIT            every benchmark class (as root, for the kernel ones)
#   benchmarks/sweep.sh BASE_COMMIT REGEX      only classes with a benchmark matching REGEX (each class whole, so its yardsticks run too)
#   ROUNDS=2 benchmarks/sweep.sh main          two rounds, order base,head then head,base (cancels drift)
#   HEAD_JAR=path BASE_JAR=path ...            reuse jars already built (skips the builds)
#   JMH_OPTS='-f 1 -wi 1 -i 3 -w 1s -r 1s'     the short settings used for every class (the default)
#   BUDGET_MIN=22                              no class is started after this many minutes (builds included);
#                                              classes left out are listed. Order: netlink, codec, core, iptables,
#                                              nftables, cni, startup, cluster (the per-op ones first).
#
# The base commit is exported with `git archive` into a temporary directory and its benchmarks jar built there
# offline through its own reactor (`package`, never `install`: ~/.m2 is not touched). The head jar is built in this
# checkout. Like run.sh, benchmarks work only inside namespaces they create; nkb-* namespaces whose JVM is gone are
# swept at the start and at the end. Output: the table on stdout and in benchmarks/results/sweep.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
base_ref=${1:?usage: benchmarks/sweep.sh BASE_COMMIT [REGEX]}
filter=${2:-.}
rounds=${ROUNDS:-1}
jmh_opts=${JMH_OPTS:--f 1 -wi 1 -i 3 -w 1s -r 1s}
tmp=$(mktemp -d /tmp/netkit-sweep.XXXXXX)

sweep_namespaces() {
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
cleanup() { sweep_namespaces; rm -rf "$tmp"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] && sweep_namespaces

start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
base_commit=$(git -C "$root" rev-parse --short "$base_ref^{commit}")
head_commit=$(git -C "$root" rev-parse --short HEAD)
git -C "$root" diff --quiet HEAD -- . 2>/dev/null || head_commit="$head_commit (with local changes)"

if [ -n "${BASE_JAR:-}" ]; then
    cp "$BASE_JAR" "$tmp/base.jar"
else
    echo ">> building base $base_commit in $tmp/base" >&2
    mkdir "$tmp/base"
    git -C "$root" archive "$base_commit" | tar -x -C "$tmp/base"
    (cd "$tmp/base" && mvn -o -B -q -ntp -pl benchmarks -am package -DskipTests >"$tmp/base-build.log" 2>&1) \
        || { tail -30 "$tmp/base-build.log" >&2; echo "!! base build failed" >&2; exit 1; }
    cp "$tmp/base/benchmarks/target/benchmarks.jar" "$tmp/base.jar"
    rm -rf "$tmp/base"
fi
if [ -n "${HEAD_JAR:-}" ]; then
    cp "$HEAD_JAR" "$tmp/head.jar"
else
    echo ">> building head $head_commit" >&2
    (cd "$root" && mvn -o -B -q -ntp -pl benchmarks -am package -DskipTests >"$tmp/head-build.log" 2>&1) \
        || { tail -30 "$tmp/head-build.log" >&2; echo "!! head build failed" >&2; exit 1; }
    cp "$root/benchmarks/target/benchmarks.jar" "$tmp/head.jar"
fi

# Classes with a benchmark matching the filter, in either jar (one JMH run per class and jar).
classes() { java -jar "$1" -l "$filter" | grep '^io\.netkit\.' | sed 's/\.[^.]*$//' | sort -u; }
rank() { case $1 in *.netlink.codec.*) echo 2;; *.netlink.*) echo 1;; *.core.*) echo 3;; *.iptables.*) echo 4;;
    *.nftables.*) echo 5;; *.cni.*) echo 6;; *.startup.*) echo 7;; *) echo 8;; esac; }
mapfile -t all < <( { classes "$tmp/head.jar"; classes "$tmp/base.jar"; } | sort -u \
    | while read -r c; do echo "$(rank "$c") $c"; done | sort -k1,1n -k2 | cut -d' ' -f2)
budget=$(( ${BUDGET_MIN:-22} * 60 ))
skipped=()
if [ "$(id -u)" != 0 ]; then
    echo "!! not root: only the codec benchmarks run (the others need CAP_NET_ADMIN and CAP_SYS_ADMIN)" >&2
    mapfile -t all < <(printf '%s\n' "${all[@]}" | grep '\.codec\.')
fi
echo ">> ${#all[@]} classes x 2 jars x $rounds round(s), JMH $jmh_opts" >&2

run_class() { # side round class
    local side=$1 round=$2 class=$3 extra=()
    if ! java -jar "$tmp/$side.jar" -l "^${class//./\\.}\." | grep -q '^io\.netkit\.'; then
        echo "   $side: no such class" >&2
        return 0
    fi
    [[ $class == *.codec.* ]] && extra=(-prof gc)
    # shellcheck disable=SC2086
    java -jar "$tmp/$side.jar" "^${class//./\\.}\.[^.]*$" $jmh_opts "${extra[@]}" \
        -rf json -rff "$tmp/$side-$round-${class##*.}.json" >"$tmp/$side-$round-${class##*.}.log" 2>&1 \
        || echo "   !! $side $class failed (see the table for what was measured)" >&2
}

i=0
for class in "${all[@]}"; do
    if (( $(date +%s) - start > budget )); then skipped+=("${class#io.netkit.benchmarks.}"); continue; fi
    for ((r = 1; r <= rounds; r++)); do
        # base first on odd steps, head first on even ones: neither jar always runs on a machine warmed by the other
        if (( (i + r) % 2 == 1 )); then order=(base head); else order=(head base); fi
        for side in "${order[@]}"; do
            t0=$(date +%s)
            run_class "$side" "$r" "$class"
            echo "   ${class#io.netkit.benchmarks.} $side round $r: $(( $(date +%s) - t0 )) s, load $(cut -d' ' -f1 /proc/loadavg)" >&2
        done
    done
    i=$((i + 1))
done

elapsed=$(( $(date +%s) - start ))
mkdir -p "$here/results"
{
    echo "## Sweep: head $head_commit vs base $base_commit"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load (1, 5, 15 min) at start ${load_start}, at end $(cut -d' ' -f1-3 /proc/loadavg);"
    echo "${#all[@]} classes, $rounds round(s), JMH \`$jmh_opts\`, ${elapsed} s in all (builds included)."
    [ ${#skipped[@]} = 0 ] || echo "**Not run (over the ${BUDGET_MIN:-22} min budget):** ${skipped[*]}."
    echo "Reproduce: \`benchmarks/sweep.sh $base_ref${2:+ '$2'}\` (as root, from the repository root)."
    echo
    # shellcheck disable=SC2046
    java -cp "$tmp/head.jar" io.netkit.benchmarks.report.Sweep --base $(ls "$tmp"/base-*.json 2>/dev/null) \
        --head $(ls "$tmp"/head-*.json 2>/dev/null)
} | tee "$here/results/sweep.md"
