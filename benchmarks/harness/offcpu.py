"""Off-CPU time of the churn benchmark's thread per operation, by cause (see offcpu-trace.sh).

Each stretch off the CPU (from a sched_switch away from the benchmark thread to the next one back to it) is attributed
to the operation it falls in and classified: 'runnable' when the thread left the CPU still runnable (preempted: CPU
contention), otherwise by the first telling kernel function on its stack (RCU grace period, mutex, futex = waiting for
another thread of the JVM, ...). Prints, per kind of operation, for the operations over 3x the median and for all:
their total wall time, time off the CPU, and that time by cause. Usage: offcpu.py TRACE TSV
"""
import collections
import re
import sys

trace, tsv = sys.argv[1], sys.argv[2]
ev_re = re.compile(r'^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): sched_switch: (.*)$')
CAUSES = ['synchronize_rcu_expedited', 'synchronize_rcu', 'synchronize_net', 'rcu_barrier', 'wait_rcu_gp',
          'rtnl_lock', 'rtnl_net_lock', '__mutex_lock', 'rwsem_down', 'down_write', 'down_read', 'futex_wait',
          'do_nanosleep', 'netlink_recvmsg', 'skb_recv', 'do_epoll_wait', 'wait_for_completion', 'flush_work',
          'msleep', 'schedule_timeout', 'page_fault', 'exit_to_user_mode']
offs = []   # the benchmark thread's: (start, end, cause)
helper = collections.Counter()  # netkit's namespace threads (the spare's, on-the-spot creation): cause -> seconds
lines = open(trace).read().splitlines()
i = 0
pending = {}  # pid -> (ts, cause)
while i < len(lines):
    m = ev_re.match(lines[i])
    i += 1
    if not m:
        continue
    ts, rest = float(m.group(3)), m.group(4)
    f = dict(re.findall(r'(\w+)=(\S+)', rest.replace(' ==> ', ' ')))
    if f.get('prev_comm', '').startswith(('io.netkit.bench', 'netkit-netns')):
        stack = []
        while i < len(lines) and (lines[i].startswith(' =>') or '<stack trace>' in lines[i]):
            if lines[i].startswith(' =>'):
                stack.append(lines[i][4:].split('+')[0].strip())
            i += 1
        state = f.get('prev_state', '?')
        if state in ('R', 'R+'):
            c = 'runnable (preempted)'
        else:
            c = next((fn for fn in stack for k in CAUSES if fn.startswith(k)), None)
            if c is None:
                c = next((fn for fn in stack if not re.match(r'(__)?schedule|preempt_schedule|schedule_', fn)), '?')
            c = state + ' ' + c
        pending[f['prev_pid']] = (ts, c)
    if f.get('next_pid') in pending:
        s0, c = pending.pop(f['next_pid'])
        if f['next_comm'].startswith('io.netkit.bench'):
            offs.append((s0, ts, c))
        else:
            helper[c] += ts - s0

ops = []
for l in open(tsv):
    kind, t0, dt = l.split()[:3]
    ops.append((kind, int(t0) / 1e9, int(dt) / 1e9))
offs.sort()
starts = [o[0] for o in offs]
import bisect
for kind in 'AD':
    mine = [o for o in ops if o[0] == kind]
    if not mine:
        continue
    med = sorted(o[2] for o in mine)[len(mine) // 2]
    for label, sel in (('over 3x median', [o for o in mine if o[2] > 3 * med]), ('all', mine)):
        by = collections.Counter()
        wall = sum(o[2] for o in sel)
        for _, t0, dt in sel:
            t1 = t0 + dt
            j = max(0, bisect.bisect_left(starts, t0) - 1)
            while j < len(offs) and offs[j][0] < t1:
                s, e, c = offs[j]
                ov = min(e, t1) - max(s, t0)
                if ov > 0:
                    by[c] += ov
                j += 1
        off = sum(by.values())
        print('%s %s: %d ops, wall %.1f ms, off CPU %.1f ms (%.0f%%); by cause (ms): %s' % (
            'attach' if kind == 'A' else 'detach', label, len(sel), wall * 1e3, off * 1e3,
            100 * off / wall if wall else 0, ', '.join('%s %.1f' % (c, t * 1e3) for c, t in by.most_common(8))))
print('netkit namespace threads (whole run, warm-up included), off CPU by cause (ms): ' + ', '.join(
    '%s %.1f' % (c, t * 1e3) for c, t in helper.most_common(8)))
