package io.netkit.netlink;

import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A dump abandoned half-way (its decoder threw an Error) must not break the next dump on the same socket. */
@Privileged
class AbandonedDumpTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void aDumpAbandonedByAnErrorLeavesTheSocketUsable() {
        NetNamespace ns = namespaces.create("ad");
        RtNetlink rt = ns.netlink();
        List<LinkSpec> specs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            specs.add(LinkSpec.bridge("ab" + i));
        }
        rt.links().createAll(specs);
        for (int round = 0; round < 3; round++) {
            assertThatThrownBy(() -> rt.socket().dump("list links", RTM_GETLINK,
                    w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0), m -> {
                        throw new AssertionError("decoder bug");
                    })).isInstanceOf(AssertionError.class);
            assertThat(rt.links().list()).hasSize(41);
            assertThat(rt.links().get("ab7").name()).isEqualTo("ab7");
        }
        // given up after its first datagram (as after a receive timeout or a malformed datagram)
        for (int round = 0; round < 3; round++) {
            SocketTestHooks.abandonDump(rt.socket(), RTM_GETLINK, w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0));
            assertThat(rt.links().get("ab9").name()).isEqualTo("ab9");   // a request in between skips the rest
            SocketTestHooks.abandonDump(rt.socket(), RTM_GETLINK, w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0));
            assertThat(rt.links().list()).hasSize(41);
        }
    }
}
