import java.util.ArrayList;
import java.util.List;

/**
 * What linking a lambda costs a fresh JVM: 20 distinct lambda call sites, then 20 distinct method references, each
 * run once; prints the microseconds of each first run (the first includes the JVM's own first lambda linkage).
 * Generated (the call sites must be distinct in the source). Build and run as JnaStartProbe (no class path needed):
 *   mkdir -p /tmp/llp && javac -XDstringConcat=inline -d /tmp/llp benchmarks/harness/LambdaLinkProbe.java
 *   (cd /tmp/llp && jar cf llp.jar *.class) && java -XX:ArchiveClassesAtExit=/tmp/llp/llp.jsa -cp /tmp/llp/llp.jar LambdaLinkProbe
 *   java -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:SharedArchiveFile=/tmp/llp/llp.jsa -cp /tmp/llp/llp.jar LambdaLinkProbe
 */
public final class LambdaLinkProbe {
    private static int x;

    private LambdaLinkProbe() {}

    public static void main(String[] args) {
        List<Object> l = new ArrayList<>(List.of(1, 2));
        long[] t = new long[41];
        t[0] = System.nanoTime();
        l.forEach(o -> x += 0);
        t[1] = System.nanoTime();
        l.forEach(o -> x += 1);
        t[2] = System.nanoTime();
        l.forEach(o -> x += 2);
        t[3] = System.nanoTime();
        l.forEach(o -> x += 3);
        t[4] = System.nanoTime();
        l.forEach(o -> x += 4);
        t[5] = System.nanoTime();
        l.forEach(o -> x += 5);
        t[6] = System.nanoTime();
        l.forEach(o -> x += 6);
        t[7] = System.nanoTime();
        l.forEach(o -> x += 7);
        t[8] = System.nanoTime();
        l.forEach(o -> x += 8);
        t[9] = System.nanoTime();
        l.forEach(o -> x += 9);
        t[10] = System.nanoTime();
        l.forEach(o -> x += 10);
        t[11] = System.nanoTime();
        l.forEach(o -> x += 11);
        t[12] = System.nanoTime();
        l.forEach(o -> x += 12);
        t[13] = System.nanoTime();
        l.forEach(o -> x += 13);
        t[14] = System.nanoTime();
        l.forEach(o -> x += 14);
        t[15] = System.nanoTime();
        l.forEach(o -> x += 15);
        t[16] = System.nanoTime();
        l.forEach(o -> x += 16);
        t[17] = System.nanoTime();
        l.forEach(o -> x += 17);
        t[18] = System.nanoTime();
        l.forEach(o -> x += 18);
        t[19] = System.nanoTime();
        l.forEach(o -> x += 19);
        t[20] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m0);
        t[21] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m1);
        t[22] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m2);
        t[23] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m3);
        t[24] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m4);
        t[25] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m5);
        t[26] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m6);
        t[27] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m7);
        t[28] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m8);
        t[29] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m9);
        t[30] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m10);
        t[31] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m11);
        t[32] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m12);
        t[33] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m13);
        t[34] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m14);
        t[35] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m15);
        t[36] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m16);
        t[37] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m17);
        t[38] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m18);
        t[39] = System.nanoTime();
        l.forEach(LambdaLinkProbe::m19);
        t[40] = System.nanoTime();
        StringBuilder b = new StringBuilder("lambdas (us):");
        for (int i = 1; i < t.length; i++) {
            b.append(i == 21 ? " | method references:" : "").append(' ').append((t[i] - t[i - 1]) / 1000);
        }
        System.out.println(b);
    }

    private static void m0(Object o) {
        x += 0;
    }

    private static void m1(Object o) {
        x += 1;
    }

    private static void m2(Object o) {
        x += 2;
    }

    private static void m3(Object o) {
        x += 3;
    }

    private static void m4(Object o) {
        x += 4;
    }

    private static void m5(Object o) {
        x += 5;
    }

    private static void m6(Object o) {
        x += 6;
    }

    private static void m7(Object o) {
        x += 7;
    }

    private static void m8(Object o) {
        x += 8;
    }

    private static void m9(Object o) {
        x += 9;
    }

    private static void m10(Object o) {
        x += 10;
    }

    private static void m11(Object o) {
        x += 11;
    }

    private static void m12(Object o) {
        x += 12;
    }

    private static void m13(Object o) {
        x += 13;
    }

    private static void m14(Object o) {
        x += 14;
    }

    private static void m15(Object o) {
        x += 15;
    }

    private static void m16(Object o) {
        x += 16;
    }

    private static void m17(Object o) {
        x += 17;
    }

    private static void m18(Object o) {
        x += 18;
    }

    private static void m19(Object o) {
        x += 19;
    }

}
