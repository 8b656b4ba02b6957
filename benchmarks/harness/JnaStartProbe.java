/**
 * What JNA's start costs a fresh JVM, step by step, in a program that does nothing else: java.util.logging's first
 * logger (JNA's Native has a static one), then JNA's Native, then libc. Prints "jul X us, jna Y us, libc Z us".
 *
 * As root or not, from the repository root (JNA from the local Maven repository; DIR = a directory holding JNA's
 * libjnidispatch.so, e.g. one of ~/.cache/netkit/jna/*):
 *   JNA=~/.m2/repository/net/java/dev/jna/jna/5.17.0/jna-5.17.0.jar; mkdir -p /tmp/jsp
 *   javac -XDstringConcat=inline -cp $JNA -d /tmp/jsp benchmarks/harness/JnaStartProbe.java
 *   (cd /tmp/jsp && jar cf jsp.jar *.class)
 *   java -XX:ArchiveClassesAtExit=/tmp/jsp/jsp.jsa -cp $JNA:/tmp/jsp/jsp.jar JnaStartProbe DIR
 *   java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:SharedArchiveFile=/tmp/jsp/jsp.jsa \
 *       -cp $JNA:/tmp/jsp/jsp.jar JnaStartProbe DIR
 */
public final class JnaStartProbe {
    private JnaStartProbe() {}

    public static void main(String[] args) throws Exception {
        System.setProperty("jna.boot.library.path", args[0]);   // as netkit's cache does
        System.setProperty("jna.platform.library.path", "/usr/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu");
        long t0 = System.nanoTime();
        java.util.logging.Logger.getLogger("probe");
        long t1 = System.nanoTime();
        Class.forName("com.sun.jna.Native");
        long t2 = System.nanoTime();
        com.sun.jna.NativeLibrary.getInstance("libc.so.6");
        long t3 = System.nanoTime();
        System.out.println("jul " + (t1 - t0) / 1000 + " us, jna " + (t2 - t1) / 1000 + " us, libc " + (t3 - t2) / 1000
                + " us");
    }
}
