# Reads a `perf trace -T` of AttachProfile (see attach-steps.sh) and prints the caller path of each attach step by step.
import re,sys,statistics as st
rx=re.compile(r'^\s*([\d.]+) \(\s*([\d.]*)(?: ms)?\s*\): (\S+)/(\d+) (\w+)\((.*)$')   # a blocking call: no duration
rc=re.compile(r'^\s*[\d.]+ \(\s*([\d.]+) ms\): \S+/(\d+)\s+\.\.\. \[continued\]: (\w+)\(')
def parse(fn):
    ev=[]
    for l in open(fn):
        m=rx.match(l)
        if m: ev.append((float(m[1]),float(m[2] or 0),m[4],m[5],m[6])); continue
        c=rc.match(l)   # the end of a blocking call: its duration goes to the call's own line
        if c:
            for k in range(len(ev)-1,-1,-1):
                if ev[k][2]==c[2] and ev[k][3]==c[3]:
                    ev[k]=(ev[k][0],float(c[1]),ev[k][2],ev[k][3],ev[k][4]); break
    tid=next(e[2] for e in ev if e[3]=='pwrite64' and '.d/' in e[4])
    ev=[e for e in ev if e[2]==tid]
    atts=[]
    i=0
    while i<len(ev):
        e=ev[i]
        if e[3]=='pwrite64' and '.d/' in e[4] and i+1<len(ev) and ev[i+1][3] in ('mount','linkat'):
            # collect until the intent pwrite that follows the lock's release (the intent end)
            a=[e];j=i+1;unlocked=False;done=False
            while j<len(ev):
                a.append(ev[j])
                if ev[j][3]=='fcntl' and 'SETLK,' in ev[j][4]: unlocked=True
                if unlocked and ev[j][3]=='pwrite64' and '.d/' in ev[j][4]: done=True
                if done and ev[j][3]=='futex' and 'WAIT' in ev[j][4]: break   # the harness's pause: attach returned
                if ev[j][3] in ('clock_nanosleep',): break
                j+=1
            if done: atts.append(a)
            i=j
        else: i+=1
    return atts
def steps(a):
    # boundaries
    names=[]
    out={}
    idx={k:None for k in ['confirm','lock','create','alias','unlock','inside','end']}
    pw=[k for k,e in enumerate(a) if e[3]=='pwrite64' and '.d/' in e[4]]
    fc=[k for k,e in enumerate(a) if e[3]=='fcntl']
    idx['lock']=fc[0]; idx['unlock']=fc[-1]
    # the inode's own write (base), or none when the intent carried it from the start (head)
    idx['confirm']=pw[1] if len(pw)==3 else idx['lock']; idx['end']=pw[-1]
    sends=[k for k,e in enumerate(a) if e[3] in('sendto','sendmsg')]
    if len(sends)==3: idx['create'],idx['alias'],idx['inside']=sends
    elif len(sends)==2: idx['create'],idx['inside']=sends; idx['alias']=idx['unlock']-1   # a pair made ahead: one plug request, no alias of its own
    else: return None
    t0=a[0][0]
    def span(k1,k2): return a[k2][0]-a[k1][0]
    def ks(k1,k2): return sum(e[1] for e in a[k1:k2])
    b=[0,idx['confirm'],idx['lock'],idx['create'],idx['alias'],idx['unlock']-1,idx['inside'],idx['end'],idx['end']+1,len(a)-1]
    lab=['intent+name namespace','confirm inode','lock+mark','veth create(echo) / plug','alias','release lock','container batch','intent end','after: hand-offs, return']
    res={}
    for n,(x,y) in zip(lab,zip(b,b[1:])):
        res[n]=(span(x,y), ks(x,y))
    res['total to return']=(a[-1][0]-a[0][0], sum(e[1] for e in a[:-1]))
    res['syscalls']=(len(a)-1,0)
    return res
for fn in sys.argv[1:]:
    rs=[r for r in (steps(a) for a in parse(fn)) if r]
    print(fn, 'attaches', len(rs))
    for k in rs[0]:
        w=[r[k][0] for r in rs]; s=[r[k][1] for r in rs]
        print("  %-24s wall min %.3f med %.3f | in syscalls min %.3f med %.3f"%(k,min(w),st.median(w),min(s),st.median(s)))
