package io.netkit.netlink;

import static io.netkit.netlink.KernelTestSupport.newLink;
import static io.netkit.netlink.codec.NetlinkConstants.NETLINK_ROUTE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.netkit.netlink.codec.NlMsgWriter;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link NetlinkSocket#executeDatagram}: several messages in ONE sendmsg, acks matched to their message. */
@Privileged
class NetlinkDatagramKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void messagesInOneDatagramAreAnsweredEachAndFailuresNamedByIndex() {
        NetNamespace ns = namespaces.create("dgram");
        try (NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NETLINK_ROUTE))) {
            NlMsgWriter w = new NlMsgWriter();
            String[] names = {"dga", "dgbad", "dgc"};
            String[] kinds = {"bridge", "nosuchkind", "bridge"};
            int[] offsets = new int[3];
            String[] ops = new String[3];
            for (int i = 0; i < 3; i++) {
                offsets[i] = w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 0, 0);
                Consumer<NlMsgWriter> body = newLink(names[i], kinds[i]);
                body.accept(w);
                w.endMessage();
                ops[i] = "create link";
            }
            NetlinkBatchException e = catchThrowableOfType(() -> s.executeDatagram(w, offsets, ops, names, 3),
                    NetlinkBatchException.class);
            assertThat(e.failedIndices()).containsExactly(1);
            assertThat(e.failures().get(0).target()).isEqualTo("dgbad");
            assertThat(e.failures().get(0).errnoName()).isEqualTo("EOPNOTSUPP");
            List<String> ip = IpJson.ip("-n", namespaces.name("dgram"), "link").stream()
                    .map(m -> (String) m.get("ifname")).collect(Collectors.toList());
            assertThat(ip).contains("dga", "dgc").doesNotContain("dgbad");
            // The socket stays in step: the next request gets its own answer.
            Integer type = s.request("get link", "lo", io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK, 0,
                    b -> b.ifInfoMsg(0, 0, 1, 0, 0), r -> r.type());
            assertThat(type.intValue()).isEqualTo(RTM_NEWLINK);
        }
    }
}
