package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;

import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Raw rtnetlink requests for socket tests (the typed operations live in Links etc.). */
final class KernelTestSupport {
    private KernelTestSupport() {}

    /** ip link add NAME type KIND */
    static Consumer<NlMsgWriter> newLink(String name, String kind) {
        return w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
            w.attrString(IFLA_IFNAME, name);
            w.beginNested(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, kind).endNested();
        };
    }

    static void createLink(NetlinkSocket s, String name, String kind) {
        s.execute("create link", name, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, newLink(name, kind));
    }

    static String linkName(NlMsgReader m) {
        if (m.type() != RTM_NEWLINK) {
            return null;
        }
        NlAttrReader a = m.attributes(IFINFOMSG_LEN);
        return a.seek(IFLA_IFNAME) ? a.string() : null;
    }

    static List<String> dumpLinkNames(NetlinkSocket s) {
        return s.dump("list links", RTM_GETLINK, w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0), KernelTestSupport::linkName);
    }

    /** ip link show NAME, by name without a dump; returns the index. */
    static int linkIndex(NetlinkSocket s, String name) {
        Integer idx = s.request("get link", name, RTM_GETLINK, 0, w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
            w.attrString(IFLA_IFNAME, name);
        }, m -> m.s32(4));
        return idx;
    }

    static long threadNetnsInode() throws Exception {
        return ((Number) Files.getAttribute(Path.of("/proc/thread-self/ns/net"), "unix:ino")).longValue();
    }
}
