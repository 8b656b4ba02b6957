package io.netkit.netlink;

/**
 * The settings of a tun or tap device ({@code ip -d link show} prints {@code tun type tap pi off vnet_hdr off
 * persist on}).
 *
 * @param type {@code IFLA_TUN_TYPE}: {@link #TYPE_TUN} (1, layer 3) or {@link #TYPE_TAP} (2, Ethernet); 0 when
 *     the kernel did not say
 * @param owner {@code IFLA_TUN_OWNER}: the uid allowed to attach ({@code user}), -1 for anyone
 * @param group {@code IFLA_TUN_GROUP}: the gid allowed to attach ({@code group}), -1 for any
 * @param pi {@code IFLA_TUN_PI}: packets carry the 4-byte packet information header
 * @param vnetHdr {@code IFLA_TUN_VNET_HDR}
 * @param persist {@code IFLA_TUN_PERSIST}: the device outlives its file descriptors
 * @param multiQueue {@code IFLA_TUN_MULTI_QUEUE}
 */
public record TunInfo(int type, long owner, long group, boolean pi, boolean vnetHdr, boolean persist,
                      boolean multiQueue) implements LinkInfo {
    /** {@code IFF_TUN} from {@code include/uapi/linux/if_tun.h}. */
    public static final int TYPE_TUN = 1;
    /** {@code IFF_TAP}. */
    public static final int TYPE_TAP = 2;

    /** "tun" (the kernel's kind for both tun and tap devices). */
    @Override
    public String kind() {
        return "tun";
    }

    /** "tun", "tap", or the number, as {@code ip} prints it. */
    public String typeName() {
        return type == TYPE_TUN ? "tun" : type == TYPE_TAP ? "tap" : Integer.toString(type);
    }
}
