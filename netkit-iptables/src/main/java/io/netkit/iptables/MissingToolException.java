package io.netkit.iptables;

import java.util.List;

/**
 * An iptables binary is not installed (or not on the PATH of the process that runs it). The message names the
 * Debian package to install: {@code iptables} (it provides both the nft and the legacy tools).
 */
public class MissingToolException extends IptablesException {
    private static final long serialVersionUID = 1L;

    /** The Debian package providing every tool netkit runs. */
    public static final String DEBIAN_PACKAGE = "iptables";

    private final String tool;

    public MissingToolException(String tool, List<String> command, Throwable cause) {
        super(tool + " not found: install the Debian package '" + DEBIAN_PACKAGE + "' (apt-get install "
                + DEBIAN_PACKAGE + "), which provides " + tool, command, -1, "", cause);
        this.tool = tool;
    }

    /** The missing binary, e.g. {@code iptables-legacy-restore}. */
    public String tool() {
        return tool;
    }
}
