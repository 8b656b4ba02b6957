/**
 * netkit-netlink: the kernel boundary of netkit. Netlink sockets and the rtnetlink codec, network
 * namespaces and sysctl, over JNA.
 */
module io.netkit.netlink {
    requires com.sun.jna;
    requires org.slf4j;

    exports io.netkit.netlink;
    exports io.netkit.netlink.codec;
}
