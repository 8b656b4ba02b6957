package io.netkit.netlink.codec;

/**
 * Bridge {@code IFLA_AF_SPEC} attributes and flags used with {@code AF_BRIDGE} requests.
 *
 * <p>Source: {@code include/uapi/linux/if_bridge.h}.
 */
public final class IfBridgeConstants {
    private IfBridgeConstants() {}

    // BRIDGE_FLAGS_* for IFLA_BRIDGE_FLAGS
    public static final int BRIDGE_FLAGS_MASTER = 1;
    public static final int BRIDGE_FLAGS_SELF = 2;

    // Bridge management nested attributes (IFLA_AF_SPEC of AF_BRIDGE)
    public static final int IFLA_BRIDGE_FLAGS = 0;
    public static final int IFLA_BRIDGE_MODE = 1;
    public static final int IFLA_BRIDGE_VLAN_INFO = 2;

    // struct bridge_vlan_info flags
    public static final int BRIDGE_VLAN_INFO_MASTER = 1 << 0;
    public static final int BRIDGE_VLAN_INFO_PVID = 1 << 1;
    public static final int BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;

    // Port states (BR_STATE_*)
    public static final int BR_STATE_DISABLED = 0;
    public static final int BR_STATE_LISTENING = 1;
    public static final int BR_STATE_LEARNING = 2;
    public static final int BR_STATE_FORWARDING = 3;
    public static final int BR_STATE_BLOCKING = 4;
}
