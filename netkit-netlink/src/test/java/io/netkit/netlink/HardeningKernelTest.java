package io.netkit.netlink;

import static io.netkit.netlink.IpWitness.ipIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Misuse and unusual input against the real kernel: names ip accepts, re-entry, timeouts, tun exclusivity. */
@Privileged
class HardeningKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    NetNamespace ns;
    RtNetlink rt;

    @BeforeEach
    void setUp() {
        ns = namespaces.create("hard");
        rt = ns.netlink();
    }

    @Test
    void linksIpNamedWithCharactersTheKernelAcceptsCanBeAddressed() {
        String em = "a\u2003b";
        String ctl = "x\u0001y";
        ipIn(ns, "link", "add", em, "type", "veth", "peer", "name", ctl);
        List<String> names = rt.links().list().stream().map(Link::name).toList();
        assertThat(names).contains(em, ctl);
        Link a = rt.links().get(em);
        assertThat(a.name()).isEqualTo(em);
        assertThat(rt.links().index(ctl)).isEqualTo(rt.links().get(ctl).index());
        rt.links().setUp(em);
        rt.addresses().add(em, IpPrefix.parse("10.5.0.1/24"));
        assertThat(rt.addresses().list(em)).extracting(x -> x.prefix().toString()).contains("10.5.0.1/24");
        rt.links().delete(ctl);
        assertThat(rt.links().find(em)).isEmpty();
    }

    @Test
    void indexLookupsGoOverRtnetlinkNotTheModuleLoadingIoctl() {
        rt.links().create(LinkSpec.veth("ix0", "ix1"));
        NetlinkSocket s = rt.socket();
        // SIOCGIFINDEX makes the kernel request_module("netdev-NAME") for every miss; RTM_GETLINK never does.
        // Without module support here that cannot be watched directly, so watch the socket: a lookup is one
        // netlink request (the sequence number moves), not an ioctl.
        int expected = rt.links().get("ix1").index();
        int before = SocketTestHooks.nextSeq(s);
        assertThat(s.interfaceIndex("gre0")).isZero();
        assertThat(s.interfaceIndex("ix1")).isEqualTo(expected);
        assertThat(SocketTestHooks.nextSeq(s)).isEqualTo(before + 2);
        assertThat(rt.links().find("gre0")).isEmpty();
        assertThatThrownBy(() -> rt.links().index("nosuch0")).isInstanceOf(LinkNotFoundException.class);
    }

    @Test
    void eopnotsuppNamesTheMasterThatCannotTakePortsNotTheKind() {
        rt.links().create(LinkSpec.veth("m0", "m1"));
        assertThatThrownBy(() -> rt.links().create(LinkSpec.veth("c0", "c1").master("m0")))
                .isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EOPNOTSUPP");
                    assertThat(e.getMessage()).contains("master \"m0\" cannot take ports")
                            .doesNotContain("not supported by this kernel");
                });
        assertThat(rt.links().find("c0")).as("nothing half-made").isEmpty();
        assertThatThrownBy(() -> rt.links().create(LinkSpec.of("nosuchkind", "k0")))
                .hasMessageContaining("link kind \"nosuchkind\" is not supported by this kernel");
    }

    @Test
    void percentNamesNeverReachTheKernel() {
        assertThatThrownBy(() -> rt.links().create(LinkSpec.bridge("br%d"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> rt.links().rename("lo", "lo%d")).isInstanceOf(IllegalArgumentException.class);
        assertThat(rt.links().list()).extracting(Link::name).containsExactly("lo");
    }

    @Test
    void reEnteringTheSocketFromADumpCallbackIsRefused() {
        rt.links().create(LinkSpec.veth("re0", "re1"));
        NetlinkSocket s = rt.socket();
        assertThatThrownBy(() -> s.dump("outer dump", io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK,
                w -> w.ifInfoMsg(0, 0, 0, 0, 0), m -> rt.links().get("re0")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("re-enters")
                .hasMessageContaining("get link");
        // the socket is still usable and the outer dump's replies did not leak into the next request
        assertThat(rt.links().get("re1").name()).isEqualTo("re1");
        assertThat(rt.links().list()).extracting(Link::name).contains("lo", "re0", "re1");
    }

    @Test
    void subMicrosecondReceiveTimeoutStillTimesOut() {
        try (NetlinkSocket s = ns.call(() -> NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE, Duration.ofNanos(500)))) {
            // the kernel rounds up to a jiffy; 0 would mean "block forever"
            assertThat(s.kernelReceiveTimeoutMicros()).as("SO_RCVTIMEO").isPositive();
            assertThatThrownBy(() -> SocketTestHooks.awaitDatagram(s, "wait")).isInstanceOf(NetlinkException.class);
        }
    }

    @Test
    void tapCreationNeverAttachesToAnExistingDevice() {
        ipIn(ns, "tuntap", "add", "tp0", "mode", "tap");
        int before = rt.links().get("tp0").index();
        assertThatThrownBy(() -> ns.run(() -> TunTap.create("tp0", true)))
                .isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EBUSY");
                    assertThat(e.getMessage()).contains("tp0").contains("exists already");
                });
        assertThat(rt.links().get("tp0").index()).isEqualTo(before);
        assertThatThrownBy(() -> rt.links().create(LinkSpec.tap("tp0"))).isInstanceOf(NetlinkException.class);
        rt.links().create(LinkSpec.tap("tp1"));
        assertThat(rt.links().get("tp1").tun().orElseThrow().typeName()).isEqualTo("tap");
    }
}
