package io.netkit.core;

/**
 * The outcome of a process run inside a namespace by {@link Endpoint#exec(String...)}.
 *
 * @param exitCode the process's exit status
 * @param stdout   everything it wrote to standard output (UTF-8)
 * @param stderr   everything it wrote to standard error (UTF-8)
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
    /** Whether the process exited with status 0. */
    public boolean isSuccess() {
        return exitCode == 0;
    }
}
