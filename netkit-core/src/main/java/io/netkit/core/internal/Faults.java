package io.netkit.core.internal;

/**
 * Named crash points for netkit's own crash tests: when the system property {@code netkit.test.haltAt} names a
 * point, the process halts there at once ({@code Runtime.halt}, as abrupt as {@code kill -9}: no finally blocks, no
 * shutdown hooks), so a test can prove that any later process finds and finishes or undoes what was half-made.
 * Without the property every point is a single static read. Not for use outside netkit.
 */
public final class Faults {
    private static final String HALT_AT = System.getProperty("netkit.test.haltAt");

    /** A test's action at every point (e.g. another's commit at the right instant), or null. */
    private static volatile java.util.function.Consumer<String> hook;

    private Faults() {}

    /** Halts the process if the crash test asked for {@code name}; runs the test's hook, if one is set. */
    public static void point(String name) {
        if (HALT_AT != null && HALT_AT.equals(name)) {
            Runtime.getRuntime().halt(137);
        }
        java.util.function.Consumer<String> h = hook;
        if (h != null) {
            h.accept(name);
        }
    }

    /** Tests only: runs {@code action} with the name of every point reached (null: none). */
    public static void hook(java.util.function.Consumer<String> action) {
        hook = action;
    }
}
