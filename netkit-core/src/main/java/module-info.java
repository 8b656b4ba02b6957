/**
 * netkit-core: container networks as a fluent Java API — {@link io.netkit.core.Network}, {@link io.netkit.core.Endpoint},
 * {@link io.netkit.core.Host}, {@link io.netkit.core.Sandbox}. Only {@code io.netkit.core} is exported;
 * {@code io.netkit.core.internal} is not for use outside netkit.
 */
module io.netkit.core {
    requires transitive io.netkit.netlink;
    requires io.netkit.iptables;
    requires io.netkit.nftables;
    requires org.slf4j;

    exports io.netkit.core;
}
