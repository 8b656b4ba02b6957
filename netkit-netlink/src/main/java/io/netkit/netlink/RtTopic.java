package io.netkit.netlink;

import io.netkit.netlink.codec.RtnetlinkConstants;

/** What an {@link RtWatch} listens to: rtnetlink multicast groups, as the objects of {@code ip monitor OBJECT}. */
public enum RtTopic {
    /** Links: {@code RTNLGRP_LINK} ({@code ip monitor link}). */
    LINKS(RtnetlinkConstants.RTNLGRP_LINK),
    /** IPv4 and IPv6 addresses: {@code RTNLGRP_IPV4_IFADDR}, {@code RTNLGRP_IPV6_IFADDR} ({@code ip monitor address}). */
    ADDRESSES(RtnetlinkConstants.RTNLGRP_IPV4_IFADDR, RtnetlinkConstants.RTNLGRP_IPV6_IFADDR),
    /** IPv4 and IPv6 routes of every table: {@code RTNLGRP_IPV4_ROUTE}, {@code RTNLGRP_IPV6_ROUTE} ({@code ip monitor route}). */
    ROUTES(RtnetlinkConstants.RTNLGRP_IPV4_ROUTE, RtnetlinkConstants.RTNLGRP_IPV6_ROUTE),
    /** ARP/NDP and FDB entries: {@code RTNLGRP_NEIGH} ({@code ip monitor neigh}, {@code bridge monitor fdb}). */
    NEIGHBORS(RtnetlinkConstants.RTNLGRP_NEIGH);

    private final int[] groups;

    RtTopic(int... groups) {
        this.groups = groups;
    }

    int[] groups() {
        return groups.clone();
    }
}
