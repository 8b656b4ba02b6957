package io.netkit.netlink.internal;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The only class in netkit that touches JNA: C library calls through direct mapping ({@link Native#register}),
 * which a daemon thread ({@code netkit-jna-register}) registers while the process's first calls go through JNA
 * {@link Function}s: the first registration is the larger part of JNA's start. Every call returns the C result;
 * read {@link #errno()} immediately after a failing call, on the same thread, before any other native call.
 *
 * <p>Assumes 64-bit Linux (LP64): {@code size_t}/{@code ssize_t}/{@code unsigned long} map to Java
 * {@code long}; struct layouts ({@code ifreq}, {@code timeval}) and syscall numbers are those of x86_64 and
 * aarch64. Loading this class anywhere else fails at once with an {@link UnsupportedOperationException} that
 * says so, instead of misreading structs later. Not part of the public API.
 *
 * <p>Portability: only functions that glibc 2.28 (RHEL 8, Debian 10) already exports are bound, because one
 * missing symbol fails the whole registration: {@code gettid} (glibc 2.30) is {@code syscall(SYS_gettid)},
 * {@code fstat} (2.33) is replaced by {@code stat} of {@code /proc/self/fd/N} in Java, and {@code pidfd_open}
 * (no glibc wrapper before 2.36) is {@code syscall(SYS_pidfd_open)}, whose {@code ENOSYS} on kernels before 5.3
 * callers treat as "feature absent". {@code LibCSymbolVersionTest} checks every bound name against this
 * machine's libc symbol versions.
 */
public final class LibC {
    private LibC() {}

    /** The architectures whose layouts and syscall numbers this class knows. */
    public enum Arch {
        /** x86_64 ({@code os.arch} "amd64" or "x86_64"). */
        X86_64(186, 434, 424),
        /** aarch64 (the generic syscall table, {@code include/uapi/asm-generic/unistd.h}). */
        AARCH64(178, 434, 424);

        /** {@code SYS_gettid}. */
        public final long sysGettid;
        /** {@code SYS_pidfd_open} (the same number on every architecture since Linux 5.3). */
        public final long sysPidfdOpen;
        /** {@code SYS_pidfd_send_signal} (Linux 5.1, the same number on every architecture). */
        public final long sysPidfdSendSignal;

        Arch(long sysGettid, long sysPidfdOpen, long sysPidfdSendSignal) {
            this.sysGettid = sysGettid;
            this.sysPidfdOpen = sysPidfdOpen;
            this.sysPidfdSendSignal = sysPidfdSendSignal;
        }

        /** The architecture of {@code os.arch}, or null when netkit does not know its layouts. */
        public static Arch of(String osArch) {
            switch (osArch) {
                case "amd64":
                case "x86_64":
                    return X86_64;
                case "aarch64":
                case "arm64":
                    return AARCH64;
                default:
                    return null;
            }
        }
    }

    /** This machine's architecture (checked when the class loads). */
    public static final Arch ARCH = checkedArch(System.getProperty("os.arch", ""),
            System.getProperty("sun.arch.data.model", "64"));

    static Arch checkedArch(String osArch, String dataModel) {
        Arch a = Arch.of(osArch);
        if (a == null || !"64".equals(dataModel)) {
            throw new UnsupportedOperationException("netkit's native layer supports Linux on x86_64 and aarch64 only;"
                    + " this JVM runs on os.arch=" + osArch + " (" + dataModel + "-bit), whose struct layouts and"
                    + " syscall numbers netkit does not know: run on x86_64 or aarch64");
        }
        return a;
    }

    /**
     * {@code -Dnetkit.jna.background=false}: register the direct mapping in the first caller's thread before the
     * first call returns (the behaviour before the background registration), instead of on a thread of its own.
     */
    public static final String BACKGROUND_PROPERTY = "netkit.jna.background";

    /** The background registration waits for this long without a libc call (ms; see {@link Registrar}). */
    static final long QUIET_MS = 50;

    /**
     * ... or until this many calls went through JNA: ~8 times what a fresh JVM's first create + attach + close
     * makes (124), so a short program never gets here, and at ~2.5 us more per call than the direct path (array
     * arguments), a process that does has paid a few ms already and is about to pay more.
     */
    static final int BUSY_CALLS = 1000;

    /** ... and no longer than this (ms). */
    static final long REGISTER_WAIT_MS = 5000;

    /**
     * {@code -Dnetkit.jna.registerDelay=MS}: the longest wait for a quiet moment before the background registration
     * (0: at once).
     */
    public static final String REGISTER_DELAY_PROPERTY = "netkit.jna.registerDelay";

    /** Calls through JNA's {@code Function}s so far (only compared, for a change). */
    private static volatile int jnaCalls;

    /**
     * True once {@link Direct}'s methods are registered ({@link Native#register}: the fast path); until then each
     * call goes through a JNA {@link Function} of the same symbol, which needs none of the registration's set-up.
     */
    private static volatile boolean direct;
    /** Why the registration failed, when it did (calls then keep going through {@link Function}s). */
    private static volatile Throwable registrationFailure;

    private static final Function ACCEPT4;
    private static final Function BIND;
    private static final Function CLOSE;
    private static final Function FLOCK;
    private static final Function GETEUID;
    private static final Function GETSOCKNAME;
    private static final Function GETSOCKOPT;
    private static final Function IOCTL;
    private static final Function LINKAT;
    private static final Function LISTEN;
    private static final Function MOUNT;
    private static final Function OPEN;
    private static final Function READ;
    private static final Function RECVFROM;
    private static final Function SENDTO;
    private static final Function SETNS;
    private static final Function SETSOCKOPT;
    private static final Function SHUTDOWN;
    private static final Function SOCKET;
    private static final Function STRERROR;
    private static final Function SYSCALL;
    private static final Function UMOUNT2;
    private static final Function UNSHARE;
    private static final Function WRITE;

    static {
        JnaStart.avoidLdconfig(ARCH);
        JnaStart.stableDispatchLibrary(Native.class, ARCH);
        NativeLibrary lib = libc();
        // every symbol looked up now: a libc without one fails here, at the first call, as the registration did
        ACCEPT4 = function(lib, "accept4");
        BIND = function(lib, "bind");
        CLOSE = function(lib, "close");
        FLOCK = function(lib, "flock");
        GETEUID = function(lib, "geteuid");
        GETSOCKNAME = function(lib, "getsockname");
        GETSOCKOPT = function(lib, "getsockopt");
        IOCTL = function(lib, "ioctl");
        LINKAT = function(lib, "linkat");
        LISTEN = function(lib, "listen");
        MOUNT = function(lib, "mount");
        OPEN = function(lib, "open");
        READ = function(lib, "read");
        RECVFROM = function(lib, "recvfrom");
        SENDTO = function(lib, "sendto");
        SETNS = function(lib, "setns");
        SETSOCKOPT = function(lib, "setsockopt");
        SHUTDOWN = function(lib, "shutdown");
        SOCKET = function(lib, "socket");
        STRERROR = function(lib, "strerror");
        SYSCALL = function(lib, "syscall");
        UMOUNT2 = function(lib, "umount2");
        UNSHARE = function(lib, "unshare");
        WRITE = function(lib, "write");
        if ("false".equals(System.getProperty(BACKGROUND_PROPERTY))) {
            // with the class named: Native.register(lib) finds its caller through a SecurityManager's class context
            Native.register(Direct.class, lib);
            direct = true;
        } else {
            new Registrar(lib).start();
        }
    }

    /**
     * JNA's first {@link Native#register} in a JVM costs 20–55 ms (it builds its {@code FFIType} structures with
     * reflection and annotation proxies that no class-data archive holds), whatever the number of functions;
     * a {@link Function} call needs none of it. So the first calls go through {@link Function}s while this daemon
     * thread registers {@link Direct}, then every call takes the direct path. A failure only keeps the slower path.
     *
     * <p>It waits for a quiet moment first ({@link #awaitQuiet}: no libc call for {@link #QUIET_MS}, or
     * {@link #BUSY_CALLS} calls, at most {@link #REGISTER_WAIT_MS}): started at once, it ran beside a fresh JVM's
     * first {@code Network.create()} and attach and took CPU from them (on 2 cores, with the JIT compiler), and a
     * short-lived program (a CNI plugin call) paid for a mapping it never used. A fixed wait of a second instead (measured: first create + attach
     * 98.5 -> 93.7 ms median in 25 alternating fresh JVMs, the process's CPU 277 -> 253 ms) only moved the
     * registration onto whatever the process did a second later, such as its next attaches.
     */
    private static final class Registrar extends Thread {
        private final NativeLibrary lib;

        Registrar(NativeLibrary lib) {
            super("netkit-jna-register");
            this.lib = lib;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                awaitQuiet(Long.getLong(REGISTER_DELAY_PROPERTY, REGISTER_WAIT_MS));
                Native.register(Direct.class, lib);
                direct = true;
            } catch (RuntimeException | LinkageError | InterruptedException e) {
                registrationFailure = e;
            }
        }
    }

    /**
     * Returns once no call has gone through JNA's {@code Function}s for {@link #QUIET_MS} (two polls), or once
     * {@link #BUSY_CALLS} have (a process that busy will make many more: the registration pays for itself), or after
     * {@code longest} ms (0: at once).
     */
    static void awaitQuiet(long longest) throws InterruptedException {
        long waited = 0;
        int quietPolls = 0;
        int seen = jnaCalls;
        while (waited < longest && quietPolls < 2 && seen < BUSY_CALLS) {
            Thread.sleep(QUIET_MS / 2);
            waited += QUIET_MS / 2;
            int now = jnaCalls;
            quietPolls = now == seen ? quietPolls + 1 : 0;
            seen = now;
        }
    }

    // The path before the registration: each call counted, so that the registration can wait for a quiet moment. A
    // volatile write per call (lost updates do not matter: only a change is looked for) on a path that costs
    // microseconds per call; the direct path counts nothing.
    private static int viaJnaInt(Function f, Object[] args) {
        jnaCalls++;
        return f.invokeInt(args);
    }

    private static long viaJnaLong(Function f, Object[] args) {
        jnaCalls++;
        return f.invokeLong(args);
    }

    private static String viaJnaString(Function f, Object[] args) {
        jnaCalls++;
        return (String) f.invoke(String.class, args);
    }

    private static Function function(NativeLibrary lib, String name) {
        return lib.getFunction(name);
    }

    /** Whether calls take the direct path yet (false until the background registration is done, or if it failed). */
    public static boolean directMapped() {
        return direct;
    }

    /** Why the direct mapping could not be registered, or null. */
    public static Throwable registrationFailure() {
        return registrationFailure;
    }

    /**
     * The C library by its glibc soname first: {@code dlopen("libc.so.6")} at once, where JNA's own lookup of
     * {@code "c"} tries {@code libc.so} (a linker script on most distributions) and then runs {@code ldconfig -p}, a
     * process on every JVM start. Other C libraries (musl) by JNA's search.
     */
    private static NativeLibrary libc() {
        try {
            return NativeLibrary.getInstance("libc.so.6");
        } catch (UnsatisfiedLinkError notGlibc) {
            return NativeLibrary.getInstance("c");
        }
    }

    // <sys/socket.h>
    public static final int AF_NETLINK = 16;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_RCVTIMEO = 20;
    public static final int SO_SNDBUFFORCE = 32;
    public static final int SO_RCVBUFFORCE = 33;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;

    // <fcntl.h>
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_RDWR = 2;
    /** {@code __O_TMPFILE | O_DIRECTORY}: an unnamed file in the given directory, named later with linkat. */
    public static final int O_TMPFILE = 0x410000;
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_FOLLOW = 0x400;
    public static final int AT_EMPTY_PATH = 0x1000;

    // <sched.h>
    public static final int CLONE_NEWNET = 0x40000000;

    // <sys/mount.h>
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final int MNT_DETACH = 2;

    public static int socket(int domain, int type, int protocol) {
        return direct ? Direct.socket(domain, type, protocol) : viaJnaInt(SOCKET, new Object[] {domain, type, protocol});
    }

    public static int bind(int fd, byte[] addr, int addrlen) {
        return direct ? Direct.bind(fd, addr, addrlen) : viaJnaInt(BIND, new Object[] {fd, addr, addrlen});
    }

    public static int getsockname(int fd, byte[] addr, int[] addrlen) {
        return direct ? Direct.getsockname(fd, addr, addrlen) : viaJnaInt(GETSOCKNAME, new Object[] {fd, addr, addrlen});
    }

    /** {@code setsockopt} with the option value as raw bytes in native order. */
    public static int setsockopt(int fd, int level, int optname, byte[] optval, int optlen) {
        return direct ? Direct.setsockopt(fd, level, optname, optval, optlen)
                : viaJnaInt(SETSOCKOPT, new Object[] {fd, level, optname, optval, optlen});
    }

    public static int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen) {
        return direct ? Direct.getsockopt(fd, level, optname, optval, optlen)
                : viaJnaInt(GETSOCKOPT, new Object[] {fd, level, optname, optval, optlen});
    }

    public static long sendto(int fd, Pointer buf, long len, int flags, byte[] destAddr, int addrlen) {
        return direct ? Direct.sendto(fd, buf, len, flags, destAddr, addrlen)
                : viaJnaLong(SENDTO, new Object[] {fd, buf, len, flags, destAddr, addrlen});
    }

    /** {@code sendto} from a Java array (small datagrams such as an ARP announcement). */
    public static long sendto(int fd, byte[] buf, long len, int flags, byte[] destAddr, int addrlen) {
        return direct ? Direct.sendto(fd, buf, len, flags, destAddr, addrlen)
                : viaJnaLong(SENDTO, new Object[] {fd, buf, len, flags, destAddr, addrlen});
    }

    public static long recvfrom(int fd, Pointer buf, long len, int flags, byte[] srcAddr, int[] addrlen) {
        return direct ? Direct.recvfrom(fd, buf, len, flags, srcAddr, addrlen)
                : viaJnaLong(RECVFROM, new Object[] {fd, buf, len, flags, srcAddr, addrlen});
    }

    public static int close(int fd) {
        return direct ? Direct.close(fd) : viaJnaInt(CLOSE, new Object[] {fd});
    }

    /** {@code flock(2)}: an advisory lock on the open file {@code fd} (for {@link #LOCK_EX}, {@link #LOCK_UN}). */
    public static int flock(int fd, int operation) {
        return direct ? Direct.flock(fd, operation) : viaJnaInt(FLOCK, new Object[] {fd, operation});
    }

    public static final int LOCK_EX = 2;
    public static final int LOCK_UN = 8;

    // Unix domain stream sockets (<sys/socket.h>, <sys/un.h>): the CNI daemon's listener (UnixListener).
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    /** {@code SO_PEERCRED} from {@code <asm-generic/socket.h>}: {@code struct ucred {pid_t pid; uid_t uid; gid_t gid;}}. */
    public static final int SO_PEERCRED = 17;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    /** {@code sizeof(struct sockaddr_un)}: a 2-byte family and a 108-byte path. */
    public static final int SOCKADDR_UN_SIZE = 110;

    public static int listen(int fd, int backlog) {
        return direct ? Direct.listen(fd, backlog) : viaJnaInt(LISTEN, new Object[] {fd, backlog});
    }

    public static int accept4(int fd, byte[] addr, int[] addrlen, int flags) {
        return direct ? Direct.accept4(fd, addr, addrlen, flags)
                : viaJnaInt(ACCEPT4, new Object[] {fd, addr, addrlen, flags});
    }

    public static int shutdown(int fd, int how) {
        return direct ? Direct.shutdown(fd, how) : viaJnaInt(SHUTDOWN, new Object[] {fd, how});
    }

    public static long read(int fd, byte[] buf, long count) {
        return direct ? Direct.read(fd, buf, count) : viaJnaLong(READ, new Object[] {fd, buf, count});
    }

    public static int setns(int fd, int nstype) {
        return direct ? Direct.setns(fd, nstype) : viaJnaInt(SETNS, new Object[] {fd, nstype});
    }

    public static int unshare(int flags) {
        return direct ? Direct.unshare(flags) : viaJnaInt(UNSHARE, new Object[] {flags});
    }

    public static int mount(String source, String target, String filesystemtype, long mountflags, Pointer data) {
        return direct ? Direct.mount(source, target, filesystemtype, mountflags, data)
                : viaJnaInt(MOUNT, new Object[] {source, target, filesystemtype, mountflags, data});
    }

    public static int umount2(String target, int flags) {
        return direct ? Direct.umount2(target, flags) : viaJnaInt(UMOUNT2, new Object[] {target, flags});
    }

    public static int open(String pathname, int flags, int mode) {
        return direct ? Direct.open(pathname, flags, mode) : viaJnaInt(OPEN, new Object[] {pathname, flags, mode});
    }

    public static int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags) {
        return direct ? Direct.linkat(olddirfd, oldpath, newdirfd, newpath, flags)
                : viaJnaInt(LINKAT, new Object[] {olddirfd, oldpath, newdirfd, newpath, flags});
    }

    public static long write(int fd, byte[] buf, long count) {
        return direct ? Direct.write(fd, buf, count) : viaJnaLong(WRITE, new Object[] {fd, buf, count});
    }

    // <sys/ioctl.h>: ioctl(int fd, unsigned long request, ...)
    /** {@code ioctl} with a pointer to a buffer (e.g. a {@code struct ifreq}), copied in and back out. */
    public static int ioctl(int fd, long request, byte[] argp) {
        return direct ? Direct.ioctl(fd, request, argp) : viaJnaInt(IOCTL, new Object[] {fd, request, argp});
    }

    /** {@code SIOCGIFINDEX} from {@code <linux/sockios.h>}: interface name to index, on any socket's namespace. */
    public static final long SIOCGIFINDEX = 0x8933;
    /** {@code sizeof(struct ifreq)} on Linux x86_64/aarch64 ({@code <net/if.h>}). */
    public static final int IFREQ_SIZE = 40;
    /** {@code IFNAMSIZ} from {@code <linux/if.h>}; the ifreq's union follows the name at this offset. */
    public static final int IFNAMSIZ = 16;

    /** {@code ioctl} with an integer argument (e.g. {@code TUNSETPERSIST 1}). */
    public static int ioctl(int fd, long request, long arg) {
        return direct ? Direct.ioctl(fd, request, arg) : viaJnaInt(IOCTL, new Object[] {fd, request, arg});
    }

    /** {@code long syscall(long number, ...)} without arguments (glibc 2.2.5). */
    public static long syscall(long number) {
        return direct ? Direct.syscall(number) : viaJnaLong(SYSCALL, new Object[] {number});
    }

    /** {@code syscall} with two integer arguments. */
    public static long syscall(long number, long arg1, long arg2) {
        return direct ? Direct.syscall(number, arg1, arg2) : viaJnaLong(SYSCALL, new Object[] {number, arg1, arg2});
    }

    /** {@code syscall} with four integer (or pointer) arguments. */
    public static long syscall(long number, long arg1, long arg2, long arg3, long arg4) {
        return direct ? Direct.syscall(number, arg1, arg2, arg3, arg4)
                : viaJnaLong(SYSCALL, new Object[] {number, arg1, arg2, arg3, arg4});
    }

    /** The calling thread's id: {@code syscall(SYS_gettid)} (the {@code gettid} wrapper needs glibc 2.30). */
    public static int gettid() {
        return (int) syscall(ARCH.sysGettid);
    }

    /**
     * {@code pidfd_open(pid, 0)} through {@code syscall} (Linux 5.3+): a file descriptor that refers to the
     * process itself, not to whichever process later reuses its id; -1 with {@link #errno()} {@code ENOSYS} on
     * older kernels.
     */
    public static int pidfdOpen(int pid) {
        return (int) syscall(ARCH.sysPidfdOpen, pid, 0);
    }

    /**
     * {@code pidfd_send_signal(pidfd, sig, NULL, 0)} through {@code syscall}: with signal 0, whether the process
     * behind the pidfd is still alive (0) or has exited ({@code ESRCH}).
     */
    public static int pidfdSendSignal(int pidfd, int sig) {
        return (int) syscall(ARCH.sysPidfdSendSignal, pidfd, sig, 0, 0);
    }

    public static int geteuid() {
        return direct ? Direct.geteuid() : viaJnaInt(GETEUID, new Object[] {});
    }

    public static String strerror(int errnum) {
        return direct ? Direct.strerror(errnum) : viaJnaString(STRERROR, new Object[] {errnum});
    }

    /** libc's functions by direct mapping, registered by {@link Registrar}; call them only once {@link #direct}. */
    static final class Direct {
        private Direct() {}

        static native int socket(int domain, int type, int protocol);
        static native int bind(int fd, byte[] addr, int addrlen);
        static native int getsockname(int fd, byte[] addr, int[] addrlen);
        static native int setsockopt(int fd, int level, int optname, byte[] optval, int optlen);
        static native int getsockopt(int fd, int level, int optname, byte[] optval, int[] optlen);
        static native long sendto(int fd, Pointer buf, long len, int flags, byte[] destAddr, int addrlen);
        static native long sendto(int fd, byte[] buf, long len, int flags, byte[] destAddr, int addrlen);
        static native long recvfrom(int fd, Pointer buf, long len, int flags, byte[] srcAddr, int[] addrlen);
        static native int close(int fd);
        static native int flock(int fd, int operation);
        static native int listen(int fd, int backlog);
        static native int accept4(int fd, byte[] addr, int[] addrlen, int flags);
        static native int shutdown(int fd, int how);
        static native long read(int fd, byte[] buf, long count);
        static native int setns(int fd, int nstype);
        static native int unshare(int flags);
        static native int mount(String source, String target, String filesystemtype, long mountflags, Pointer data);
        static native int umount2(String target, int flags);
        static native int open(String pathname, int flags, int mode);
        static native int linkat(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);
        static native long write(int fd, byte[] buf, long count);
        static native int ioctl(int fd, long request, byte[] argp);
        static native int ioctl(int fd, long request, long arg);
        static native long syscall(long number);
        static native long syscall(long number, long arg1, long arg2);
        static native long syscall(long number, long arg1, long arg2, long arg3, long arg4);
        static native int geteuid();
        static native String strerror(int errnum);
    }

    /** errno of the last native call on this thread (JNA preserves it per thread right after the call). */
    public static int errno() {
        return Native.getLastError();
    }

    /** A direct buffer's native address. */
    public static Pointer pointer(java.nio.ByteBuffer directBuffer) {
        return Native.getDirectBufferPointer(directBuffer);
    }
}
