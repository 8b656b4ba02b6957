package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.testing.IpJson;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change preceded by a lookup of its link in the same datagram ({@link NetlinkSocket#executeAfterLookup}, used by
 * {@link Links#setUp}): only the change's answer counts, the socket stays in step, and the kernel still brings both
 * ends of a fresh veth pair up with their IPv6 link-local addresses (configured in its link-watch worker).
 */
@Privileged
class LookupFirstKernelTest {

    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void freshVethPairSetUpEndToEndHasBothEndsUpWithIpv6LinkLocal() throws Exception {
        NetNamespace ns = namespaces.create("pair");
        String name = ns.name().orElseThrow();
        Links links = ns.netlink().links();
        links.create(LinkSpec.veth("lfa0", "lfb0"));
        links.setUp("lfa0");
        links.setUp("lfb0");
        for (String dev : List.of("lfa0", "lfb0")) {
            Map<String, Object> link = IpJson.ip("-n", name, "link", "show", "dev", dev).get(0);
            assertThat(List.<Object>copyOf((List<?>) link.get("flags"))).as(dev).contains("UP", "LOWER_UP");
            // the link-watch worker sets the operational state and IPv6 up after the carrier came: poll for it
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!linkLocal(name, dev) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(linkLocal(name, dev)).as("fe80:: address on " + dev).isTrue();
            assertThat(IpJson.ip("-n", name, "link", "show", "dev", dev).get(0).get("operstate")).isEqualTo("UP");
        }
        assertThat(links.get("lfa0").flags() & 1).isEqualTo(1);   // the socket answers the next request in step
    }

    @Test
    void onlyTheChangeIsAnsweredAndTheSocketStaysInStep() {
        NetNamespace ns = namespaces.create("step");
        NetlinkSocket s = ns.netlink().socket();
        // the lookup fails too (ENODEV): its error is not the answer, the change's own is
        assertThatThrownBy(() -> s.executeAfterLookup("set link up", "nope0", "nope0", RtnetlinkConstants.RTM_NEWLINK, 0,
                w -> {
                    w.ifInfoMsg(0, 0, 0, 1, 1);
                    w.attrString(IfLinkConstants.IFLA_IFNAME, "nope0");
                })).isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENODEV");
                    assertThat(e).hasMessageStartingWith("set link up nope0: ENODEV");
                });
        assertThatThrownBy(() -> ns.netlink().links().setUp("nope0")).isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("nope0");
        // an offending attribute is named at its offset in the change, not in the lookup before it
        assertThatThrownBy(() -> s.executeAfterLookup("set link mtu", "lo", "lo", RtnetlinkConstants.RTM_NEWLINK, 0, w -> {
            w.ifInfoMsg(0, 0, 0, 0, 0);
            w.attrString(IfLinkConstants.IFLA_IFNAME, "lo");
            w.attrU16(IfLinkConstants.IFLA_MTU, 1400);   // IFLA_MTU is a u32: policy validation fails
        })).isInstanceOfSatisfying(NetlinkException.class,
                e -> assertThat(e.extAck()).contains("offending attribute: type 4 at byte 40 of the request"));
        ns.netlink().links().setUp("lo");
        assertThat(s.interfaceIndex("lo")).isEqualTo(1);
        assertThat(ns.netlink().links().get("lo").flags() & 1).isEqualTo(1);
    }

    private static boolean linkLocal(String ns, String dev) {
        for (Map<String, Object> l : IpJson.ip("-n", ns, "-6", "addr", "show", "dev", dev)) {
            Object infos = l.get("addr_info");
            if (infos instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof Map<?, ?> m && String.valueOf(m.get("local")).startsWith("fe80:")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
