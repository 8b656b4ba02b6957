/*
 * netkit: the CNI plugin executable (type "netkit"), a thin client of the netkit CNI daemon.
 *
 * It forwards the CNI_* environment and stdin to the daemon's Unix socket and prints the daemon's answer with the
 * daemon's exit code. The daemon identifies this process with SO_PEERCRED and acts in this process's network
 * namespace. Wire format (netkit-cni's CniDaemon):
 *   request:  "NKCNI1" NUL, then "KEY=VALUE" NUL for each CNI_* variable, then NUL, then stdin until EOF (SHUT_WR)
 *   response: the exit code in decimal, "\n", then the plugin's stdout until EOF
 *
 * When no daemon answers, it runs the request in-process instead (slow path): exec java -jar netkit-cni.jar with
 * stdin and the environment untouched. Environment: NETKIT_CNI_SOCKET (default /run/netkit/cni.sock),
 * NETKIT_CNI_JAR (default: netkit-cni.jar beside this executable, then /usr/lib/netkit/netkit-cni.jar),
 * NETKIT_JAVA (default: java on PATH, then /usr/bin/java). With netkit-cni.aot (JDK 25+ AOT cache) or else
 * netkit-cni.jsa beside the jar (the build makes them), the JVM maps its classes from that archive instead of
 * loading them.
 *
 * Built static by the Maven build (gcc -static): a CNI bin dir can hold it as is, on any Linux of the same
 * architecture, without a JVM start per call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_SOCKET "/run/netkit/cni.sock"
#define SYSTEM_JAR "/usr/lib/netkit/netkit-cni.jar"

static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Prints a CNI error object (cniVersion 1.0.0 is understood by every libcni that reads errors) and exits 1. */
static void fail(int code, const char *msg, const char *details) {
    const char *cmd = getenv("CNI_COMMAND");
    if (cmd != NULL && strcmp(cmd, "STATUS") == 0) code = 50;
    printf("{\"cniVersion\":\"1.0.0\",\"code\":%d,\"msg\":\"%s\",\"details\":\"%s\"}\n", code, msg, details);
    fflush(stdout);
    exit(1);
}

static int file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Slow path: no daemon. Runs the request in this process's place with java -jar (stdin/env untouched). */
static void run_in_process(const char *sock, int connect_errno) {
    char jar[PATH_MAX + 32];
    const char *env_jar = getenv("NETKIT_CNI_JAR");
    jar[0] = 0;
    if (env_jar != NULL && env_jar[0] != 0) {
        snprintf(jar, sizeof jar, "%s", env_jar);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = 0;
            char *slash = strrchr(self, '/');
            if (slash != NULL) {
                *slash = 0;
                snprintf(jar, sizeof jar, "%s/netkit-cni.jar", self);
            }
        }
        if (jar[0] == 0 || !file_exists(jar)) snprintf(jar, sizeof jar, "%s", SYSTEM_JAR);
    }
    char details[PATH_MAX * 2 + 512];
    if (!file_exists(jar)) {
        snprintf(details, sizeof details,
                 "no daemon at %s (%s) and no %s for the in-process fallback; start the daemon: "
                 "java -jar /usr/lib/netkit/netkit-cni.jar daemon (or set NETKIT_CNI_JAR)",
                 sock, strerror(connect_errno), jar);
        fail(11, "netkit CNI daemon is not running", details);
    }
    const char *java = getenv("NETKIT_JAVA");
    /* The class-data-sharing archive beside the jar (netkit-cni.jsa, made by the build) when there is one: a JVM
       that cannot use it (another JDK, a rebuilt jar) says so and runs without it. JVM messages go to stderr, as
       stdout belongs to the CNI protocol. */
    char jsa[PATH_MAX + 64];
    char aot[PATH_MAX + 64];
    char share[PATH_MAX + 96];
    size_t len = strlen(jar);
    jsa[0] = 0;
    aot[0] = 0;
    if (len > 4 && strcmp(jar + len - 4, ".jar") == 0) {
        snprintf(jsa, sizeof jsa, "%.*s.jsa", (int) (len - 4), jar);
        snprintf(aot, sizeof aot, "%.*s.aot", (int) (len - 4), jar);
    }
    /* netkit-cni.aot (JDK 25+ AOT cache, made when the build ran on JDK 25+) wins: its .jsa then comes from the same
       JDK. A JDK 17 ignores the option (IgnoreUnrecognizedVMOptions) and starts without an archive, as it would with
       that JDK 25 .jsa. */
    const char *ignore = "-Xshare:auto";
    /* The serial collector only with the AOT cache (JDK 25+ maps its archived heap objects with any collector): a
       JDK 17 maps the archived heap of its default CDS archive (interned strings, the module graph) only with G1,
       so there -XX:+UseSerialGC costs ~35 ms CPU more at start than it saves. */
    const char *gc = "-XX:+UseG1GC";
    if (aot[0] != 0 && file_exists(aot)) {
        snprintf(share, sizeof share, "-XX:AOTCache=%s", aot);
        ignore = "-XX:+IgnoreUnrecognizedVMOptions";
        gc = "-XX:+UseSerialGC";
    } else if (jsa[0] != 0 && file_exists(jsa)) {
        snprintf(share, sizeof share, "-XX:SharedArchiveFile=%s", jsa);
    } else {
        snprintf(share, sizeof share, "-Xshare:auto");
    }
    /* -XX:CompileThresholdScaling=3: C1 compiles a method after 3x the usual calls. One CNI call runs most code a
       few times only; compiling less leaves the two cores of a small node to the call itself (JDK 17, first
       create + attach: ~10% faster, ~30 ms less CPU per process; no change with the AOT cache). */
    char *argv[] = {(char *) "java", (char *) "-XX:TieredStopAtLevel=1", (char *) "-XX:CompileThresholdScaling=3",
                    (char *) gc, (char *) "-XX:-UsePerfData", (char *) ignore, share, (char *) "-Xlog:disable",
                    (char *) "-Xlog:all=warning:stderr", (char *) "-jar", jar, NULL};
    if (java != NULL && java[0] != 0) {
        execv(java, argv);
    } else {
        execvp("java", argv);
        execv("/usr/bin/java", argv);
    }
    snprintf(details, sizeof details,
             "no daemon at %s and java could not be started (%s); install a JDK 17+ or start the daemon: "
             "java -jar %s daemon", sock, strerror(errno), jar);
    fail(11, "netkit CNI daemon is not running", details);
}

int main(void) {
    const char *sock = getenv("NETKIT_CNI_SOCKET");
    if (sock == NULL || sock[0] == 0) sock = DEFAULT_SOCKET;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof addr.sun_path) fail(4, "NETKIT_CNI_SOCKET is too long", "at most 107 bytes");
    strcpy(addr.sun_path, sock);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(5, "cannot create a Unix socket", strerror(errno));
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        run_in_process(sock, e);
    }

    /* Request: magic, CNI_* environment, terminator, stdin. */
    if (write_all(fd, "NKCNI1", 7) < 0) fail(5, "cannot write to the netkit daemon", strerror(errno));
    for (char **e = environ; *e != NULL; e++) {
        if (strncmp(*e, "CNI_", 4) == 0) {
            if (write_all(fd, *e, strlen(*e) + 1) < 0) fail(5, "cannot write to the netkit daemon", strerror(errno));
        }
    }
    if (write_all(fd, "", 1) < 0) fail(5, "cannot write to the netkit daemon", strerror(errno));
    char buf[65536];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(5, "cannot read stdin", strerror(errno));
        }
        if (n == 0) break;
        if (write_all(fd, buf, (size_t) n) < 0) fail(5, "cannot write to the netkit daemon", strerror(errno));
    }
    shutdown(fd, SHUT_WR);

    /* Response: exit code line, then stdout. */
    int code = -1;
    int got_code = 0;
    char line[16];
    size_t line_len = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail(5, "cannot read the netkit daemon's answer", strerror(errno));
        }
        if (n == 0) break;
        size_t off = 0;
        while (!got_code && off < (size_t) n) {
            char c = buf[off++];
            if (c == '\n') {
                line[line_len] = 0;
                code = atoi(line);
                got_code = 1;
            } else if (line_len + 1 < sizeof line) {
                line[line_len++] = c;
            }
        }
        if (got_code && off < (size_t) n) {
            if (write_all(1, buf + off, (size_t) n - off) < 0) return 1;
        }
    }
    close(fd);
    if (!got_code) fail(11, "the netkit daemon closed the connection without an answer", "see the daemon's log file");
    return code;
}
