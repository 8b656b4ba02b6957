package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.IFF_UP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_ADDRESS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFALIAS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MACVLAN_MODE;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MASTER;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_NET_NS_FD;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_TXQLEN;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_GROUP6;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_ID;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LEARNING;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LOCAL;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LOCAL6;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_PORT;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_TTL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.VethConstants.VETH_INFO_PEER;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.NlMsgWriter;

/**
 * Encodes the {@code RTM_NEWLINK} that creates a {@link LinkSpec}: the common attributes and the
 * {@code IFLA_INFO_DATA} of each kind (veth peer, vxlan, macvlan, vlan). Used by {@link Links#writeCreate}.
 */
final class LinkEncoder {
    /** {@code IFLA_VLAN_ID} from {@code include/uapi/linux/if_link.h}. */
    private static final int IFLA_VLAN_ID = 1;

    private LinkEncoder() {
    }

    /** The attributes any kind takes on creation (and a tun/tap takes right after it): mtu, MAC, txqueuelen, group, master. */
    static void writeCommon(NlMsgWriter w, LinkSpec.Fields f, int masterIndex) {
        if (f.mtu != 0) {
            w.attrU32(IFLA_MTU, f.mtu);
        }
        if (f.mac != null) {
            w.attrBytes(IFLA_ADDRESS, f.mac.bytes());
        }
        if (f.txQueueLen >= 0) {
            w.attrU32(IFLA_TXQLEN, f.txQueueLen);
        }
        if (f.hasGroup) {
            w.attrU32(IFLA_GROUP, f.group);
        }
        if (masterIndex != 0) {
            w.attrU32(IFLA_MASTER, masterIndex);
        }
    }

    /** The payload of the {@code RTM_NEWLINK} that creates {@code spec} (see {@link Links#writeCreate}). */
    static void writeCreate(NlMsgWriter w, LinkSpec spec, int masterIndex, int parentIndex, int deviceIndex) {
        LinkSpec.Fields f = spec.f;
        if (f.kind.equals("tun") || f.kind.equals("tap")) {
            throw new IllegalArgumentException("tun/tap links are not created with RTM_NEWLINK: " + spec);
        }
        int upFlags = f.up ? IFF_UP : 0;
        w.ifInfoMsg(AF_UNSPEC, 0, 0, upFlags, upFlags);
        w.attrString(IFLA_IFNAME, f.name);
        writeCommon(w, f, masterIndex);
        if (parentIndex != 0) {
            w.attrU32(IFLA_LINK, parentIndex);
        }
        if (f.namespace != null) {
            w.attrU32(IFLA_NET_NS_FD, f.namespace.fd());
        }
        w.beginNested(IFLA_LINKINFO);
        w.attrString(IFLA_INFO_KIND, f.kind);
        switch (f.kind) {
            case "veth":
                w.beginNested(IFLA_INFO_DATA);
                w.beginNested(VETH_INFO_PEER);
                w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                w.attrString(IFLA_IFNAME, f.peerName);
                if (f.peerNamespace != null) {
                    w.attrU32(IFLA_NET_NS_FD, f.peerNamespace.fd());
                }
                if (f.peerMtu != 0) {
                    w.attrU32(IFLA_MTU, f.peerMtu);
                }
                if (f.peerMac != null) {
                    w.attrBytes(IFLA_ADDRESS, f.peerMac.bytes());
                }
                w.endNested();
                w.endNested();
                break;
            case "vxlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU32(IFLA_VXLAN_ID, f.vni);
                if (f.remote != null) {
                    w.attrBytes(IpAddresses.isIpv4(f.remote) ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, f.remote.getAddress());
                }
                if (f.local != null) {
                    w.attrBytes(IpAddresses.isIpv4(f.local) ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, f.local.getAddress());
                }
                if (deviceIndex != 0) {
                    w.attrU32(IFLA_VXLAN_LINK, deviceIndex);
                }
                w.attrBe16(IFLA_VXLAN_PORT, f.port == 0 ? 4789 : f.port);
                if (f.learning != null) {
                    w.attrU8(IFLA_VXLAN_LEARNING, f.learning ? 1 : 0);
                }
                if (f.ttl >= 0) {
                    w.attrU8(IFLA_VXLAN_TTL, f.ttl);
                }
                w.endNested();
                break;
            case "macvlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU32(IFLA_MACVLAN_MODE, f.macvlanMode.value());
                w.endNested();
                break;
            case "vlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU16(IFLA_VLAN_ID, f.vlanId);
                w.endNested();
                break;
            default:
                break;
        }
        w.endNested();
    }

    /** A hairpin request needs a bridge port: refused before anything is sent. */
    static void checkHairpin(LinkSpec.Fields f) {
        if (f.hairpin && f.masterName == null && f.masterIndex == 0) {
            throw new IllegalArgumentException("hairpin on link \"" + f.name + "\" needs a bridge to be a port of: "
                    + "give the link a master, or leave hairpin out");
        }
    }

    static String followUpWhat(LinkSpec.Fields f) {
        return f.hairpin ? (f.alias != null ? "set link alias and bridge port hairpin on" : "set bridge port hairpin on")
                : "set link alias";
    }

    /** The alias and/or hairpin mode the kernel ignores on creation (one follow-up request). */
    static void writeFollowUp(NlMsgWriter w, LinkSpec.Fields f) {
        if (f.alias != null) {
            w.attrString(IFLA_IFALIAS, f.alias);
        }
        if (f.hairpin) {
            writeHairpin(w, true);
        }
    }

    /** {@code ip link set DEV type bridge_slave hairpin on|off}. */
    static void writeHairpin(NlMsgWriter w, boolean on) {
        w.beginNested(IFLA_LINKINFO);
        w.attrString(IfLinkConstants.IFLA_INFO_SLAVE_KIND, "bridge");
        w.beginNested(IfLinkConstants.IFLA_INFO_SLAVE_DATA);
        w.attrU8(IfLinkConstants.IFLA_BRPORT_MODE, on ? 1 : 0);
        w.endNested();
        w.endNested();
    }
}
