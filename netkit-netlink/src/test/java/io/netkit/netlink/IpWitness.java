package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs {@code ip -j} (and {@code bridge -j}) inside a test namespace and compares with what netkit reports. */
final class IpWitness {
    private IpWitness() {}

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ip(NetNamespace ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-j", "-d", "-n", ns.name().orElseThrow()));
        argv.addAll(List.of(args));
        String out = Cmd.run(argv.toArray(new String[0]));
        Object parsed = IpJson.parse(out.isBlank() ? "[]" : out);
        return (List<Map<String, Object>>) parsed;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> bridge(NetNamespace ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns.name().orElseThrow(), "bridge", "-j"));
        argv.addAll(List.of(args));
        String out = Cmd.run(argv.toArray(new String[0]));
        return (List<Map<String, Object>>) IpJson.parse(out.isBlank() ? "[]" : out);
    }

    static void ipIn(NetNamespace ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns.name().orElseThrow()));
        argv.addAll(List.of(args));
        Cmd.run(argv.toArray(new String[0]));
    }

    static Map<String, Object> link(NetNamespace ns, String name) {
        List<Map<String, Object>> l = ip(ns, "link", "show", "dev", name);
        assertThat(l).hasSize(1);
        return l.get(0);
    }

    static int num(Object o) {
        return ((Number) o).intValue();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    private static final Object[][] FLAG_NAMES = {
        {Link.IFF_UP, "UP"}, {Link.IFF_BROADCAST, "BROADCAST"}, {Link.IFF_LOOPBACK, "LOOPBACK"},
        {Link.IFF_POINTOPOINT, "POINTOPOINT"}, {Link.IFF_NOARP, "NOARP"}, {Link.IFF_MULTICAST, "MULTICAST"},
        {Link.IFF_LOWER_UP, "LOWER_UP"}, {Link.IFF_PROMISC, "PROMISC"},
    };

    /**
     * Asserts that netkit's {@code link} and {@code ip -j -d link show}'s entry describe the same interface:
     * index, name, kind, flags, mtu, mac, master, alias, group, operstate, txqlen, link type, peer/parent
     * (link, link_index) and link-netnsid.
     */
    @SuppressWarnings("unchecked")
    static void assertSame(Link link, Map<String, Object> ip, List<Link> all) {
        String what = "link " + link.name() + " vs ip " + ip;
        assertThat(num(ip.get("ifindex"))).as(what).isEqualTo(link.index());
        assertThat(ip.get("ifname")).as(what).isEqualTo(link.name());
        assertThat(num(ip.get("mtu"))).as(what).isEqualTo(link.mtu());
        Map<String, Object> linkinfo = (Map<String, Object>) ip.get("linkinfo");
        assertThat(linkinfo == null ? null : linkinfo.get("info_kind")).as(what).isEqualTo(link.kind());
        List<Object> flags = (List<Object>) ip.get("flags");
        for (Object[] f : FLAG_NAMES) {
            assertThat(flags.contains(f[1])).as(what + " flag " + f[1]).isEqualTo((link.flags() & (int) f[0]) != 0);
        }
        if (link.mac() != null) {
            assertThat(ip.get("address")).as(what).isEqualTo(link.mac().toString());
        } else {
            assertThat(ip.get("address")).as(what).isNull();
        }
        if (link.masterIndex() != 0) {
            String masterName = all.stream().filter(l -> l.index() == link.masterIndex()).findFirst().orElseThrow().name();
            assertThat(ip.get("master")).as(what).isEqualTo(masterName);
        } else {
            assertThat(ip.get("master")).as(what).isNull();
        }
        assertThat(ip.get("ifalias")).as(what).isEqualTo(link.alias());
        assertThat(String.valueOf(ip.get("group"))).as(what)
                .isEqualTo(link.group() == 0 ? "default" : Integer.toUnsignedString(link.group()));
        assertThat(ip.get("operstate")).as(what).isEqualTo(link.operState().name());
        assertThat(num(ip.get("txqlen"))).as(what).isEqualTo(link.txQueueLen());
        String linkType = switch (link.type()) {
            case 1 -> "ether";
            case 772 -> "loopback";
            case 65534 -> "none";
            default -> String.valueOf(ip.get("link_type"));
        };
        assertThat(ip.get("link_type")).as(what).isEqualTo(linkType);
        if (link.linkIndex() != 0 && (link.linkNetnsId() >= 0 || link.linkIndex() != link.index())) {
            if (link.linkNetnsId() >= 0) {
                assertThat(num(ip.get("link_index"))).as(what).isEqualTo(link.linkIndex());
            } else {
                String peer = all.stream().filter(l -> l.index() == link.linkIndex()).findFirst().orElseThrow().name();
                assertThat(ip.get("link")).as(what).isEqualTo(peer);
            }
        } else {
            assertThat(ip.get("link")).as(what).isNull();
            assertThat(ip.get("link_index")).as(what).isNull();
        }
        if (link.linkNetnsId() >= 0) {
            assertThat(num(ip.get("link_netnsid"))).as(what).isEqualTo(link.linkNetnsId());
        } else {
            assertThat(ip.get("link_netnsid")).as(what).isNull();
        }
    }

    /** {@link #assertSame} for every link of the namespace, and the same set of links on both sides. */
    static void assertAllLinksMatch(NetNamespace ns) {
        // operstate and carrier settle asynchronously (the kernel's linkwatch work), so a link made a moment ago
        // may change between netkit's dump and ip's: compare again until both saw the same settled state
        for (int attempt = 1; ; attempt++) {
            try {
                compareAllLinks(ns);
                return;
            } catch (AssertionError e) {
                if (attempt == 20) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void compareAllLinks(NetNamespace ns) {
        List<Link> links = ns.netlink().links().list();
        List<Map<String, Object>> ipLinks = ip(ns, "link", "show");
        assertThat(links).extracting(Link::name)
                .containsExactlyElementsOf(ipLinks.stream().map(m -> (String) m.get("ifname")).toList());
        for (int i = 0; i < links.size(); i++) {
            assertSame(links.get(i), ipLinks.get(i), links);
        }
    }
}
