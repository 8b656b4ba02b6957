package io.netkit.nftables;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real TCP through rules netkit wrote natively: a container behind a bridge in a "host" namespace, an "internet"
 * namespace on the host's uplink, the host's firewall in {@code table inet netkit} with a forward policy of DROP.
 * No process runs in this test at all (servers and clients are Java sockets opened inside the namespaces), so no
 * iptables binary takes part: the only firewall is what {@link Nftables} committed.
 *
 * <pre>
 *  container 172.16.0.2 --eth0/v1-- br0 172.16.0.1 [host] uplink0 203.0.113.2 --eth0-- 203.0.113.1 internet
 * </pre>
 */
@Privileged
class NativeTrafficTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    static final InetAddress CONTAINER = IpAddresses.parse("172.16.0.2");
    static final InetAddress UPLINK = IpAddresses.parse("203.0.113.2");
    static final InetAddress INTERNET = IpAddresses.parse("203.0.113.1");

    @Test
    void masqueradeAndPublishThroughNativeRules() throws Exception {
        NetNamespace host = namespaces.create("host");
        NetNamespace inet = namespaces.create("inet");
        NetNamespace c1 = namespaces.create("c1");
        host.netlink().links().setUp("lo");
        host.netlink().links().create(LinkSpec.bridge("br0").up());
        host.netlink().addresses().add("br0", IpPrefix.parse("172.16.0.1/24"));
        host.netlink().links().create(LinkSpec.veth("v1", "eth0").peerNamespace(c1).master("br0").up().peerUp());
        c1.netlink().links().setUp("lo");
        c1.netlink().addresses().add("eth0", IpPrefix.parse("172.16.0.2/24"));
        c1.netlink().routes().add(RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1")));
        host.netlink().links().create(LinkSpec.veth("uplink0", "eth0").peerNamespace(inet).up().peerUp());
        host.netlink().addresses().add("uplink0", IpPrefix.parse("203.0.113.2/24"));
        inet.netlink().links().setUp("lo");
        inet.netlink().addresses().add("eth0", IpPrefix.parse("203.0.113.1/24"));
        // The internet can route to the container subnet (so only the firewall stops unpublished ports).
        inet.netlink().routes().add(RouteSpec.to(IpPrefix.parse("172.16.0.0/24")).via(UPLINK));
        host.sysctl().set("net.ipv4.ip_forward", "1");

        Table t = Table.of(Family.INET, "netkit");
        Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.DROP);
        Chain post = Chain.base(t, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
        Chain pre = Chain.base(t, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
        NftSet published = NftSet.map(t, "published-tcp", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
        try (Nftables nft = Nftables.open(host)) {
            nft.transaction().addTable(t).addChain(fwd).addChain(post).addChain(pre).addSet(published)
                    .addElements(published, List.of(SetElement.portToIpv4(8080, CONTAINER, 80)))
                    .addRule(Rule.builder(fwd).iifname("br0").oifname("br0").accept().comment("netkit:br0 bridged").build())
                    .addRule(Rule.builder(fwd).iifname("br0").oifnameNot("br0").accept().comment("netkit:br0 outbound").build())
                    .addRule(Rule.builder(fwd).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                            .comment("netkit:br0 replies").build())
                    .addRule(Rule.builder(fwd).oifname("br0").daddr(IpPrefix.parse("172.16.0.2/32")).dport(RuleBuilder.TCP, 80)
                            .counter().accept().comment("netkit:br0 published 80").build())
                    .addRule(Rule.builder(post).saddr(IpPrefix.parse("172.16.0.0/24")).oifnameNot("br0").counter()
                            .masquerade().comment("netkit:br0 masquerade").build())
                    .addRule(Rule.builder(pre).daddr(IpPrefix.host(UPLINK)).dnatIpv4PortMap(RuleBuilder.TCP, published.name())
                            .comment("netkit:br0 published").build())
                    .commit();

            // Masquerade: the internet server sees the host's uplink address, not the container's.
            assertThat(peerSeenByServer(inet, INTERNET, 9000, c1, INTERNET, 9000)).isEqualTo(UPLINK);

            // Publish: the internet reaches the container at the uplink's 8080; the container sees the real client.
            assertThat(peerSeenByServer(c1, CONTAINER, 80, inet, UPLINK, 8080)).isEqualTo(INTERNET);

            // An unpublished port of the container is dropped by the forward policy, although routable.
            try (ServerSocket s81 = c1.call(() -> listen(CONTAINER, 81))) {
                assertThatThrownBy(() -> inet.call(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress(CONTAINER, 81), 700);
                    }
                    return null;
                })).hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);
            }
            // The counters prove which rules the packets took.
            TableContents c = nft.list(t);
            assertThat(counterPackets(c.rules("postrouting").get(0))).isPositive();
            assertThat(counterPackets(c.rules("forward").get(3))).isPositive();
        }
    }

    private static long counterPackets(Rule r) {
        return r.expressions().stream().filter(e -> e instanceof Expr.Counter).map(e -> ((Expr.Counter) e).packets())
                .findFirst().orElseThrow();
    }

    private static ServerSocket listen(InetAddress address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port));
        s.setSoTimeout(10_000);
        return s;
    }

    /** Starts a server in {@code serverNs}, connects from {@code clientNs}; returns the client address the server saw. */
    private static InetAddress peerSeenByServer(NetNamespace serverNs, InetAddress listenOn, int port,
                                                NetNamespace clientNs, InetAddress connectTo, int connectPort) throws Exception {
        try (ServerSocket server = serverNs.call(() -> listen(listenOn, port))) {
            CompletableFuture<InetAddress> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = in.readNBytes(5);
                    OutputStream out = s.getOutputStream();
                    out.write(buf);
                    out.flush();
                    return s.getInetAddress();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            String echoed = clientNs.call(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(connectTo, connectPort), 5000);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
                }
            });
            assertThat(echoed).isEqualTo("hello");
            return seen.get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
