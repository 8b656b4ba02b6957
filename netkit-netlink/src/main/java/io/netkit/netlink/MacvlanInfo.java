package io.netkit.netlink;

/**
 * The settings of a macvlan device ({@code ip -d link show} prints {@code macvlan mode bridge}).
 *
 * @param mode {@code IFLA_MACVLAN_MODE}: {@link #MODE_PRIVATE} (1), {@link #MODE_VEPA} (2),
 *     {@link #MODE_BRIDGE} (4), {@link #MODE_PASSTHRU} (8), {@link #MODE_SOURCE} (16); 0 when the kernel did not say
 * @param flags {@code IFLA_MACVLAN_FLAGS} ({@code MACVLAN_FLAG_NOPROMISC} 1, ...)
 */
public record MacvlanInfo(int mode, int flags) implements LinkInfo {
    /** {@code MACVLAN_MODE_PRIVATE} from {@code include/uapi/linux/if_link.h}. */
    public static final int MODE_PRIVATE = 1;
    /** {@code MACVLAN_MODE_VEPA}. */
    public static final int MODE_VEPA = 2;
    /** {@code MACVLAN_MODE_BRIDGE}. */
    public static final int MODE_BRIDGE = 4;
    /** {@code MACVLAN_MODE_PASSTHRU}. */
    public static final int MODE_PASSTHRU = 8;
    /** {@code MACVLAN_MODE_SOURCE}. */
    public static final int MODE_SOURCE = 16;

    /** "macvlan". */
    @Override
    public String kind() {
        return "macvlan";
    }

    /** The mode as {@code ip} names it: "private", "vepa", "bridge", "passthru", "source", or the number. */
    public String modeName() {
        switch (mode) {
            case MODE_PRIVATE: return "private";
            case MODE_VEPA: return "vepa";
            case MODE_BRIDGE: return "bridge";
            case MODE_PASSTHRU: return "passthru";
            case MODE_SOURCE: return "source";
            default: return Integer.toString(mode);
        }
    }
}
