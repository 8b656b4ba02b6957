package io.netkit.netlink.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's id, read once from the {@code /proc/self} link. {@code ProcessHandle.current()} would cost a fresh
 * JVM ~3 ms on its first call ({@code ProcessHandleImpl}'s initialiser sets up the JDK's process reaper), on the way
 * of every netkit program's first namespace call. Not part of the public API.
 */
public final class ProcessId {
    private ProcessId() {}

    /** The id of this process (what {@code getpid()} returns). */
    public static long pid() {
        return Holder.PID;
    }

    private static final class Holder {
        static final long PID = read();

        private static long read() {
            try {
                return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/self")).toString());
            } catch (IOException | NumberFormatException | UnsupportedOperationException e) {
                return ProcessHandle.current().pid();   // no /proc (netkit fails later with a clear error anyway)
            }
        }
    }
}
