/*
 * churnfloor: the kernel floor of ChurnBenchmark (issue 14, "Tail"). It issues exactly the kernel operations netkit-core
 * issues per attach and per detach of a container (read from strace of a netkit churn: the same netlink messages,
 * attributes and flags, the same mounts, links and unlinks), in the same order, from one C thread with nothing else in
 * between, and times each operation with CLOCK_MONOTONIC. What tail remains here is the kernel's.
 *
 *   churnfloor HOSTNS BRIDGE [defer-name] [spare-ahead]      then, one command a line on stdin, one answer a line on stdout:
 *     a NAME ADDR      attach: make the namespace (see below), name it NAME (/run/netns/NAME), veth nkf<n> (host, on BRIDGE, up,
 *                      in the network's link group) with peer eth0 inside, the record alias, then inside: eth0 up
 *                      (arp_notify), ADDR/24 with broadcast, default route via .1 -- answers the nanoseconds taken
 *     d NAME           detach: unmount and unlink /run/netns/NAME (the namespace stays open, held for the reaper),
 *                      host veth out of the bridge, down, into the reap group, alias replaced -- answers nanoseconds
 *                      (with defer-name: the unmount and unlink wait for the reaper round: what detach would cost
 *                      if netkit deferred the name's removal too -- an experiment, netkit removes the name at once)
 *     r                netkit's reaper round: delete the reap group in one request, close the held namespaces
 *     s                start the per-step statistics afresh (the measured part begins)
 *     p                print the per-step percentiles to stderr (lines "CHURNFLOOR step ...")
 *     q                reap and exit
 * The namespace (unshare(CLONE_NEWNET), accept_dad=0, lo up, an O_TMPFILE in /run/netns to link in as the mount
 * point) is made inside the timed attach, as netkit's attach does during back-to-back churn (its spare is made only
 * when the process is idle); with spare-ahead it is made after an attach has answered, outside the timed part, as a
 * netkit attach after an idle moment finds it. netkit's gratuitous ARP of the new address (a packet socket opened
 * inside the namespace, sent from another thread in netkit) is sent after the attach has answered, untimed. Everything happens in
 * HOSTNS and in namespaces made here; the thread returns to its own namespace between steps and changes nothing there.
 * Killed at any point, what is left is named /run/netns/NAME (the caller sweeps its names) or lives in HOSTNS.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/ethernet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

unsigned int if_nametoindex(const char *ifname); /* <net/if.h> clashes with <linux/if.h> */

#define LINK_GROUP 0xb05491u /* the network's link group (any value; netkit's is a hash of the network) */
#define REAP_GROUP 0x5a120754u
#define MAX_HELD 4096

static int host_nl, self_ns, host_ns, bridge_index, seq = 1, counter;
static unsigned char buf[8192], rbuf[65536];
static int held[MAX_HELD], nheld, defer_name, spare_ahead;
static char *deferred[MAX_HELD]; /* with defer-name: the names the next reaper round unmounts and unlinks */
static int ndeferred;

struct endpoint {
    char name[128], hostif[IFNAMSIZ];
    int nsfd, nl, arp; /* the namespace, a netlink socket inside it, a packet socket inside it */
    struct endpoint *next;
};
static struct endpoint *live, spare;

/* per-step times: where in an operation the time (and the tail) is */
#define MAX_SAMPLES 65536
static const char *step_names[] = {"attach: make the namespace (unshare, accept_dad, lo up, O_TMPFILE)", "attach: name the namespace (make-shared, linkat, bind mount, open)",
                                   "attach: create veth (host, on the bridge, peer in the namespace)",
                                   "attach: set the record alias", "attach: inside (eth0 up, address, route)",
                                   "detach: close, check and open the namespace", "detach: umount2 MNT_DETACH",
                                   "detach: lstat and unlink", "detach: unplug (nomaster, down, group, alias)"};
#define STEPS 9
static long long *samples[STEPS];
static int nsamples[STEPS];
static long long mark;

static long long now(void);
static void step(int i) {
    long long t = now();
    if (nsamples[i] < MAX_SAMPLES) samples[i][nsamples[i]++] = t - mark;
    mark = t;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *) a, y = *(const long long *) b;
    return x < y ? -1 : x > y;
}

static void print_steps(void) {
    for (int i = 0; i < STEPS; i++) {
        int n = nsamples[i];
        if (n == 0) continue;
        qsort(samples[i], n, sizeof(long long), cmp);
#define PCT(p) (samples[i][(int) ((p) / 100.0 * n + 0.999999) - 1 < 0 ? 0 : (int) ((p) / 100.0 * n + 0.999999) - 1] / 1e6)
        fprintf(stderr, "CHURNFLOOR %-66s n=%d median %.3f ms, p90 %.3f, p99 %.3f, max %.3f\n", step_names[i], n, PCT(50),
                PCT(90), PCT(99), samples[i][n - 1] / 1e6);
    }
}
static int spare_tmp = -1;

static void die(const char *what) {
    fprintf(stderr, "churnfloor: %s: %s\n", what, strerror(errno));
    exit(2);
}

static long long now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- netlink message building ---- */
static struct nlmsghdr *msg_start(unsigned char *at, int type, int flags, const void *body, int len) {
    struct nlmsghdr *h = (struct nlmsghdr *) at;
    memset(h, 0, NLMSG_HDRLEN + NLMSG_ALIGN(len));
    h->nlmsg_len = NLMSG_HDRLEN + len;
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    h->nlmsg_seq = seq++;
    memcpy(NLMSG_DATA(h), body, len);
    return h;
}

static struct rtattr *attr(struct nlmsghdr *h, int type, const void *data, int len) {
    struct rtattr *a = (struct rtattr *) ((char *) h + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    memset((char *) RTA_DATA(a) + len, 0, RTA_ALIGN(a->rta_len) - a->rta_len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

static void attr_u32(struct nlmsghdr *h, int type, uint32_t v) { attr(h, type, &v, 4); }
static void attr_str(struct nlmsghdr *h, int type, const char *s) { attr(h, type, s, strlen(s) + 1); }
static struct rtattr *nest(struct nlmsghdr *h, int type) { return attr(h, type, NULL, 0); }
static void nest_end(struct nlmsghdr *h, struct rtattr *a) { a->rta_len = (char *) h + h->nlmsg_len - (char *) a; }

/* Sends len bytes holding n requests and reads their n acks; returns the ifindex of an echoed RTM_NEWLINK, if any. */
static int talk(int fd, int len, int n, const char *what) {
    if (send(fd, buf, len, 0) != len) die(what);
    int index = 0;
    while (n > 0) {
        int r = recv(fd, rbuf, sizeof rbuf, 0);
        if (r < 0) die(what);
        for (struct nlmsghdr *h = (struct nlmsghdr *) rbuf; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error) {
                    errno = -e->error;
                    die(what);
                }
                n--;
            } else if (h->nlmsg_type == RTM_NEWLINK) {
                index = ((struct ifinfomsg *) NLMSG_DATA(h))->ifi_index;
            }
        }
    }
    return index;
}

static int netlink_socket(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) die("socket(NETLINK_ROUTE)");
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0) die("bind netlink");
    return fd;
}

/* ---- the spare namespace, made ahead as netkit's Spares does (untimed) ---- */
static void make_spare(void) {
    if (unshare(CLONE_NEWNET) < 0) die("unshare(CLONE_NEWNET)");
    spare.nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (spare.nsfd < 0) die("open own namespace");
    int f = open("/proc/sys/net/ipv6/conf/default/accept_dad", O_WRONLY | O_CLOEXEC);
    if (f >= 0) {
        if (write(f, "0\n", 2) < 0) die("accept_dad");
        close(f);
    }
    spare.nl = netlink_socket();
    struct ifinfomsg ifi = {.ifi_index = 1, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    struct nlmsghdr *h = msg_start(buf, RTM_NEWLINK, 0, &ifi, sizeof ifi);
    attr_str(h, IFLA_IFNAME, "lo");
    talk(spare.nl, h->nlmsg_len, 1, "lo up");
    if (mount("", "/run/netns", NULL, MS_SHARED, NULL) < 0) die("mount --make-shared /run/netns");
    spare_tmp = open("/run/netns", O_TMPFILE | O_RDWR | O_CLOEXEC, 0);
    if (spare_tmp < 0) die("O_TMPFILE in /run/netns");
    if (setns(self_ns, CLONE_NEWNET) < 0) die("setns back");
}

/* ---- attach: the caller's part of netkit's Attach, namespace already unshared ---- */
static long long attach(const char *name, int addr) {
    struct endpoint *e = calloc(1, sizeof *e);
    char path[512], self[64];
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->hostif, sizeof e->hostif, "nkf%07x", ++counter);
    snprintf(path, sizeof path, "/run/netns/%s", name);
    long long t0 = now();
    mark = t0;
    if (!spare_ahead) {
        make_spare();
        step(0);
    }
    /* name the namespace: link the unnamed file in as the mount point, bind the namespace onto it, open it */
    if (mount("", "/run/netns", NULL, MS_SHARED, NULL) < 0) die("mount --make-shared /run/netns");
    if (linkat(spare_tmp, "", AT_FDCWD, path, AT_EMPTY_PATH) < 0) die("linkat /run/netns/NAME");
    snprintf(self, sizeof self, "/proc/self/fd/%d", spare.nsfd);
    if (mount(self, path, "none", MS_BIND, NULL) < 0) die("mount --bind namespace");
    int check = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (check < 0 || fstat(check, &st) < 0) die("open /run/netns/NAME");
    close(spare_tmp);
    spare_tmp = -1;
    e->nsfd = spare.nsfd;
    e->nl = spare.nl;
    close(check);
    step(1);
    /* host side, one request: veth up, on the bridge, in the link group, peer eth0 in the namespace (echoed) */
    struct ifinfomsg ifi = {.ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    struct nlmsghdr *h = msg_start(buf, RTM_NEWLINK, NLM_F_ECHO | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
    attr_str(h, IFLA_IFNAME, e->hostif);
    attr_u32(h, IFLA_GROUP, LINK_GROUP);
    attr_u32(h, IFLA_MASTER, bridge_index);
    struct rtattr *li = nest(h, IFLA_LINKINFO);
    attr(h, IFLA_INFO_KIND, "veth", 5);
    struct rtattr *data = nest(h, IFLA_INFO_DATA);
    struct rtattr *peer = nest(h, VETH_INFO_PEER);
    struct ifinfomsg pi = {0};
    memcpy(RTA_DATA(peer), &pi, sizeof pi);
    h->nlmsg_len += sizeof pi;
    attr_str(h, IFLA_IFNAME, "eth0");
    attr_u32(h, IFLA_NET_NS_FD, e->nsfd);
    nest_end(h, peer);
    nest_end(h, data);
    nest_end(h, li);
    int index = talk(host_nl, h->nlmsg_len, 1, "create veth");
    step(2);
    /* the endpoint's record, as the host veth's alias */
    char alias[512];
    snprintf(alias, sizeof alias, "netkit:v1 net=nkbbr0 nid=70de0526 addr=172.16.0.%d/24 if=eth0 ino=%lu ns=%s own=1",
             addr, (unsigned long) st.st_ino, name);
    struct ifinfomsg ai = {.ifi_index = index};
    h = msg_start(buf, RTM_NEWLINK, 0, &ai, sizeof ai);
    attr_str(h, IFLA_IFALIAS, alias);
    talk(host_nl, h->nlmsg_len, 1, "set alias");
    step(3);
    /* inside, one batch: eth0 up with arp_notify, the address with broadcast, the default route */
    int len = 0;
    struct ifinfomsg up = {.ifi_index = 2, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    h = msg_start(buf, RTM_NEWLINK, 0, &up, sizeof up);
    struct rtattr *af = nest(h, IFLA_AF_SPEC);
    struct rtattr *in = nest(h, AF_INET);
    struct rtattr *conf = nest(h, IFLA_INET_CONF);
    attr_u32(h, 22 /* IPV4_DEVCONF_ARP_NOTIFY */, 1);
    nest_end(h, conf);
    nest_end(h, in);
    nest_end(h, af);
    len += NLMSG_ALIGN(h->nlmsg_len);
    struct ifaddrmsg ia = {.ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = 2};
    h = msg_start(buf + len, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ia, sizeof ia);
    uint32_t a = htonl(0xac100000u | addr), brd = htonl(0xac1000ffu), gw = htonl(0xac100001u);
    attr_u32(h, IFA_LOCAL, a);
    attr_u32(h, IFA_ADDRESS, a);
    attr_u32(h, IFA_BROADCAST, brd);
    len += NLMSG_ALIGN(h->nlmsg_len);
    struct rtmsg rt = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
    h = msg_start(buf + len, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
    attr_u32(h, RTA_GATEWAY, gw);
    attr_u32(h, RTA_OIF, 2);
    len += NLMSG_ALIGN(h->nlmsg_len);
    talk(e->nl, len, 3, "configure inside");
    step(4);
    long long dt = now() - t0;
    e->next = live;
    live = e;
    /* untimed, as netkit does after the caller has its endpoint (on the namespace's thread): the gratuitous ARP from a
     * packet socket opened inside the namespace, then (spare-ahead) the next namespace */
    if (setns(e->nsfd, CLONE_NEWNET) < 0) die("setns namespace");
    e->arp = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (e->arp < 0) die("socket(AF_PACKET)");
    if (setns(self_ns, CLONE_NEWNET) < 0) die("setns back");
    struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = 2,
                             .sll_hatype = ARPHRD_ETHER, .sll_halen = 6};
    memset(ll.sll_addr, 0xff, 6);
    unsigned char arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "eth0");
    if (ioctl(e->arp, SIOCGIFINDEX, &ifr) < 0 || ioctl(e->arp, SIOCGIFHWADDR, &ifr) < 0) die("eth0 index and MAC");
    memcpy(arp + 8, ifr.ifr_hwaddr.sa_data, 6);
    memcpy(arp + 14, &a, 4);
    memcpy(arp + 24, &a, 4);
    sendto(e->arp, arp, sizeof arp, 0, (struct sockaddr *) &ll, sizeof ll);
    close(e->arp);
    e->arp = -1;
    if (spare_ahead) make_spare();
    return dt;
}

/* ---- detach: the caller's part of netkit's Detach ---- */
static long long detach(const char *name) {
    struct endpoint **p = &live;
    while (*p && strcmp((*p)->name, name) != 0) p = &(*p)->next;
    if (!*p) {
        errno = ENOENT;
        die(name);
    }
    struct endpoint *e = *p;
    *p = e->next;
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    struct stat st;
    long long t0 = now();
    mark = t0;
    close(e->nl);
    /* the namespace is the one made (inode), then unmounted and unlinked; its file stays open for the reaper */
    if (stat(path, &st) < 0 || stat(path, &st) < 0) die("stat /run/netns/NAME");
    int hold = open(path, O_RDONLY | O_CLOEXEC);
    if (hold < 0 || ioctl(hold, NS_GET_NSTYPE) != CLONE_NEWNET || fstat(hold, &st) < 0) die("open namespace");
    close(e->nsfd);
    step(5);
    if (defer_name) {
        deferred[ndeferred++] = strdup(path);
    } else {
        if (umount2(path, MNT_DETACH) < 0) die("umount /run/netns/NAME");
        step(6);
        if (lstat(path, &st) < 0 || unlink(path) < 0) die("unlink /run/netns/NAME");
        step(7);
    }
    if (nheld == MAX_HELD) die("too many held namespaces");
    held[nheld++] = hold;
    /* host side, one request: out of the bridge, down, into the reap group, the detached record */
    char alias[512];
    snprintf(alias, sizeof alias, "netkit:v1 net=nkbbr0 nid=70de0526 detached=1 ns=%s ino=%lu own=1", name,
             (unsigned long) st.st_ino);
    struct ifinfomsg ifi = {.ifi_change = IFF_UP};
    struct nlmsghdr *h = msg_start(buf, RTM_NEWLINK, 0, &ifi, sizeof ifi);
    attr_str(h, IFLA_IFNAME, e->hostif);
    attr_u32(h, IFLA_MASTER, 0);
    attr_u32(h, IFLA_GROUP, REAP_GROUP);
    attr_str(h, IFLA_IFALIAS, alias);
    talk(host_nl, h->nlmsg_len, 1, "unplug");
    step(8);
    long long dt = now() - t0;
    free(e);
    return dt;
}

/* ---- the reaper's round: the group in one request, then the held namespaces ---- */
static long long reap(void) {
    long long t0 = now();
    for (int i = 0; i < ndeferred; i++) { /* first the names (the detached records name them), then the group */
        if (umount2(deferred[i], MNT_DETACH) < 0 || unlink(deferred[i]) < 0) die(deferred[i]);
        free(deferred[i]);
    }
    ndeferred = 0;
    struct ifinfomsg ifi = {0};
    struct nlmsghdr *h = msg_start(buf, RTM_DELLINK, 0, &ifi, sizeof ifi);
    attr_u32(h, IFLA_GROUP, REAP_GROUP);
    if (send(host_nl, buf, h->nlmsg_len, 0) < 0) die("delete reap group");
    int r = recv(host_nl, rbuf, sizeof rbuf, 0); /* ENODEV when the group is empty: fine */
    if (r < 0) die("delete reap group");
    for (int i = 0; i < nheld; i++) close(held[i]);
    nheld = 0;
    return now() - t0;
}

int main(int argc, char **argv) {
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "defer-name") == 0) {
            defer_name = 1;
        } else if (strcmp(argv[i], "spare-ahead") == 0) {
            spare_ahead = 1;
        } else {
            argc = 0;
        }
    }
    if (argc < 3) {
        fprintf(stderr, "usage: churnfloor HOSTNS BRIDGE [defer-name] [spare-ahead]  (commands on stdin: a NAME ADDR | d NAME | r | q)\n");
        return 2;
    }
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", argv[1]);
    self_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    host_ns = open(path, O_RDONLY | O_CLOEXEC);
    if (self_ns < 0 || host_ns < 0) die(path);
    if (setns(host_ns, CLONE_NEWNET) < 0) die("setns host");
    host_nl = netlink_socket();
    bridge_index = if_nametoindex(argv[2]);
    if (bridge_index == 0) die(argv[2]);
    if (setns(self_ns, CLONE_NEWNET) < 0) die("setns back");
    for (int i = 0; i < STEPS; i++) samples[i] = malloc(MAX_SAMPLES * sizeof(long long));
    if (spare_ahead) make_spare();
    setvbuf(stdout, NULL, _IOLBF, 0);
    char line[512], name[100];
    int addr;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "a %99s %d", name, &addr) == 2) {
            printf("%lld\n", attach(name, addr));
        } else if (sscanf(line, "d %99s", name) == 1) {
            printf("%lld\n", detach(name));
        } else if (line[0] == 's') {
            memset(nsamples, 0, sizeof nsamples);
            printf("0\n");
        } else if (line[0] == 'p') {
            print_steps();
            printf("0\n");
        } else if (line[0] == 'r') {
            printf("%lld\n", reap());
        } else {
            break;
        }
    }
    reap();
    return 0;
}
