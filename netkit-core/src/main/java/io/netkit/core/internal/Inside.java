package io.netkit.core.internal;

import static io.netkit.netlink.codec.IfAddrConstants.IFA_ADDRESS;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_BROADCAST;
import static io.netkit.netlink.codec.IfAddrConstants.IFA_LOCAL;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_AF_SPEC;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INET_CONF;
import static io.netkit.netlink.codec.IfLinkConstants.IPV4_DEVCONF_ARP_NOTIFY;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_INET6;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_GATEWAY;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTA_OIF;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWROUTE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTN_UNICAST;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTPROT_BOOT;
import static io.netkit.netlink.codec.RtnetlinkConstants.RT_SCOPE_UNIVERSE;
import static io.netkit.netlink.codec.RtnetlinkConstants.RT_TABLE_MAIN;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.NetlinkBatch;
import io.netkit.netlink.NetlinkBatchException;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.RtNetlink;
import java.net.InetAddress;

/**
 * The container side of an attach as ONE batch of requests (one {@code sendmsg}, the acks read together), by
 * interface index so no name lookups are needed:
 * <pre>
 * ip netns exec NS sysctl -w net.ipv4.conf.eth0.arp_notify=1    (as IFLA_AF_SPEC/AF_INET/IFLA_INET_CONF, in the
 * ip -n NS link set eth0 up                                      same request as the "up")
 * ip -n NS addr add 172.16.0.2/24 brd 172.16.0.255 dev eth0
 * ip -n NS link set lo up                                        (left out when lo is up already)
 * ip -n NS route add default via 172.16.0.1 dev eth0
 * ip -n NS addr add fd00:16::2/64 dev eth0 nodad                 (dual stack: usable at once, never tentative)
 * ip -n NS -6 route add default via fd00:16::1 dev eth0
 * </pre>
 * Not for use outside netkit.
 */
public final class Inside {
    /** {@code LOOPBACK_IFINDEX} from {@code include/net/net_namespace.h}: lo is index 1 in every namespace. */
    private static final int LOOPBACK_IFINDEX = 1;

    private Inside() {}

    /** A failed request of the batch: which step it was, and the kernel's error. */
    public static final class StepException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String step;

        StepException(String step, NetlinkException cause) {
            super(cause.getMessage(), cause);
            this.step = step;
        }

        public String step() {
            return step;
        }
    }

    /**
     * Configures interface {@code ifindex} ({@code ifname}) in the namespace of {@code rt}.
     *
     * @throws StepException naming the first request that failed
     */
    public static void configure(RtNetlink rt, int ifindex, String ifname, IpPrefix address, InetAddress gateway) {
        configure(rt, ifindex, ifname, address, gateway, null, null);
    }

    /**
     * As {@link #configure(RtNetlink, int, String, IpPrefix, InetAddress)}, plus (when {@code address6} is not
     * {@code null}) the IPv6 address with {@code IFA_F_NODAD} and the IPv6 default route via {@code gateway6}, in
     * the same batch.
     */
    public static void configure(RtNetlink rt, int ifindex, String ifname, IpPrefix address, InetAddress gateway,
                                 IpPrefix address6, InetAddress gateway6) {
        configure(rt, ifindex, ifname, address, gateway, address6, gateway6, true);
    }

    /**
     * As {@link #configure(RtNetlink, int, String, IpPrefix, InetAddress, IpPrefix, InetAddress)}; {@code loopbackUp}
     * false leaves out "lo up" (a namespace netkit made has lo up from its making: {@code NamespaceTemplate}).
     */
    public static void configure(RtNetlink rt, int ifindex, String ifname, IpPrefix address, InetAddress gateway,
                                 IpPrefix address6, InetAddress gateway6, boolean loopbackUp) {
        // address and gateway are null on an IPv6-only network
        byte[] local = address == null ? null : address.address().getAddress();
        byte[] broadcast = address == null ? null : address.broadcast().getAddress();
        byte[] gw = gateway == null ? null : gateway.getAddress();
        String notifyStep = "set net.ipv4.conf." + ifname + ".arp_notify=1";
        String addStep = "add address " + address + " to " + ifname;
        String upStep = "bring up " + ifname + " (and " + notifyStep + ")";
        String loStep = "bring up lo";
        String routeStep = "add default route via " + (gateway == null ? "-" : IpAddresses.format(gateway)) + " dev " + ifname;
        NetlinkBatch batch = rt.socket().batch();
        // Up before the address (as the CNI plugins do): a link going up with an address makes the kernel announce
        // it and start IPv6 at once, and the announcement floods every port of the bridge within this request.
        // netkit announces the address itself afterwards, off the caller's thread (see Network.attach). arp_notify
        // rides in the same request: the kernel applies the flags first, then IFLA_AF_SPEC, and eth0 has no address
        // to announce when it goes up, so this is what the two requests did one after the other.
        batch.add(upStep, ifname, RTM_NEWLINK, 0, w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, ifindex, Link.IFF_UP, Link.IFF_UP);
            w.beginNested(IFLA_AF_SPEC).beginNested(AF_INET).beginNested(IFLA_INET_CONF)
                    .attrU32(IPV4_DEVCONF_ARP_NOTIFY, 1).endNested().endNested().endNested();
        });
        if (address != null) {
            batch.add(addStep, ifname, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, w -> {
                w.ifAddrMsg(AF_INET, address.prefixLength(), 0, RT_SCOPE_UNIVERSE, ifindex);
                w.attrBytes(IFA_LOCAL, local);
                w.attrBytes(IFA_ADDRESS, local);
                w.attrBytes(IFA_BROADCAST, broadcast);
            });
        }
        if (loopbackUp) {
            batch.add(loStep, "lo", RTM_NEWLINK, 0, w -> w.ifInfoMsg(AF_UNSPEC, 0, LOOPBACK_IFINDEX, Link.IFF_UP, Link.IFF_UP));
        }
        if (address != null) {
            batch.add(routeStep, "default", RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, w -> {
                w.rtMsg(AF_INET, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0);
                w.attrBytes(RTA_GATEWAY, gw);
                w.attrU32(RTA_OIF, ifindex);
            });
        }
        if (address6 != null) {
            byte[] local6 = address6.address().getAddress();
            byte[] gw6 = gateway6.getAddress();
            batch.add("add address " + address6 + " to " + ifname + " (nodad)", ifname, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, w -> {
                w.ifAddrMsg(AF_INET6, address6.prefixLength(), io.netkit.netlink.Address.IFA_F_NODAD, RT_SCOPE_UNIVERSE, ifindex);
                w.attrBytes(IFA_LOCAL, local6);
                w.attrBytes(IFA_ADDRESS, local6);
            });
            batch.add("add IPv6 default route via " + IpAddresses.format(gateway6) + " dev " + ifname, "default",
                    RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, w -> {
                        w.rtMsg(AF_INET6, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0);
                        w.attrBytes(RTA_GATEWAY, gw6);
                        w.attrU32(RTA_OIF, ifindex);
                    });
        }
        try {
            batch.execute();
        } catch (NetlinkBatchException e) {
            NetlinkException first = e.failures().get(0);
            throw new StepException(first.operation(), first);
        }
    }
}
