package io.netkit.core.internal;

import java.util.concurrent.ThreadFactory;

/**
 * Makes netkit's background threads: daemons (they never hold the JVM up), named for {@code jstack} and thread dumps.
 * A class rather than a lambda per executor: a fresh JVM links each distinct lambda once (~0.2 ms), and several
 * executors start on the first {@code Network.create()} and attach. Not for use outside netkit.
 */
public final class DaemonThreads implements ThreadFactory {
    private final String name;

    /** Threads named {@code name}. */
    public DaemonThreads(String name) {
        this.name = name;
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
