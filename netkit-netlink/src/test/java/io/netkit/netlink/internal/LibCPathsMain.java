package io.netkit.netlink.internal;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child process of {@link LibCRegistrationTest}: the same libc calls right after {@link LibC} loads (in a fresh JVM
 * with the background registration, through JNA {@code Function}s) and again once the direct mapping is registered.
 * Prints one line per round: {@code round direct=<bool> <results>}, then {@code done}. With {@code steady} or
 * {@code busy} it first calls libc for 600 ms (every 2 ms, or without a pause) and prints whether the direct mapping
 * arrived meanwhile.
 */
public final class LibCPathsMain {
    private LibCPathsMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            // 600 ms of libc calls: one every 2 ms ("steady": never quiet, and fewer than LibC.BUSY_CALLS), or
            // without a pause ("busy": past BUSY_CALLS within a millisecond)
            boolean steady = args[0].equals("steady");
            long end = System.nanoTime() + 600_000_000L;
            boolean everDirect = false;
            int calls = 0;
            while (System.nanoTime() < end) {
                LibC.geteuid();
                calls++;
                everDirect |= LibC.directMapped();
                if (steady) Thread.sleep(2);
            }
            // wait out a registration under way (it takes up to ~60 ms), then look again
            Thread.sleep(steady ? 0 : 2000);
            everDirect |= LibC.directMapped();
            System.out.println(args[0] + " direct=" + everDirect + " calls<busy=" + (calls < LibC.BUSY_CALLS));
        }
        System.out.println(round("first"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!LibC.directMapped() && LibC.registrationFailure() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        System.out.println(round("later"));
        System.out.println("done failure=" + LibC.registrationFailure());
    }

    /** close(-1) and open of a missing file (errno), a netlink socket's bound port id, strerror, gettid. */
    private static String round(String name) throws Exception {
        boolean direct = LibC.directMapped();
        int closed = LibC.close(-1);
        int closeErrno = LibC.errno();
        int opened = LibC.open("/nonexistent-netkit-probe", LibC.O_RDONLY, 0);
        int openErrno = LibC.errno();
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        byte[] addr = new byte[12];
        addr[0] = LibC.AF_NETLINK;
        int bound = LibC.bind(fd, addr, addr.length);
        byte[] got = new byte[12];
        int[] len = {got.length};
        int named = LibC.getsockname(fd, got, len);
        int portId = (got[4] & 0xff) | (got[5] & 0xff) << 8 | (got[6] & 0xff) << 16 | (got[7] & 0xff) << 24;
        LibC.close(fd);
        int tid = LibC.gettid();
        int procTid = Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        return name + " direct=" + direct + " close=" + closed + "/" + closeErrno + " open=" + opened + "/" + openErrno
                + " bind=" + bound + " getsockname=" + named + "/" + len[0] + " port=" + (portId > 0)
                + " strerror=" + LibC.strerror(2) + " tid=" + (tid == procTid);
    }
}
