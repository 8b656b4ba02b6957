#!/usr/bin/env python3
"""Cold start A/B: whole `java` processes, the variants alternating round by round (so that the load of a shared
machine hits them alike), medians and p90 of wall time and process CPU (user + sys, from the kernel's rusage), and of
what `FirstAttach` prints about itself (native layer, create + attach, and their sum: the first call; its main
thread's CPU time for the whole run, 10 ms resolution).

    benchmarks/harness/coldstart_ab.py ROUNDS NAME 'COMMAND' [NAME 'COMMAND' ...]

Example (as root, from the repository root, after `mvn -o -B -q -pl benchmarks -am package -DskipTests`):

    J=$PWD/netkit-examples/target; FA="-XX:SharedArchiveFile=$J/netkit-examples.jsa -cp $J/netkit-examples.jar \\
        io.netkit.examples.FirstAttach"
    benchmarks/harness/coldstart_ab.py 15 version 'java -version' base "java $FA" \\
        lean "java -XX:TieredStopAtLevel=1 -XX:-UsePerfData $FA"

Every command must exit 0 (a failed run is reported and left out). Prints the load average seen during the run.
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import time

FIRST = re.compile(r'native layer ([\d.]+) ms.*\(create \+ attach ([\d.]+) ms\)')
NATIVE_ONLY = re.compile(r'native-only: native layer ([\d.]+) ms')
MAIN_CPU = re.compile(r'CPU by thread: main ([\d.]+) ms')


def p90(values):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(0.9 * (len(v) - 1))))]


def main():
    if len(sys.argv) < 4 or len(sys.argv) % 2 != 0:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    variants = list(zip(sys.argv[2::2], sys.argv[3::2]))
    results = {name: {} for name, _ in variants}
    loads = []
    for _ in range(rounds):
        for name, command in variants:
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu0 = ru.ru_utime + ru.ru_stime
            t0 = time.monotonic()
            out = subprocess.run(command, shell=True, capture_output=True, text=True)
            wall = (time.monotonic() - t0) * 1000
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            if out.returncode != 0:
                print(name, 'exited', out.returncode, out.stderr[-400:], file=sys.stderr)
                continue
            r = results[name]
            r.setdefault('wall', []).append(wall)
            r.setdefault('cpu', []).append((ru.ru_utime + ru.ru_stime - cpu0) * 1000)
            for line in out.stdout.splitlines():
                m = FIRST.search(line)
                if m:
                    native, rest = float(m.group(1)), float(m.group(2))
                    r.setdefault('native', []).append(native)
                    r.setdefault('create+attach', []).append(rest)
                    r.setdefault('first call', []).append(native + rest)
                m = MAIN_CPU.search(line)
                if m:
                    r.setdefault('main-thread cpu', []).append(float(m.group(1)))
                m = NATIVE_ONLY.search(line)
                if m:
                    r.setdefault('native', []).append(float(m.group(1)))
        loads.append(os.getloadavg()[0])
    print('load average during the run: %.1f-%.1f; median/p90 in ms' % (min(loads), max(loads)))
    for name, _ in variants:
        r = results[name]
        print('%-14s n=%-3d %s' % (name, len(r.get('wall', [])), '  '.join(
            '%s %.1f/%.1f' % (k, statistics.median(v), p90(v)) for k, v in r.items())))


if __name__ == '__main__':
    main()
