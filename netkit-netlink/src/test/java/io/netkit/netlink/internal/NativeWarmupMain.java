package io.netkit.netlink.internal;

import java.util.concurrent.TimeUnit;

/**
 * Run by {@link NativeWarmupTest} in a JVM of its own: initialises {@code NetNamespace} only, then reports whether
 * JNA's native part got loaded ({@code jnidispatch.path}, which JNA sets when it loads it) without this thread making
 * any native call, and finally makes one.
 */
public final class NativeWarmupMain {
    private NativeWarmupMain() {}

    public static void main(String[] args) throws Exception {
        Class.forName("io.netkit.netlink.NetNamespace", true, NativeWarmupMain.class.getClassLoader());
        if (args.length > 0 && args[0].equals("wait")) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.getProperty("jnidispatch.path") == null && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
        System.out.println("loaded before any call=" + (System.getProperty("jnidispatch.path") != null));
        System.out.println("current=" + (io.netkit.netlink.NetNamespace.current().inode() > 0)
                + " loaded=" + (System.getProperty("jnidispatch.path") != null));
    }
}
