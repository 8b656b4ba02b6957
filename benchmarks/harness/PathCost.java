import io.netkit.netlink.internal.LibC;

/**
 * What a libc call costs through JNA's {@code Function} path (a fresh JVM's first calls, until the direct mapping is
 * registered) and through the direct mapping: 20,000 {@code getsockname} calls on a netlink socket (a {@code byte[]}
 * and an {@code int[]} argument, as {@code sendto}/{@code recvfrom} have) and 20,000 {@code geteuid} calls (none),
 * three rounds each path. The wait for registration is set far away so that the first rounds stay on the
 * {@code Function} path; the program then sleeps until the mapping is there.
 *
 *   CP=netkit-netlink/target/classes:$(find ~/.m2/repository/net/java/dev/jna/jna -name 'jna-5*.jar' | sort | tail -1)
 *   CP=$CP:$(find ~/.m2/repository/org/slf4j/slf4j-api -name 'slf4j-api-*.jar' | sort | tail -1)
 *   javac -cp $CP -d /tmp/pc benchmarks/harness/PathCost.java
 *   java -Dnetkit.jna.registerDelay=100000 -cp $CP:/tmp/pc PathCost
 */
public final class PathCost {
    private PathCost() {}

    public static void main(String[] args) throws Exception {
        byte[] addr = new byte[12];
        int[] len = {12};
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        addr[0] = LibC.AF_NETLINK;
        LibC.bind(fd, addr, addr.length);
        rounds(fd, addr, len);
        while (!LibC.directMapped()) {
            Thread.sleep(5);   // no calls: the registration's quiet moment
        }
        rounds(fd, addr, len);
        LibC.close(fd);
    }

    private static void rounds(int fd, byte[] addr, int[] len) {
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20000; i++) LibC.getsockname(fd, addr, len);
            long t1 = System.nanoTime();
            for (int i = 0; i < 20000; i++) LibC.geteuid();
            long t2 = System.nanoTime();
            System.out.printf("direct=%s getsockname %.2f us, geteuid %.2f us%n", LibC.directMapped(),
                    (t1 - t0) / 20000e3, (t2 - t1) / 20000e3);
        }
    }
}
