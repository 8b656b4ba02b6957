package io.netkit.nftables;

import static io.netkit.nftables.TrafficTopology.CONTAINER;
import static io.netkit.nftables.TrafficTopology.INTERNET;
import static io.netkit.nftables.TrafficTopology.UPLINK;
import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.IpPrefix;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel fact a native firewall backend must live with: every table's base chains on a hook see each packet,
 * and an {@code accept} ends the packet's walk only through ITS chain. So a foreign table whose forward chain drops
 * (what Docker's {@code FORWARD DROP} is under iptables-nft) still drops what netkit's table accepts; netkit's
 * table cannot override it, only an accept in that foreign chain (or its absence) lets traffic through.
 */
@Privileged
class CoexistenceTrafficTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void aForeignForwardDropWinsOverNetkitsAccept() throws Exception {
        TrafficTopology topo = new TrafficTopology(namespaces);
        Table t = Table.of(Family.INET, "netkit");
        Chain fwd = Chain.base(t, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
        Chain post = Chain.base(t, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
        try (Nftables nft = Nftables.open(topo.host)) {
            nft.transaction().addTable(t).addChain(fwd).addChain(post)
                    .addRule(Rule.builder(fwd).iifname("br0").accept().comment("netkit:br0 outbound").build())
                    .addRule(Rule.builder(fwd).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                            .comment("netkit:br0 replies").build())
                    .addRule(Rule.builder(post).saddr(IpPrefix.parse("172.16.0.0/24")).oifnameNot("br0").masquerade()
                            .comment("netkit:br0 masquerade").build())
                    .commit();
            assertThat(TrafficTopology.peerSeenByServer(topo.inet, INTERNET, 9100, topo.c1, INTERNET, 9100)).isEqualTo(UPLINK);

            // Another tool's table: a forward chain with policy drop (Docker-like), written with nft -f.
            String host = topo.host.name().orElseThrow();
            var foreign = NftWitness.apply(host, """
                    table ip foreign {
                      chain forward { type filter hook forward priority 0; policy drop; }
                    }
                    """);
            assertThat(foreign.exitCode()).as(foreign.stderr()).isZero();
            try (var server = topo.inet.call(() -> TrafficTopology.listen(INTERNET, 9101))) {
                assertThat(TrafficTopology.connectTimesOut(topo.c1, INTERNET, 9101)).isTrue();
            }
            // Only an accept in the foreign chain itself lets the container out again.
            var accepts = NftWitness.apply(host, """
                    add rule ip foreign forward iifname "br0" accept
                    add rule ip foreign forward oifname "br0" ct state established,related accept
                    """);
            assertThat(accepts.exitCode()).as(accepts.stderr()).isZero();
            assertThat(TrafficTopology.peerSeenByServer(topo.inet, INTERNET, 9102, topo.c1, INTERNET, 9102)).isEqualTo(UPLINK);
            assertThat(CONTAINER).isNotEqualTo(UPLINK);
        }
    }
}
