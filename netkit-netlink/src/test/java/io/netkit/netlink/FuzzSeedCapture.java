package io.netkit.netlink;

import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETROUTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Captures the fuzz seeds in {@code src/test/resources/io/netkit/netlink/fuzz/} from a real kernel: dumps and
 * notifications of a test namespace holding one of everything netkit decodes. Run once as root, commit the bytes:
 * {@code mvn -pl netkit-netlink -am verify -Dtest=FuzzSeedCapture -Dnetkit.captureSeeds=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. Each file is a dump buffer: messages back to back, native byte order.
 */
@Privileged
@EnabledIfSystemProperty(named = "netkit.captureSeeds", matches = "true")
class FuzzSeedCapture {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private static final Path DIR = Path.of("src/test/resources/io/netkit/netlink/fuzz");

    @Test
    void capture() throws IOException {
        NetNamespace ns = namespaces.create("seed");
        NetNamespace peer = namespaces.create("seedp");
        String n = namespaces.name("seed");
        int[] groups = {RtnetlinkConstants.RTNLGRP_LINK, RtnetlinkConstants.RTNLGRP_NEIGH,
                RtnetlinkConstants.RTNLGRP_IPV4_IFADDR, RtnetlinkConstants.RTNLGRP_IPV6_IFADDR,
                RtnetlinkConstants.RTNLGRP_IPV4_ROUTE, RtnetlinkConstants.RTNLGRP_IPV6_ROUTE};
        EventSocket events = ns.call(() -> EventSocket.open(groups, 0, Duration.ofMillis(50)));
        ByteArrayOutputStream ev = new ByteArrayOutputStream();
        try {
            String[] setup = {
                "link set lo up",
                "link add br0 type bridge",
                "link set br0 up",
                "link add v1 type veth peer name v1p",
                "link set v1 master br0 up",
                "link set v1p up mtu 1400 alias peer-side",
                "link add u0 type veth peer name u1",
                "link set u0 up",
                "link set u1 up",
                "addr add 10.9.0.1/24 dev u0",
                "link add vx0 type vxlan id 42 local 10.9.0.1 dev u0 dstport 4789 ttl 9 nolearning",
                "link add vx6 type vxlan id 16777215 local fd00:9::1 dstport 8472 udp6zerocsumrx",
                "link add mv0 link u1 type macvlan mode bridge",
                "link add mv1 link u1 type macvlan mode private",
                "link add if0 type ifb",
                "tuntap add tap0 mode tap",
                "tuntap add tun0 mode tun",
                "link set vx0 master br0 up",
                "addr add 10.8.0.1/24 brd + dev br0 label br0:x",
                "addr add fd00:8::1/64 dev br0 nodad",
                "addr add 10.8.9.1 peer 10.8.9.2/32 dev v1p",
                "addr add 10.8.7.1/24 dev v1p valid_lft 1000 preferred_lft 500",
                "addr add fd00:7::1/64 dev v1p valid_lft 2000 preferred_lft 1000 nodad",
                "route add 10.7.0.0/16 via 10.8.0.2 table 100 metric 4294967295",
                "route add 10.6.0.0/16 nexthop via 10.8.0.2 weight 1 nexthop via 10.8.0.3 weight 3",
                "route add blackhole 10.5.0.0/16",
                "route add unreachable 10.4.0.0/16 metric 7",
                "route add prohibit 10.3.0.0/16 table 4000000000",
                "route add 10.2.0.0/16 via 10.8.0.2 tos 0x10 mtu lock 1300 advmss 1200",
                "route add 10.1.0.0/16 dev br0 scope link src 10.8.0.1 proto static",
                "route add fd00:6::/48 via fd00:8::2 pref high metric 100",
                "route add fd00:5::/48 nexthop via fd00:8::2 nexthop via fd00:8::3",
                "route add default via 10.8.0.254",
                "-6 route add default via fd00:8::fe",
                "neigh add 10.8.0.9 lladdr 02:00:00:00:00:09 dev br0",
                "neigh add 10.8.0.10 lladdr 02:00:00:00:00:0a dev br0 nud reachable",
                "neigh add fd00:8::9 lladdr 02:00:00:00:00:19 dev br0",
                "neigh add proxy 10.8.0.77 dev br0",
                "link set v1p netns " + namespaces.name("seedp"),
                "route replace 10.7.0.0/16 via 10.8.0.3 table 100 metric 4294967295",
                "route del 10.5.0.0/16",
                "neigh del 10.8.0.9 dev br0",
                "addr add 10.8.6.1/24 dev br0",
                "addr del 10.8.6.1/24 dev br0",
                "link set mv1 down",
                "link del mv1",
            };
            String[] bridge = {
                "fdb add 02:00:00:00:00:42 dev v1 master static",
                "fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.2 self permanent",
                "fdb append 00:00:00:00:00:00 dev vx0 dst 10.9.0.3 port 4790 vni 43 via u0 self permanent",
                "fdb add 02:00:00:00:00:43 dev vx0 dst 10.9.0.4 self permanent",
                "fdb del 02:00:00:00:00:43 dev vx0 dst 10.9.0.4 self",
            };
            for (String cmd : setup) {
                String[] argv = cmd.startsWith("-6 ") ? ("ip -6 -n " + n + " " + cmd.substring(3)).split(" ")
                        : ("ip -n " + n + " " + cmd).split(" ");
                tryRun(argv);
                drain(events, ev);
            }
            for (String cmd : bridge) {
                tryRun(("bridge -n " + n + " " + cmd).split(" "));
                drain(events, ev);
            }
        } finally {
            events.close();
        }
        NetlinkSocket s = ns.netlink().socket();
        Files.createDirectories(DIR);
        write("links.bin", s.dump("seed links", RTM_GETLINK, w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0), FuzzSeedCapture::copy));
        write("addresses.bin", s.dump("seed addresses", RTM_GETADDR, w -> w.ifAddrMsg(AF_UNSPEC, 0, 0, 0, 0), FuzzSeedCapture::copy));
        write("routes.bin", s.dump("seed routes", RTM_GETROUTE, w -> w.rtMsg(AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0), FuzzSeedCapture::copy));
        write("neighbors.bin", s.dump("seed neighbours", RTM_GETNEIGH, w -> w.ndMsg(AF_UNSPEC, 0, 0, 0, 0), FuzzSeedCapture::copy));
        write("fdb.bin", s.dump("seed fdb", RTM_GETNEIGH, w -> w.ndMsg(Neighbor.AF_BRIDGE, 0, 0, 0, 0), FuzzSeedCapture::copy));
        // bridge port and VLAN information (ifinfomsg with AF_BRIDGE), as `bridge -d link` reads it
        write("bridge-links.bin", s.dump("seed bridge links", RTM_GETLINK, w -> {
            w.ifInfoMsg(Neighbor.AF_BRIDGE, 0, 0, 0, 0);
            w.attrU32(io.netkit.netlink.codec.IfLinkConstants.IFLA_EXT_MASK, 2);   // RTEXT_FILTER_BRVLAN
        }, FuzzSeedCapture::copy));
        Files.write(DIR.resolve("events.bin"), ev.toByteArray());
        assertThat(ev.size()).isGreaterThan(1000);
        assertThat(peer.netlink().links().list()).extracting(Link::name).contains("v1p");
    }

    /** Runs a setup command; one this kernel refuses (a feature it lacks) is reported and skipped. */
    private static void tryRun(String... argv) {
        Cmd.Result r = Cmd.result(argv);
        if (!r.ok()) {
            System.err.println("seed setup skipped (" + r.stderr().strip() + "): " + String.join(" ", argv));
        }
    }

    private static byte[] copy(NlMsgReader m) {
        byte[] out = new byte[m.length()];
        m.buffer().get(m.offset(), out);
        return out;
    }

    private static void write(String file, List<byte[]> messages) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            out.write(m);
            for (int pad = (4 - m.length % 4) % 4; pad > 0; pad--) {
                out.write(0);
            }
        }
        assertThat(messages).as(file).isNotEmpty();
        Files.write(DIR.resolve(file), out.toByteArray());
    }

    private static void drain(EventSocket events, ByteArrayOutputStream out) {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int len;
        while ((len = events.receive(false)) != EventSocket.NOTHING) {
            assertThat(len).as("no overrun while capturing").isPositive();
            ByteBuffer b = events.buffer();
            byte[] d = new byte[len];
            b.get(0, d);
            out.writeBytes(d);
        }
    }
}
