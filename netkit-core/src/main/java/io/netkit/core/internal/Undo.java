package io.netkit.core.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An undo list for an operation made of several kernel changes: each completed step pushes how to take it back;
 * on failure {@link #rollback} runs them in reverse order. Failures while undoing are added as suppressed
 * exceptions to the original error and logged, never thrown instead of it. Not for use outside netkit.
 */
public final class Undo {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Undo.class);
    }

    /** One way to take a step back. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private record Entry(String description, Action action) {}

    private final String operation;
    private final Deque<Entry> entries = new ArrayDeque<>();

    public Undo(String operation) {
        this.operation = operation;
    }

    /** Records how to undo a completed step. */
    public void push(String description, Action action) {
        entries.push(new Entry(description, action));
    }

    /** Forgets all recorded steps (the operation succeeded). */
    public void commit() {
        entries.clear();
    }

    /** Runs the recorded undo actions newest first; their failures are attached to {@code cause}. */
    public void rollback(Throwable cause) {
        while (!entries.isEmpty()) {
            Entry e = entries.pop();
            try {
                e.action().run();
            } catch (Exception | Error ex) {
                Log.LOG.warn("{}: undo '{}' failed: {}", operation, e.description(), ex.toString());
                RuntimeException wrapped = new RuntimeException("undo '" + e.description() + "' failed: " + ex.getMessage(), ex);
                if (cause != null && cause != ex) {
                    cause.addSuppressed(wrapped);
                }
            }
        }
    }
}
