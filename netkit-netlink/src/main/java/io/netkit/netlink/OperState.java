package io.netkit.netlink;

/**
 * RFC 2863 operational state of a link ({@code IF_OPER_*} in {@code include/uapi/linux/if.h}), as shown in the
 * {@code state} column of {@code ip link show}.
 */
public enum OperState {
    /** {@code IF_OPER_UNKNOWN} (0): the driver does not track it (loopback, tun). */
    UNKNOWN,
    /** {@code IF_OPER_NOTPRESENT} (1). */
    NOTPRESENT,
    /** {@code IF_OPER_DOWN} (2). */
    DOWN,
    /** {@code IF_OPER_LOWERLAYERDOWN} (3): e.g. a veth whose peer is down. */
    LOWERLAYERDOWN,
    /** {@code IF_OPER_TESTING} (4). */
    TESTING,
    /** {@code IF_OPER_DORMANT} (5). */
    DORMANT,
    /** {@code IF_OPER_UP} (6). */
    UP;

    private static final OperState[] VALUES = values();

    /** The state for the kernel's {@code IFLA_OPERSTATE} byte; unknown values map to {@link #UNKNOWN}. */
    public static OperState of(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNKNOWN;
    }

    /** The kernel's numeric value. */
    public int code() {
        return ordinal();
    }
}
