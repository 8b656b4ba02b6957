package io.netkit.netlink;

/**
 * Kind-specific settings of a link, decoded from {@code IFLA_LINKINFO}/{@code IFLA_INFO_DATA}: the
 * {@code info_data} that {@code ip -d -j link show} prints. One record per kind netkit decodes; reach them
 * through {@link Link#vxlan()}, {@link Link#macvlan()}, {@link Link#tun()} and {@link Link#bridge()}.
 */
public sealed interface LinkInfo permits VxlanInfo, MacvlanInfo, TunInfo, BridgeInfo {
    /** The link kind these settings belong to ({@code IFLA_INFO_KIND}): "vxlan", "macvlan", "tun" or "bridge". */
    String kind();
}
