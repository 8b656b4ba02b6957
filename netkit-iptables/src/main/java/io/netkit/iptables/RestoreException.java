package io.netkit.iptables;

import java.util.List;

/**
 * {@code iptables-restore} rejected a payload; nothing of the failing table block was applied (each block is
 * one atomic commit). The message quotes the failing payload line and the tool's message, for example:
 * <pre>
 * iptables-nft-restore failed at payload line 4 "-A FORWARD -j NOSUCH": iptables-nft-restore v1.8.9 (nf_tables):
 * Chain 'NOSUCH' does not exist
 * </pre>
 */
public class RestoreException extends IptablesException {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;
    private final String line;
    private final String payload;

    public RestoreException(String message, List<String> command, int exitCode, String toolMessage,
                            int lineNumber, String line, String payload) {
        super(message, command, exitCode, toolMessage, null);
        this.lineNumber = lineNumber;
        this.line = line;
        this.payload = payload;
    }

    /** The 1-based payload line the tool reported, or 0 when it named none. */
    public int lineNumber() {
        return lineNumber;
    }

    /** The text of that payload line, or "" when unknown. */
    public String line() {
        return line;
    }

    /** The whole payload that was fed to the tool. */
    public String payload() {
        return payload;
    }
}
