package io.netkit.netlink;

import static io.netkit.netlink.IpWitness.assertAllLinksMatch;
import static io.netkit.netlink.IpWitness.ip;
import static io.netkit.netlink.IpWitness.ipIn;
import static io.netkit.netlink.IpWitness.link;
import static io.netkit.netlink.IpWitness.map;
import static io.netkit.netlink.IpWitness.num;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Links against the real kernel, each test in namespaces of its own; {@code ip -j} is the witness. */
@Privileged
class LinksKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    NetNamespace host;
    Links links;

    @BeforeEach
    void setUp() {
        host = namespaces.create("host");
        links = host.netlink().links();
    }

    @Test
    void hairpinModeOfABridgePortIsSwitchedAsIpShowsIt() {
        links.create(LinkSpec.bridge("br0").up());
        links.create(LinkSpec.veth("hp0", "hp1").master("br0").up());
        assertThat(hairpin()).isEqualTo(false);
        links.setHairpin("hp0", true);
        assertThat(hairpin()).isEqualTo(true);
        links.setHairpin("hp0", false);
        assertThat(hairpin()).isEqualTo(false);
        assertThatThrownBy(() -> links.setHairpin("hp1", true)).isInstanceOf(NetlinkException.class)
                .hasMessageContaining("hp1");
        assertThatThrownBy(() -> links.setHairpin("nosuch0", true)).isInstanceOf(LinkNotFoundException.class);
    }

    @Test
    void hairpinOnCreationGoesWithTheAliasAsIpShowsIt() {
        links.create(LinkSpec.bridge("br0").up());
        NetNamespace c1 = namespaces.create("c1");
        Link made = links.create(LinkSpec.veth("hp0", "eth0").peerNamespace(c1).master("br0").up().alias("rec").hairpin());
        assertThat(made.alias()).isEqualTo("rec");
        assertThat(hairpin()).isEqualTo(true);
        assertThat(link(host, "hp0").get("ifalias")).isEqualTo("rec");
        // the batched path too, and without an alias
        links.createAll(List.of(LinkSpec.veth("hp2", "hp3").master("br0").hairpin()));
        assertThat(hairpin("hp2")).isEqualTo(true);
        assertThat(link(host, "hp2").get("ifalias")).isNull();
        assertThatThrownBy(() -> links.create(LinkSpec.veth("hp4", "hp5").hairpin()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hp4").hasMessageContaining("master");
        assertThat(links.find("hp4")).isEmpty();
    }

    private Object hairpin() {
        return hairpin("hp0");
    }

    @SuppressWarnings("unchecked")
    private Object hairpin(String name) {
        Map<String, Object> l = IpWitness.ip(host, "link", "show", name).get(0);
        return ((Map<String, Object>) ((Map<String, Object>) l.get("linkinfo")).get("info_slave_data")).get("hairpin");
    }

    @Test
    void vethWithPeerCreatedDirectlyInAnotherNamespace() {
        NetNamespace c1 = namespaces.create("c1");
        MacAddress peerMac = MacAddress.parse("02:42:ac:10:00:02");
        Link veth = links.create(LinkSpec.veth("veth1", "eth0").mtu(1400).group(7).up()
                .peerNamespace(c1).peerMac(peerMac).peerMtu(1400).peerUp());

        assertThat(veth.name()).isEqualTo("veth1");
        assertThat(veth.kind()).isEqualTo("veth");
        assertThat(veth.mtu()).isEqualTo(1400);
        assertThat(veth.group()).isEqualTo(7);
        assertThat(veth.isUp()).isTrue();
        assertThat(veth.linkNetnsId()).isGreaterThanOrEqualTo(0);
        assertThat(links.find("eth0")).isEmpty();

        Link peer = c1.netlink().links().get("eth0");
        assertThat(peer.mac()).isEqualTo(peerMac);
        assertThat(peer.mtu()).isEqualTo(1400);
        assertThat(peer.isUp()).isTrue();
        assertThat(peer.kind()).isEqualTo("veth");

        Map<String, Object> ipPeer = link(c1, "eth0");
        assertThat(ipPeer.get("address")).isEqualTo("02:42:ac:10:00:02");
        assertThat(num(ipPeer.get("mtu"))).isEqualTo(1400);
        assertThat(num(ipPeer.get("link_index"))).isEqualTo(veth.index());
        assertThat(num(link(host, "veth1").get("link_index"))).isEqualTo(peer.index());
        assertAllLinksMatch(host);
        assertAllLinksMatch(c1);
    }

    @Test
    void vethInOneNamespaceWithAliasAndPeerUp() {
        Link a = links.create(LinkSpec.veth("va", "vb").alias("netkit test: va").peerUp().up().txQueueLen(500)
                .mac(MacAddress.parse("02:00:00:00:00:0a")));
        assertThat(a.alias()).isEqualTo("netkit test: va");
        assertThat(a.txQueueLen()).isEqualTo(500);
        assertThat(a.mac()).isEqualTo(MacAddress.parse("02:00:00:00:00:0a"));
        Link b = links.get("vb");
        assertThat(b.isUp()).isTrue();
        assertThat(b.linkIndex()).isEqualTo(a.index());
        assertThat(a.linkIndex()).isEqualTo(b.index());
        assertThat(link(host, "va").get("ifalias")).isEqualTo("netkit test: va");
        assertAllLinksMatch(host);
    }

    @Test
    void indexByNameIsAnsweredFromTheSocketsNamespace() {
        NetNamespace other = namespaces.create("other");
        links.create(LinkSpec.veth("ix0", "ix1").peerNamespace(other));
        // ip's own answer for each side, in each namespace; the ioctl must use the socket's namespace, not the caller's
        assertThat(links.index("ix0")).isEqualTo(num(link(host, "ix0").get("ifindex")));
        assertThat(other.netlink().links().index("ix1")).isEqualTo(num(link(other, "ix1").get("ifindex")));
        assertThat(links.index("lo")).isEqualTo(1);
        assertThat(host.netlink().socket().interfaceIndex("ix1")).isZero();
        assertThatThrownBy(() -> links.index("ix1"))
                .isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("no link named \"ix1\" in this network namespace");
        assertThatThrownBy(() -> links.index("bad/name")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad/name");
    }

    @Test
    void bridgeMasterAndNoMaster() {
        Link br = links.create(LinkSpec.bridge("br0").up());
        assertThat(br.kind()).isEqualTo("bridge");
        Link port = links.create(LinkSpec.veth("p1", "p1peer").master("br0").up());
        assertThat(port.masterIndex()).isEqualTo(br.index());
        assertThat(link(host, "p1").get("master")).isEqualTo("br0");
        links.create(LinkSpec.veth("p2", "p2peer"));
        links.setMaster("p2", "br0");
        assertThat(links.get("p2").masterIndex()).isEqualTo(br.index());
        assertThat(link(host, "p2").get("master")).isEqualTo("br0");
        assertAllLinksMatch(host);
        links.setNoMaster("p2");
        assertThat(links.get("p2").hasMaster()).isFalse();
        assertThat(link(host, "p2").get("master")).isNull();
        Link byIndex = links.create(LinkSpec.veth("p3", "p3peer").master(br.index()));
        assertThat(byIndex.masterIndex()).isEqualTo(br.index());
    }

    @Test
    void vxlanAndMacvlan() {
        links.create(LinkSpec.veth("under", "underpeer").up());
        Link vx = links.create(LinkSpec.vxlan("vx0", 4242).remote(IpAddresses.parse("10.9.0.2"))
                .local(IpAddresses.parse("10.9.0.1")).device("under").port(4790).learning(false).ttl(64));
        assertThat(vx.kind()).isEqualTo("vxlan");
        Map<String, Object> data = map(map(link(host, "vx0").get("linkinfo")).get("info_data"));
        assertThat(num(data.get("id"))).isEqualTo(4242);
        assertThat(data.get("remote")).isEqualTo("10.9.0.2");
        assertThat(data.get("local")).isEqualTo("10.9.0.1");
        assertThat(num(data.get("port"))).isEqualTo(4790);
        assertThat(data.get("link")).isEqualTo("under");
        assertThat(data.get("learning")).isEqualTo(false);
        assertThat(num(data.get("ttl"))).isEqualTo(64);

        Link mv = links.create(LinkSpec.macvlan("mv0", "under", LinkSpec.MacvlanMode.BRIDGE).up());
        assertThat(mv.kind()).isEqualTo("macvlan");
        assertThat(mv.linkIndex()).isEqualTo(links.get("under").index());
        Map<String, Object> mvIp = link(host, "mv0");
        assertThat(map(map(mvIp.get("linkinfo")).get("info_data")).get("mode")).isEqualTo("bridge");
        assertThat(mvIp.get("link")).isEqualTo("under");
        assertAllLinksMatch(host);
    }

    @Test
    void tunAndTap() {
        Link tap = links.create(LinkSpec.tap("tap0").mtu(1400).up().group(3));
        Link tun = links.create(LinkSpec.tun("tun0"));
        assertThat(tap.kind()).isEqualTo("tun");
        assertThat(tap.mtu()).isEqualTo(1400);
        assertThat(tap.group()).isEqualTo(3);
        assertThat(tap.mac()).isNotNull();
        assertThat(tun.mac()).isNull();
        assertThat(tun.type()).isEqualTo(65534);
        assertThat(map(map(link(host, "tap0").get("linkinfo")).get("info_data")).get("type")).isEqualTo("tap");
        assertThat(map(map(link(host, "tun0").get("linkinfo")).get("info_data")).get("type")).isEqualTo("tun");
        assertThat(map(map(link(host, "tun0").get("linkinfo")).get("info_data")).get("persist")).isEqualTo(true);
        assertAllLinksMatch(host);
        assertThatThrownBy(() -> links.create(LinkSpec.tap("tap0")))
                .isInstanceOf(NetlinkException.class)
                .satisfies(e -> assertThat(((NetlinkException) e).errnoName()).isEqualTo("EEXIST"));
        links.delete("tap0");
        links.delete("tun0");
        assertThat(links.find("tap0")).isEmpty();
    }

    @Test
    void whatIpCreatesNetkitReadsBackIdentically() {
        NetNamespace other = namespaces.create("other");
        ipIn(host, "link", "add", "br7", "type", "bridge");
        ipIn(host, "link", "add", "x1", "mtu", "1300", "address", "02:11:22:33:44:55", "group", "9", "txqueuelen", "77",
                "type", "veth", "peer", "name", "x1p");
        ipIn(host, "link", "set", "x1", "alias", "made by ip", "master", "br7", "up");
        ipIn(host, "link", "add", "x2", "type", "veth", "peer", "name", "x2p", "netns", other.name().orElseThrow());
        ipIn(host, "link", "add", "vx1", "type", "vxlan", "id", "5", "dstport", "4789", "dev", "x1");
        ipIn(host, "link", "add", "mv1", "link", "x1p", "type", "macvlan", "mode", "private");
        ipIn(host, "tuntap", "add", "tp1", "mode", "tap");
        ipIn(host, "link", "set", "lo", "up");
        assertAllLinksMatch(host);
        assertAllLinksMatch(other);
        Link x1 = links.get("x1");
        assertThat(x1.alias()).isEqualTo("made by ip");
        assertThat(x1.group()).isEqualTo(9);
        assertThat(x1.txQueueLen()).isEqualTo(77);
        assertThat(x1.masterIndex()).isEqualTo(links.get("br7").index());
        assertThat(x1.mac()).isEqualTo(MacAddress.parse("02:11:22:33:44:55"));
        assertThat(links.get("lo").operState()).isEqualTo(OperState.UNKNOWN);
        assertThat(links.get("lo").flags() & Link.IFF_LOOPBACK).isNotZero();
        assertThat(links.get(x1.index())).isEqualTo(x1);
        assertThat(links.list()).contains(x1);
        assertThat(links.get("x2").linkNetnsId()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void unplugLeavesTheBridgeGoesDownAndChangesGroupAndAliasInOneRequest() {
        links.create(LinkSpec.bridge("ubr0").up());
        links.create(LinkSpec.veth("u1", "u1p").master("ubr0").group(5).alias("before").up());
        assertThat(links.get("u1").masterIndex()).isEqualTo(links.index("ubr0"));

        links.unplug("u1", 9, "after");

        Link u1 = links.get("u1");
        assertThat(u1.masterIndex()).isZero();
        assertThat(u1.isUp()).isFalse();
        assertThat(u1.group()).isEqualTo(9);
        assertThat(u1.alias()).isEqualTo("after");
        Map<String, Object> w = link(host, "u1");
        assertThat(w.get("master")).isNull();
        assertThat(w.get("ifalias")).isEqualTo("after");
        assertThat(w.get("group")).isEqualTo("9");
        assertThatThrownBy(() -> links.unplug("nosuch0", 9, "x")).isInstanceOf(LinkNotFoundException.class);
    }

    @Test
    void settersRenameAndMove() {
        NetNamespace target = namespaces.create("target");
        links.create(LinkSpec.veth("s1", "s1p"));
        links.setMtu("s1", 1280);
        MacAddress mac = MacAddress.random();
        links.setMac("s1", mac);
        links.setAlias("s1", "hello");
        links.setGroup("s1", 12);
        links.setUp("s1");
        Link s1 = links.get("s1");
        assertThat(s1.mtu()).isEqualTo(1280);
        assertThat(s1.mac()).isEqualTo(mac);
        assertThat(s1.alias()).isEqualTo("hello");
        assertThat(s1.group()).isEqualTo(12);
        assertThat(s1.isUp()).isTrue();
        assertAllLinksMatch(host);
        links.setAlias("s1", "");
        assertThat(links.get("s1").alias()).isNull();
        links.setDown("s1");
        assertThat(links.get("s1").isUp()).isFalse();

        links.rename("s1", "renamed1");
        assertThat(links.find("s1")).isEmpty();
        assertThat(links.get("renamed1").index()).isEqualTo(s1.index());
        assertThat(link(host, "renamed1").get("ifname")).isEqualTo("renamed1");

        links.moveTo("s1p", target);
        assertThat(links.find("s1p")).isEmpty();
        assertThat(target.netlink().links().get("s1p").kind()).isEqualTo("veth");
        assertThat(link(target, "s1p").get("ifname")).isEqualTo("s1p");

        links.delete("renamed1");
        assertThat(links.find("renamed1")).isEmpty();
        assertThat(target.netlink().links().find("s1p")).isEmpty();
    }

    @Test
    void deleteGroupRemovesManyLinksWithOneRequest() {
        int n = 200;
        List<LinkSpec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            specs.add(LinkSpec.veth("g" + i, "gp" + i).group(4242));
        }
        links.createAll(specs);
        links.create(LinkSpec.veth("keep", "keepp").group(4243));
        assertThat(ip(host, "link", "show", "group", "4242").stream().filter(m -> !m.isEmpty())).hasSize(n); // the peers stay in the default group and go with their veth
        long t0 = System.nanoTime();
        links.deleteGroup(4242);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ip(host, "link", "show", "group", "4242").stream().filter(m -> !m.isEmpty())).isEmpty();
        assertThat(links.list()).extracting(Link::name).containsExactlyInAnyOrder("lo", "keep", "keepp");
        // one-by-one deletion costs ~17-21 ms per link here (about 4 s for 200); one request pays the RCU wait once
        assertThat(ms).as("deleteGroup of %d veth pairs took %d ms", n, ms).isLessThan(2000);
        links.deleteGroup(4242); // empty group: no error
    }

    @Test
    void createAllReportsEachFailure() {
        links.create(LinkSpec.veth("dup1", "dup1p"));
        assertThatThrownBy(() -> links.createAll(List.of(LinkSpec.veth("ok1", "ok1p").alias("one"),
                LinkSpec.veth("dup1", "z1").alias("must not land on the existing dup1").peerUp(),
                LinkSpec.bridge("ok2"))))
                .isInstanceOfSatisfying(NetlinkBatchException.class, e -> {
                    assertThat(e.failures()).hasSize(1);
                    assertThat(e.failures().get(0).errnoName()).isEqualTo("EEXIST");
                    assertThat(e.failures().get(0).target()).isEqualTo("dup1");
                    assertThat(e.failedIndices()).containsExactly(1);
                });
        assertThat(links.get("ok1").alias()).isEqualTo("one");
        assertThat(links.find("ok2")).isPresent();
        assertThat(links.get("dup1").alias()).isNull();
        assertThat(links.find("z1")).isEmpty();
    }

    @Test
    void errors() {
        links.create(LinkSpec.veth("veth1", "veth1p"));
        assertThatThrownBy(() -> links.create(LinkSpec.veth("veth1", "other")))
                .isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e).isNotInstanceOf(NetlinkBatchException.class);
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.errnoName()).isEqualTo("EEXIST");
                    assertThat(e.operation()).isEqualTo("create link");
                    assertThat(e.target()).isEqualTo("veth1");
                    assertThat(e.getMessage()).startsWith("create link veth1: EEXIST (File exists)");
                });
        assertThatThrownBy(() -> links.get("nosuch0")).isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("nosuch0").hasMessageContaining("ENODEV");
        assertThatThrownBy(() -> links.get(99999)).isInstanceOf(LinkNotFoundException.class);
        assertThatThrownBy(() -> links.delete("nosuch0")).isInstanceOf(LinkNotFoundException.class);
        assertThatThrownBy(() -> links.setUp("nosuch0")).isInstanceOf(LinkNotFoundException.class);
        assertThatThrownBy(() -> links.setMaster("veth1", "nosuch0")).isInstanceOf(LinkNotFoundException.class);
        assertThatThrownBy(() -> links.create(LinkSpec.veth("x", "y").master("nobr0")))
                .isInstanceOf(LinkNotFoundException.class).hasMessageContaining("nobr0");
        assertThatThrownBy(() -> links.get("bad name")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"bad name\"");
        assertThatThrownBy(() -> links.setMac("veth1", MacAddress.parse("zz:00:00:00:00:00")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"zz:00:00:00:00:00\"");
        assertThatThrownBy(() -> links.setMtu("veth1", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.deleteGroup(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.setMtu("veth1", 40)).isInstanceOfSatisfying(NetlinkException.class,
                e -> assertThat(e.errnoName()).isEqualTo("EINVAL"));
    }

    @Test
    void kindsThisKernelLacksGiveAClearError() {
        for (LinkSpec spec : List.of(LinkSpec.dummy("d0"), LinkSpec.of("ipvlan", "ipv0"), LinkSpec.of("bond", "bond0"),
                LinkSpec.of("wireguard", "wg0"))) {
            assertThatThrownBy(() -> links.create(spec))
                    .as(spec.toString())
                    .isInstanceOfSatisfying(NetlinkException.class, e -> {
                        assertThat(e.errnoName()).isEqualTo("EOPNOTSUPP");
                        assertThat(e.getMessage()).contains("create link " + spec.name())
                                .contains("link kind \"" + spec.kind() + "\" is not supported by this kernel");
                    });
        }
        links.create(LinkSpec.veth("parent0", "parent0p"));
        assertThatThrownBy(() -> links.create(LinkSpec.vlan("vl0", "parent0", 10)))
                .isInstanceOfSatisfying(NetlinkException.class,
                        e -> assertThat(e.getMessage()).contains("link kind \"vlan\" is not supported"));
        assertThat(links.list()).extracting(Link::name).containsExactlyInAnyOrder("lo", "parent0", "parent0p");
    }

    @Test
    void linksCreatedDirectlyInOtherNamespaces() {
        NetNamespace a = namespaces.create("a");
        NetNamespace b = namespaces.create("b");
        Link br = links.create(LinkSpec.bridge("bra").namespace(a).up().alias("bridge in a"));
        assertThat(br.alias()).isEqualTo("bridge in a");
        assertThat(a.netlink().links().get("bra").index()).isEqualTo(br.index());
        assertThat(links.find("bra")).isEmpty();
        // both ends elsewhere, the first one a port of the bridge in its own namespace
        Link end = links.create(LinkSpec.veth("enda", "endb").namespace(a).master("bra").up()
                .peerNamespace(b).peerUp());
        assertThat(end.masterIndex()).isEqualTo(br.index());
        assertThat(link(a, "enda").get("master")).isEqualTo("bra");
        assertThat(b.netlink().links().get("endb").isUp()).isTrue();
        assertThat(links.list()).extracting(Link::name).containsExactly("lo");
        // without a peer namespace the peer stays in the handle's namespace, as with ip link add ... netns NS
        links.create(LinkSpec.veth("split", "splitp").namespace(b).peerUp());
        assertThat(links.get("splitp").isUp()).isTrue();
        assertThat(b.netlink().links().get("split").kind()).isEqualTo("veth");
        assertAllLinksMatch(a);
        assertAllLinksMatch(b);
    }

    @Test
    void openInTheCallingThreadsNamespace() {
        Link tap = host.call(() -> {
            try (RtNetlink rt = RtNetlink.open()) {
                rt.links().create(LinkSpec.veth("o1", "o1p"));
                return rt.links().create(LinkSpec.tap("otap0"));
            }
        });
        assertThat(links.get("o1").kind()).isEqualTo("veth");
        assertThat(links.get("otap0").index()).isEqualTo(tap.index());
    }

    @Test
    void oneHandleIsSafeToShareBetweenThreads() throws Exception {
        int threads = 4;
        int each = 25;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String name = "t" + tt + "v" + i;
                        Link l = links.create(LinkSpec.veth(name, name + "p").group(77).up());
                        assertThat(l.name()).isEqualTo(name);
                        assertThat(links.get(name + "p").linkIndex()).isEqualTo(l.index());
                        assertThat(links.list()).extracting(Link::name).contains(name, name + "p");
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(links.list()).hasSize(1 + 2 * threads * each);
        assertAllLinksMatch(host);
        links.deleteGroup(77);
        assertThat(links.list()).extracting(Link::name).containsExactly("lo");
    }

    @Test
    void writeCreateIsTheRequestCreateSends() {
        host.netlink().socket().execute("create link", "raw0", io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK,
                io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE | io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL,
                w -> Links.writeCreate(w, LinkSpec.veth("raw0", "raw0p").mtu(1300).up(), 0, 0, 0));
        Link raw = links.get("raw0");
        assertThat(raw.mtu()).isEqualTo(1300);
        assertThat(raw.isUp()).isTrue();
        assertThatThrownBy(() -> Links.writeCreate(new io.netkit.netlink.codec.NlMsgWriter(), LinkSpec.tun("t0"), 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void createReturnsWhatTheKernelReports() {
        Link echoed = links.create(LinkSpec.veth("e1", "e1p").mtu(1300).group(5).txQueueLen(10)
                .mac(MacAddress.parse("02:00:00:00:00:e1")));
        assertThat(echoed).isEqualTo(links.get("e1"));
        Link br = links.create(LinkSpec.bridge("ebr"));
        assertThat(br).isEqualTo(links.get("ebr"));
        Link mv = links.create(LinkSpec.macvlan("emv", "e1", LinkSpec.MacvlanMode.PRIVATE).mtu(1200));
        assertThat(mv.linkIndex()).isEqualTo(echoed.index());
        assertThat(mv.mtu()).isEqualTo(1200);
        assertThat(mv).isEqualTo(links.get("emv"));
        assertThatThrownBy(() -> links.create(LinkSpec.macvlan("emv2", "nosuch", LinkSpec.MacvlanMode.PRIVATE)))
                .isInstanceOf(LinkNotFoundException.class).hasMessageContaining("nosuch");
    }
}
