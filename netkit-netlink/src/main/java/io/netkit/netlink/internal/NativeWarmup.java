package io.netkit.netlink.internal;

/**
 * Starts loading netkit's native layer ({@link LibC}'s class initialisation: JNA's native part, libc and its
 * functions, about 20–40 ms in a fresh JVM) on a daemon thread ({@code netkit-native-load}), and opening the class
 * path's jars for the service lookup that load makes on another ({@code netkit-classpath-open}), when
 * {@code NetNamespace} is first used, so that it overlaps what the caller's thread does meanwhile (binding slf4j,
 * loading netkit's classes). The caller's first native call then finds it done, or waits for the rest on the
 * JVM's class-initialisation lock; a failure surfaces there ({@code NoClassDefFoundError} whose cause names the
 * original error). {@code -Dnetkit.native.warmup=false} leaves all of it to the first call. Not part of the public
 * API.
 *
 * <p>No lambda, method reference or atomic class here: in a fresh JVM the first of each sets up the JDK's
 * method-handle machinery (~6 ms) or its var handles (~1 ms), which delayed the threads' start by as much. The
 * machinery is now first set up inside the load (JNA's logging start needs it), while the caller waits anyway.
 */
public final class NativeWarmup {
    /** {@code -Dnetkit.native.warmup=false}: no background load. */
    public static final String PROPERTY = "netkit.native.warmup";
    private static volatile boolean started;

    private NativeWarmup() {}

    /** Starts the background load once per JVM (idempotent, cheap after the first call). */
    public static void start() {
        if (started || !claim() || "false".equals(System.getProperty(PROPERTY))) {
            return;
        }
        // an architecture netkit does not know: the caller's own first call meets LibC's clear error directly
        if (LibC.Arch.of(System.getProperty("os.arch", "")) == null
                || !"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
            return;
        }
        Thread t = new Step("netkit-native-load", false);
        t.setDaemon(true);
        t.start();
        Thread p = new Step("netkit-classpath-open", true);
        p.setDaemon(true);
        p.start();
    }

    private static synchronized boolean claim() {
        if (started) return false;
        started = true;
        return true;
    }

    /** One of the two background steps, as a class of its own (a lambda would link the machinery first). */
    private static final class Step extends Thread {
        private final boolean classPath;

        Step(String name, boolean classPath) {
            super(name);
            this.classPath = classPath;
        }

        @Override
        public void run() {
            if (classPath) openClassPath();
            else load();
        }
    }

    /**
     * JNA's start initialises {@code java.util.logging} (a static logger of its {@code Native}), which looks up a
     * {@code System.LoggerFinder} service over the whole class path: the first such lookup opens and indexes every
     * jar on it (~10 ms for a fat jar's 11,000 entries). Doing that lookup here, beside the JNA load's first steps,
     * gives it a head start: measured, the native layer of a fresh JVM's first call 42 -> 38 ms.
     */
    private static void openClassPath() {
        try {
            java.util.Enumeration<java.net.URL> found = ClassLoader.getSystemClassLoader()
                    .getResources("META-INF/services/java.lang.System$LoggerFinder");
            while (found.hasMoreElements()) {
                found.nextElement();
            }
        } catch (java.io.IOException | RuntimeException e) {
            // only a head start: the lookup itself happens again, on the loading thread
        }
    }

    private static void load() {
        try {
            Class.forName(LibC.class.getName(), true, NativeWarmup.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // LibC is now erroneous: the caller's first native call reports the cause
        }
    }
}
