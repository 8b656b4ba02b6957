package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.netlink.codec.IfAddrConstants;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A receive failure in the middle of a batch keeps what was learned: which requests were applied. */
@Privileged
class BatchPartialKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void overrunReceiveBufferReportsAppliedAndUnconfirmedRequests() {
        NetNamespace ns = namespaces.create("partial");
        RtNetlink rt = ns.netlink();
        rt.links().create(LinkSpec.veth("b0", "b1"));
        int index = rt.links().index("b0");
        NetlinkSocket s = rt.socket();
        int count = 300;
        NetlinkBatch b = s.batch();
        for (int i = 0; i < count; i++) {
            byte[] ip = {10, 77, (byte) (i >> 8), (byte) (i & 0xFF)};
            b.add("add address", "10.77." + (i >> 8) + "." + (i & 0xFF) + "/32 dev b0", RtnetlinkConstants.RTM_NEWADDR,
                    NetlinkConstants.NLM_F_CREATE | NetlinkConstants.NLM_F_EXCL, w -> {
                        w.ifAddrMsg(RtnetlinkConstants.AF_INET, 32, 0, 0, index);
                        w.attrBytes(IfAddrConstants.IFA_LOCAL, ip);
                        w.attrBytes(IfAddrConstants.IFA_ADDRESS, ip);
                    });
        }
        SocketTestHooks.receiveBuffer(s, 1);   // the kernel's minimum: a few acks fit, the rest are dropped (ENOBUFS)
        NetlinkBatchException e = catchThrowableOfType(b::execute, NetlinkBatchException.class);
        assertThat(e).as("the batch must report the overrun").isNotNull();
        assertThat(e.receiveFailure()).isNotNull();
        assertThat(e.receiveFailure().errnoName()).isEqualTo("ENOBUFS");
        assertThat(e.unconfirmedIndices()).isNotEmpty();
        assertThat(e.failures()).isEmpty();
        Set<Integer> all = new TreeSet<>(e.appliedIndices());
        all.addAll(e.unconfirmedIndices());
        all.addAll(e.notSentIndices());
        assertThat(all).hasSize(count);
        assertThat(e.getMessage()).contains("stopped part-way").contains("unconfirmed").contains("ENOBUFS");
        SocketTestHooks.receiveBuffer(s, 1 << 20);   // a normal buffer again: the socket goes on working after the overrun
        // what it says was applied really is there; here every request was in fact carried out
        List<String> present = new ArrayList<>();
        for (Address a : rt.addresses().list("b0")) {
            present.add(a.prefix().toString());
        }
        for (int i : e.appliedIndices()) {
            assertThat(present).contains("10.77." + (i >> 8) + "." + (i & 0xFF) + "/32");
        }
        assertThat(present.stream().filter(p -> p.startsWith("10.77."))).hasSize(count);
    }
}
