package io.netkit.netlink.codec;

/**
 * veth attributes: the peer is described by a nested {@code VETH_INFO_PEER} that starts with a
 * {@code struct ifinfomsg} followed by ordinary {@code IFLA_*} attributes.
 *
 * <p>Source: {@code include/uapi/linux/veth.h}.
 */
public final class VethConstants {
    private VethConstants() {}

    public static final int VETH_INFO_UNSPEC = 0;
    public static final int VETH_INFO_PEER = 1;
}
