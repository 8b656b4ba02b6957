package io.netkit.cni;

/**
 * A CNI error as the spec defines it: a code (1–7, 11, 50/51 from the spec; 100+ netkit's own, 999 internal), a
 * message and details, written to stdout as {@code {"cniVersion":..,"code":..,"msg":..,"details":..}} with a non-zero
 * exit code.
 */
public final class CniException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** 1: incompatible CNI version. */
    public static final int INCOMPATIBLE_VERSION = 1;
    /** 2: unsupported field in the network configuration. */
    public static final int UNSUPPORTED_FIELD = 2;
    /** 3: container unknown or does not exist (the runtime need not clean up). */
    public static final int UNKNOWN_CONTAINER = 3;
    /** 4: invalid necessary environment variables. */
    public static final int INVALID_ENVIRONMENT = 4;
    /** 5: I/O failure. */
    public static final int IO_FAILURE = 5;
    /** 6: failed to decode content (malformed JSON). */
    public static final int DECODING_FAILURE = 6;
    /** 7: invalid network configuration. */
    public static final int INVALID_NETWORK_CONFIG = 7;
    /** 11: try again later (a transient condition). */
    public static final int TRY_AGAIN_LATER = 11;
    /** 50: STATUS — the plugin cannot serve ADD requests now. */
    public static final int PLUGIN_NOT_AVAILABLE = 50;
    /** 51: STATUS — the plugin serves ADD requests, with limited connectivity. */
    public static final int LIMITED_CONNECTIVITY = 51;
    /** 100 (netkit): the container already has an attachment with this interface name (a second ADD). */
    public static final int ALREADY_ATTACHED = 100;
    /** 101 (netkit): every address of the subnet is allocated. */
    public static final int SUBNET_EXHAUSTED = 101;
    /** 102 (netkit): CHECK found the container's network differs from the ADD result. */
    public static final int DRIFT = 102;
    /** 999: an internal failure (libcni's {@code ErrInternal}); the message names the kernel operation. */
    public static final int INTERNAL = 999;

    private final int code;
    private final String details;

    /** An error with the spec's {@code code}, {@code msg} and {@code details}. */
    public CniException(int code, String msg, String details) {
        super(msg);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    /** As {@link #CniException(int, String, String)}, with the exception that caused it. */
    public CniException(int code, String msg, String details, Throwable cause) {
        super(msg, cause);
        this.code = code;
        this.details = details == null ? "" : details;
    }

    /** The CNI error code. */
    public int code() {
        return code;
    }

    /** The spec's {@code details}: what was found and what to do. */
    public String details() {
        return details;
    }
}
