/*
 * Kernel floor of one netkit attach (issue 14): the same netlink requests netkit's warm attach sends, from C, one
 * after the other, timed per attach. Per container i (its namespace made and its netlink socket opened untimed, as
 * netkit's spare is): RTM_NEWLINK veth create (host name, group, mtu, master, up; peer eth0 in the container's
 * namespace by fd; NLM_F_ECHO) -> echo + ack; RTM_NEWLINK alias by index -> ack; then in the container, one sendmsg
 * of 3 requests (RTM_NEWADDR with broadcast; RTM_NEWLINK eth0 up + arp_notify=1; RTM_NEWROUTE default via the
 * gateway) -> 3 acks. Run inside the bench host namespace, which holds bridge BR (172.16.0.1/24):
 *   gcc -O2 -o /tmp/attachfloor benchmarks/harness/attachfloor.c
 *   ip netns exec HOST /tmp/attachfloor BR GROUP NSPREFIX N      (namespaces NSPREFIX0..N-1 exist)
 * Prints min/p10/median/p90/p99 in ms of the N attaches (wall, CLOCK_MONOTONIC).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef IPV4_DEVCONF_ARP_NOTIFY
#define IPV4_DEVCONF_ARP_NOTIFY 21
#endif

static char buf[65536];
static unsigned seq = 1;

struct msg { char *p; struct nlmsghdr *h; };

static struct nlmsghdr *begin(char *at, int type, int flags) {
    struct nlmsghdr *h = (struct nlmsghdr *) at;
    memset(h, 0, sizeof *h);
    h->nlmsg_len = NLMSG_HDRLEN;
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    h->nlmsg_seq = seq++;
    return h;
}
static void *put(struct nlmsghdr *h, const void *data, int len) {
    char *at = (char *) h + NLMSG_ALIGN(h->nlmsg_len);
    memcpy(at, data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + len;
    return at;
}
static struct rtattr *attr(struct nlmsghdr *h, int type, const void *data, int len) {
    struct rtattr *a = (struct rtattr *) ((char *) h + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    if (len) memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}
static struct rtattr *nest(struct nlmsghdr *h, int type) { return attr(h, type, NULL, 0); }
static void end(struct nlmsghdr *h, struct rtattr *n) { n->rta_len = (char *) h + h->nlmsg_len - (char *) n; }
static void u32(struct nlmsghdr *h, int type, unsigned v) { attr(h, type, &v, 4); }
static void str(struct nlmsghdr *h, int type, const char *s) { attr(h, type, s, strlen(s) + 1); }

/* Sends len bytes (one or more requests), reads until `acks` acks; returns the ifindex of an echoed link, if any. */
static int exchange(int fd, void *req, int len, int acks) {
    struct sockaddr_nl k = { .nl_family = AF_NETLINK };
    if (sendto(fd, req, len, 0, (struct sockaddr *) &k, sizeof k) != len) { perror("sendto"); exit(1); }
    int index = 0;
    while (acks > 0) {
        int n = recv(fd, buf, sizeof buf, 0);
        if (n < 0) { perror("recv"); exit(1); }
        for (struct nlmsghdr *h = (struct nlmsghdr *) buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                if (e->error) { fprintf(stderr, "netlink error %s (seq %u)\n", strerror(-e->error), h->nlmsg_seq); exit(1); }
                acks--;
            } else if (h->nlmsg_type == RTM_NEWLINK) {
                index = ((struct ifinfomsg *) NLMSG_DATA(h))->ifi_index;
            }
        }
    }
    return index;
}

static int nlsocket(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int one = 1;
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    struct sockaddr_nl a = { .nl_family = AF_NETLINK };
    bind(fd, (struct sockaddr *) &a, sizeof a);
    return fd;
}

static double ms(struct timespec a, struct timespec b) { return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6; }
static int cmp(const void *a, const void *b) { double x = *(double *) a, y = *(double *) b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: attachfloor BRIDGE GROUP NSPREFIX N [PAUSE_MS]\n"); return 2; }
    int bridge = if_nametoindex(argv[1]), group = atoi(argv[2]), n = atoi(argv[4]);
    int pause = argc > 5 ? atoi(argv[5]) : 30;
    int host = nlsocket(), self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int *nsfd = calloc(n, sizeof(int)), *inner = calloc(n, sizeof(int));
    for (int i = 0; i < n; i++) {   /* untimed: the container's namespace fd and netlink socket (netkit's spare) */
        char p[256];
        snprintf(p, sizeof p, "/run/netns/%s%d", argv[3], i);
        nsfd[i] = open(p, O_RDONLY | O_CLOEXEC);
        if (nsfd[i] < 0 || setns(nsfd[i], CLONE_NEWNET)) { perror(p); return 1; }
        inner[i] = nlsocket();
        setns(self, CLONE_NEWNET);
    }
    double *t = calloc(n, sizeof(double)), *tc = calloc(n, sizeof(double)), *ta = calloc(n, sizeof(double)),
           *ti = calloc(n, sizeof(double));
    static char req[4096];
    for (int i = 0; i < n; i++) {
        char name[IFNAMSIZ], alias[128];
        snprintf(name, sizeof name, "nkf%08x", (unsigned) (getpid() * 7919 + i));
        snprintf(alias, sizeof alias, "netkit:v1 net=nkbbr0 id=0123abcd addr=172.16.0.%d/24 if=eth0 ns=%s%d ino=4026532000 create=1", 2 + i % 250, argv[3], i);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        /* 1. veth create, echoed */
        struct nlmsghdr *h = begin(req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO);
        struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
        put(h, &ifi, sizeof ifi);
        str(h, IFLA_IFNAME, name);
        u32(h, IFLA_MTU, 1500);
        u32(h, IFLA_GROUP, group);
        u32(h, IFLA_MASTER, bridge);
        struct rtattr *li = nest(h, IFLA_LINKINFO);
        str(h, IFLA_INFO_KIND, "veth");
        struct rtattr *d = nest(h, IFLA_INFO_DATA);
        struct rtattr *peer = nest(h, VETH_INFO_PEER);
        struct ifinfomsg pi = { .ifi_family = AF_UNSPEC };
        put(h, &pi, sizeof pi);
        str(h, IFLA_IFNAME, "eth0");
        u32(h, IFLA_MTU, 1500);
        u32(h, IFLA_NET_NS_FD, nsfd[i]);
        end(h, peer); end(h, d); end(h, li);
        int index = exchange(host, req, h->nlmsg_len, 1);
        struct timespec c1, c2;
        clock_gettime(CLOCK_MONOTONIC, &c1);
        /* 2. alias by index */
        h = begin(req, RTM_NEWLINK, 0);
        struct ifinfomsg ai = { .ifi_family = AF_UNSPEC, .ifi_index = index };
        put(h, &ai, sizeof ai);
        str(h, IFLA_IFALIAS, alias);
        exchange(host, req, h->nlmsg_len, 1);
        clock_gettime(CLOCK_MONOTONIC, &c2);
        /* 3. container side: address, eth0 up + arp_notify, default route: one sendmsg */
        int eth0 = 2;   /* the peer's index in a namespace that holds only lo (netkit reads it from the echo) */
        h = begin(req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        struct ifaddrmsg ia = { .ifa_family = AF_INET, .ifa_prefixlen = 24, .ifa_index = eth0 };
        put(h, &ia, sizeof ia);
        unsigned addr = htonl(0xac100000 | (2 + i % 250)), brd = htonl(0xac1000ff), gw = htonl(0xac100001);
        attr(h, IFA_LOCAL, &addr, 4);
        attr(h, IFA_ADDRESS, &addr, 4);
        attr(h, IFA_BROADCAST, &brd, 4);
        int len = NLMSG_ALIGN(h->nlmsg_len);
        h = begin(req + len, RTM_NEWLINK, 0);
        struct ifinfomsg ui = { .ifi_family = AF_UNSPEC, .ifi_index = eth0, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
        put(h, &ui, sizeof ui);
        struct rtattr *af = nest(h, IFLA_AF_SPEC);
        struct rtattr *in = nest(h, AF_INET);
        struct rtattr *conf = nest(h, IFLA_INET_CONF);
        u32(h, IPV4_DEVCONF_ARP_NOTIFY, 1);
        end(h, conf); end(h, in); end(h, af);
        len += NLMSG_ALIGN(h->nlmsg_len);
        h = begin(req + len, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        struct rtmsg rt = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT,
                            .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
        put(h, &rt, sizeof rt);
        attr(h, RTA_GATEWAY, &gw, 4);
        u32(h, RTA_OIF, eth0);
        len += NLMSG_ALIGN(h->nlmsg_len);
        exchange(inner[i], req, len, 3);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = ms(a, b);
        tc[i] = ms(a, c1);
        ta[i] = ms(c1, c2);
        ti[i] = ms(c2, b);
        struct timespec p = { 0, pause * 1000000L };
        nanosleep(&p, NULL);
    }
    qsort(t, n, sizeof(double), cmp);
    qsort(tc, n, sizeof(double), cmp);
    qsort(ta, n, sizeof(double), cmp);
    qsort(ti, n, sizeof(double), cmp);
    printf("  veth create (echoed) min %.3f median %.3f | alias min %.3f median %.3f | container batch min %.3f median %.3f ms\n",
           tc[0], tc[n / 2], ta[0], ta[n / 2], ti[0], ti[n / 2]);
    printf("attach floor (C, same requests) n=%d min %.3f p10 %.3f median %.3f p90 %.3f p99 %.3f ms\n", n, t[0],
           t[n / 10], t[n / 2], t[n * 9 / 10], t[n * 99 / 100]);
    return 0;
}
