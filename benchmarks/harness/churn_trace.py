"""Lines up the churn benchmark's per-operation log with a kernel trace (see churn-trace.sh).

For each kind of operation (A = attach, D = detach) it prints the median; how many operations waited on the caller's
most contended mutex (rtnl, in practice) for more than twice that median, and of those, how many overlapped a run of
the kernel's namespace cleanup (cleanup_net, any process's), a round of netkit's reaper, the making of netkit's spare
namespace, or none of these; the same counts over all operations (the base rates to compare with); the share of all
operation time spent waiting on that mutex; and the five slowest operations. Usage: churn_trace.py TRACE TSV
"""
import collections
import re
import sys

trace, tsv = sys.argv[1], sys.argv[2]
line_re = re.compile(r'^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+): (.*)$')
cleanups, running, pending, comm = [], {}, {}, {}
waits = collections.defaultdict(list)
acquired = collections.defaultdict(collections.Counter)
for line in open(trace):
    m = line_re.match(line)
    if not m:
        continue
    c, pid, ts, name, rest = m.groups()
    ts, pid = float(ts), int(pid)
    comm[pid] = c
    if name == 'workqueue_execute_start':
        running[pid] = ts
    elif name == 'workqueue_execute_end' and pid in running:
        cleanups.append((running.pop(pid), ts))
    elif name == 'contention_begin':
        pending[pid] = (ts, rest.split()[0])
    elif name == 'contention_end' and pid in pending:
        start, addr = pending.pop(pid)
        waits[pid].append((start, ts, addr))
        acquired[addr][re.sub(r'[/:].*', '', c)] += 1

ops = []
for l in open(tsv):
    kind, t0, dt, reaper, spare = l.split()[:5]
    ops.append((kind, int(t0) / 1e9, int(dt) / 1e9, int(reaper), int(spare)))
callers = [p for p, c in comm.items() if c.startswith('io.netkit.bench')]
caller_waits = [w for p in callers for w in waits[p]]
if not caller_waits:
    sys.exit('no mutex waits of the benchmark thread in the trace')
top = collections.Counter(a for _, _, a in caller_waits).most_common(1)[0][0]
print('%s: %d cleanup_net runs traced (%.0f ms in all)' % (tsv, len(cleanups), sum(e - s for s, e in cleanups) * 1e3))
for kind, label in (('A', 'attach'), ('D', 'detach')):
    rows = []
    for k, t0, dt, reaper, spare in ops:
        if k != kind:
            continue
        t1 = t0 + dt
        wait = min(dt, sum(min(e, t1) - max(s, t0) for s, e, a in caller_waits if a == top and s < t1 and e > t0))
        cleanup = any(s < t1 and e > t0 for s, e in cleanups)
        rows.append((dt, wait, int(cleanup), reaper, spare))
    if not rows:
        continue
    median = sorted(r[0] for r in rows)[len(rows) // 2]
    waited = [r for r in rows if r[1] > 2 * median]
    count = lambda rs, i: sum(r[i] for r in rs)
    print('%s: median %.2f ms; %d of %d waited > 2x median on the top mutex; of those overlapping cleanup_net %d, '
          'a reaper round %d, the spare\'s making %d, none of these %d' % (
              label, median * 1e3, len(waited), len(rows), count(waited, 2), count(waited, 3), count(waited, 4),
              sum(1 for r in waited if not (r[2] or r[3] or r[4]))))
    print('  all %d: overlapping cleanup_net %d, a reaper round %d, the spare\'s making %d; time waiting on the top '
          'mutex %.0f%% of all' % (len(rows), count(rows, 2), count(rows, 3), count(rows, 4),
                                   100 * sum(r[1] for r in rows) / sum(r[0] for r in rows)))
    print('  5 slowest (ms; mutex wait ms; cleanup_net, reaper, spare):',
          [(round(r[0] * 1e3, 1), round(r[1] * 1e3, 1), r[2], r[3], r[4]) for r in sorted(rows, reverse=True)[:5]])
print('contended acquisitions of the top mutex, by task:', acquired[top].most_common(8))
