/**
 * netkit-iptables: firewall rules as typed values, rendered for {@code iptables-restore}, parsed from
 * {@code iptables-save}, applied atomically through one {@code iptables-restore --noflush --wait} per apply.
 *
 * <p>Only {@code io.netkit.iptables} is API; {@code io.netkit.iptables.internal} is not exported.
 */
module io.netkit.iptables {
    requires org.slf4j;

    exports io.netkit.iptables;
}
