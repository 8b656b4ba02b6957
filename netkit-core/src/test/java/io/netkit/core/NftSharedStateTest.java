package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkSocket;
import io.netkit.nftables.Nftables;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The native backend's fast path: one shared nfnetlink socket per host namespace handle, and the network's chains
 * known from netkit's own last commit while the ruleset generation is unchanged. Changes made behind netkit's back
 * (by {@code nft}) between two of its changes must still be seen, and the socket must survive them.
 */
@Privileged
class NftSharedStateTest {
    static final String PREFIX = "nkt-nfs-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    private static void nft(String ns, String... args) {
        String[] argv = new String[args.length + 5];
        System.arraycopy(new String[] {"ip", "netns", "exec", ns, "nft"}, 0, argv, 0, 5);
        System.arraycopy(args, 0, argv, 5, args.length);
        Cmd.run(argv);
    }

    @Test
    void changesBehindNetkitsBackBetweenTwoPublishesAreSeenOnTheSameSocket() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String host = sb.name("host");
            Network net = Network.bridge("br0").on(sb.host()).firewall(FirewallBackend.NFTABLES)
                    .subnet("172.16.0.0/24").masquerade().create();
            String id = net.id;
            Endpoint c1 = net.attach(sb.name("c1"));
            try (ServerSocket server = PublishTest.listen(c1, 80)) {
                c1.publish(8080, 80);
                NetlinkSocket socket = Nftables.shared(sb.hostNamespace()).socket();
                // Someone flushes the network's chains; the next publish must put back the first port's rules too.
                nft(host, "flush", "chain", "inet", "netkit", "dnat-" + id);
                nft(host, "flush", "chain", "inet", "netkit", "fwd-" + id);
                c1.publish(8081, 80);
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8081)).isEqualTo(sb.internetAddress());

                // Someone deletes netkit's whole table; the next publish (on a new endpoint) makes it again, complete.
                nft(host, "delete", "table", "inet", "netkit");
                Endpoint c2 = net.attach(EndpointSpec.create(sb.name("c2")).publish(8082, 80));
                try (ServerSocket server2 = PublishTest.listen(c2, 80)) {
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                    assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8081)).isEqualTo(sb.internetAddress());
                    assertThat(PublishTest.reach(sb.internet(), server2, sb.uplinkAddress(), 8082)).isEqualTo(sb.internetAddress());
                }
                // nft shows what netkit lists back, and the published ports' rules in the order a full render gives
                // (new ports appended after the network's fixed rules).
                List<String> byNft = NftFirewallTest.ruleComments(host);
                assertThat(byNft).isEqualTo(NftFirewallTest.ruleCommentsNetkit(sb));
                String n = "netkit:br0@" + id;
                assertThat(byNft.stream().filter(c -> c.startsWith("fwd-" + id + "|")).toList()).containsExactly(
                        "fwd-" + id + "|" + n + " admin first", "fwd-" + id + "|" + n + " bridged",
                        "fwd-" + id + "|" + n + " outbound", "fwd-" + id + "|" + n + " replies",
                        "fwd-" + id + "|" + n + " publish", "fwd-" + id + "|" + n + " publish",
                        "fwd-" + id + "|" + n + " publish");
                // All of it over the one socket the host namespace handle shares.
                assertThat(Nftables.shared(sb.hostNamespace()).socket()).isSameAs(socket);
                assertThat(socket.isClosed()).isFalse();

                // A Docker-like FORWARD policy drop appears between two changes: the next one opens it.
                nft(host, "add", "table", "ip", "filter");
                nft(host, "add", "chain", "ip", "filter", "FORWARD", "{ type filter hook forward priority 0; policy drop; }");
                assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8080)).isFalse();
                assertThat(c1.unpublish(Protocol.TCP, 8081)).isTrue();
                assertThat(PublishTest.reach(sb.internet(), server, sb.uplinkAddress(), 8080)).isEqualTo(sb.internetAddress());
                assertThat(PublishTest.connects(sb.internet(), sb.uplinkAddress(), 8081)).isFalse();
                assertThat(Cmd.run("ip", "netns", "exec", host, "nft", "list", "chain", "ip", "filter", "FORWARD"))
                        .contains(n + " ipv4 publish 172.16.0.2 tcp/80");
            }
            net.close();
        }
    }

    @Test
    void theSharedSocketClosesWithItsNamespaceHandleAndIsReplacedAfterADiscard() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            NetNamespace own = NetNamespace.open(sb.name("host"));
            NetlinkSocket first;
            try {
                Nftables nft = Nftables.shared(own);
                first = nft.socket();
                long g = nft.generation();
                nft.close();   // a shared handle's close leaves the socket open
                assertThat(first.isClosed()).isFalse();
                assertThat(Nftables.shared(own).generation()).isGreaterThanOrEqualTo(g);
                Nftables.shared(own).discard();   // as after an error: the next use opens a fresh socket
                assertThat(first.isClosed()).isTrue();
                NetlinkSocket second = Nftables.shared(own).socket();
                assertThat(second).isNotSameAs(first);
                assertThat(Nftables.shared(own).generation()).isGreaterThanOrEqualTo(g);
                first = second;
            } finally {
                own.close();
            }
            assertThat(first.isClosed()).isTrue();   // closed with the namespace handle: nothing pins the namespace
        }
    }
}
