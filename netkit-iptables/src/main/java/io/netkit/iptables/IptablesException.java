package io.netkit.iptables;

import java.util.List;

/**
 * An iptables tool failed or could not be run. The message says what was attempted, the exit code and the
 * tool's own message.
 */
public class IptablesException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> command;
    private final int exitCode;
    private final String toolMessage;

    /** @param exitCode -1 when the process did not run or did not finish */
    public IptablesException(String message, List<String> command, int exitCode, String toolMessage, Throwable cause) {
        super(message, cause);
        this.command = command == null ? List.of() : List.copyOf(command);
        this.exitCode = exitCode;
        this.toolMessage = toolMessage == null ? "" : toolMessage;
    }

    /** The argv that was run ({@code [iptables-nft-restore, --noflush, --wait]}). */
    public List<String> command() {
        return command;
    }

    /** The exit status, or -1 when the process did not run or timed out. */
    public int exitCode() {
        return exitCode;
    }

    /** What the tool printed on stderr (trimmed), or "". */
    public String toolMessage() {
        return toolMessage;
    }
}
