package io.netkit.netlink.codec;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.VethConstants.VETH_INFO_PEER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** The writer and the attribute cursor allocate nothing in steady state. */
class NlCodecAllocationTest {

    // Through reflection: the test is compiled inside module io.netkit.netlink, which does not read java.management.
    private static final Object MX;
    private static final java.lang.reflect.Method ALLOCATED;

    static {
        Object mx = null;
        java.lang.reflect.Method m = null;
        try {
            mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            m = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            // measured allocation is then unavailable and the test is skipped
        }
        MX = mx;
        ALLOCATED = m;
    }

    private static long allocated() {
        try {
            return (long) ALLOCATED.invoke(MX, Thread.currentThread().getId());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void encodeVeth(NlMsgWriter w, int seq) {
        w.reset();
        w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, 0);
        w.ifInfoMsg(0, 0, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "veth0");
        w.attrU32(IFLA_MTU, 1500);
        w.beginNested(IFLA_LINKINFO);
        w.attrString(IFLA_INFO_KIND, "veth");
        w.beginNested(IFLA_INFO_DATA);
        w.beginNested(VETH_INFO_PEER);
        w.ifInfoMsg(0, 0, 0, 0, 0);
        w.attrString(IFLA_IFNAME, "eth0");
        w.endNested().endNested().endNested();
        w.endMessage();
    }

    private static long walk(NlMsgReader r, NlAttrReader a, NlAttrReader nested) {
        long sum = 0;
        r.reset(r.buffer(), 0, r.buffer().limit());
        while (r.next()) {
            r.attributes(IFINFOMSG_LEN, a);
            while (a.next()) {
                sum += a.type() + a.payloadLength();
                if (a.type() == IFLA_MTU) {
                    sum += a.u32();
                } else if (a.type() == IFLA_LINKINFO) {
                    a.nested(nested);
                    while (nested.next()) {
                        sum += nested.type();
                    }
                }
            }
        }
        return sum;
    }

    @Test
    void steadyStateEncodingAndWalkingAllocateNothing() {
        assumeTrue(ALLOCATED != null, "com.sun.management.ThreadMXBean not available");
        allocated();   // warm the reflective path
        NlMsgWriter w = new NlMsgWriter();
        for (int i = 0; i < 50_000; i++) {
            encodeVeth(w, i);
        }
        long before = allocated();
        for (int i = 0; i < 200_000; i++) {
            encodeVeth(w, i);
        }
        long encodeBytes = allocated() - before;

        NlMsgReader r = new NlMsgReader(w.buffer());
        NlAttrReader a = new NlAttrReader();
        NlAttrReader nested = new NlAttrReader();
        long sink = 0;
        for (int i = 0; i < 50_000; i++) {
            sink += walk(r, a, nested);
        }
        before = allocated();
        for (int i = 0; i < 200_000; i++) {
            sink += walk(r, a, nested);
        }
        long walkBytes = allocated() - before;
        assertThat(sink).isPositive();
        // A few hundred bytes of slack for the measurement itself; one allocation per call would be megabytes.
        assertThat(encodeBytes).as("bytes allocated by 200k veth encodes").isLessThan(4096);
        assertThat(walkBytes).as("bytes allocated by 200k attribute walks").isLessThan(4096);
    }
}
