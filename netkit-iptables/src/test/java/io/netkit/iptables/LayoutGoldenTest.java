package io.netkit.iptables;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden restore payloads of the ready-made layouts, as sent on a first apply. */
class LayoutGoldenTest {
    private static final Owner OWNER = Owner.of("mynet");

    @Test
    void ownerHashAndChainNamesAreStable() {
        assertThat(OWNER.hash()).isEqualTo("11c844f9");
        assertThat(OWNER.chain("POST")).isEqualTo("NETKIT-POST-11c844f9");
        assertThat(Owner.of("x".repeat(64)).chain("ABCDEFGHIJKL")).hasSizeLessThanOrEqualTo(28);
    }

    @Test
    void masquerade() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").masquerade().build().render();
        assertThat(payload).isEqualTo("""
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void forwardAccept() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").forwardAccept().build().render();
        assertThat(payload).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "netkit:mynet replies" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 ! -o br0 -m comment --comment "netkit:mynet outbound" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 -o br0 -m comment --comment "netkit:mynet internal" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                """);
    }

    @Test
    void portForward() {
        String payload = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24")
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80)
                .publish(Protocol.UDP, "192.0.2.10", 5353, "172.16.0.3", 53)
                .build().render();
        assertThat(payload).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -d 172.16.0.2/32 ! -i br0 -o br0 -p tcp -m tcp --dport 80 -m comment --comment "netkit:mynet publish" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -d 172.16.0.3/32 ! -i br0 -o br0 -p udp -m udp --dport 53 -m comment --comment "netkit:mynet publish" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                :NETKIT-DNAT-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.2/32 -d 172.16.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment "netkit:mynet hairpin" -j MASQUERADE
                -A NETKIT-POST-11c844f9 -s 172.16.0.3/32 -d 172.16.0.3/32 -p udp -m udp --dport 53 -m comment --comment "netkit:mynet hairpin" -j MASQUERADE
                -A NETKIT-DNAT-11c844f9 ! -i br0 -p tcp -m tcp --dport 8080 -m comment --comment "netkit:mynet publish" -j DNAT --to-destination 172.16.0.2:80
                -A NETKIT-DNAT-11c844f9 -d 192.0.2.10/32 ! -i br0 -p udp -m udp --dport 5353 -m comment --comment "netkit:mynet publish" -j DNAT --to-destination 172.16.0.3:53
                -I OUTPUT 1 ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "netkit:mynet" -j NETKIT-DNAT-11c844f9
                -I PREROUTING 1 -m addrtype --dst-type LOCAL -m comment --comment "netkit:mynet" -j NETKIT-DNAT-11c844f9
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void ipv6NetworkWithIsolation() {
        OwnedRules rules = ContainerNetworkRules.builder(OWNER, "br0", "fd00:1:0:0::5/64")
                .masquerade().forwardAccept().isolateFrom("br1").build();
        assertThat(rules.family()).isEqualTo(Family.IPV6);
        assertThat(rules.render()).isEqualTo("""
                *filter
                :NETKIT-FWD-11c844f9 - [0:0]
                -A NETKIT-FWD-11c844f9 -i br0 -o br1 -m comment --comment "netkit:mynet isolate" -j DROP
                -A NETKIT-FWD-11c844f9 -i br1 -o br0 -m comment --comment "netkit:mynet isolate" -j DROP
                -A NETKIT-FWD-11c844f9 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "netkit:mynet replies" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 ! -o br0 -m comment --comment "netkit:mynet outbound" -j ACCEPT
                -A NETKIT-FWD-11c844f9 -i br0 -o br0 -m comment --comment "netkit:mynet internal" -j ACCEPT
                -I FORWARD 1 -m comment --comment "netkit:mynet" -j NETKIT-FWD-11c844f9
                COMMIT
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s fd00:1::/64 ! -o br0 -m comment --comment "netkit:mynet masquerade" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
    }

    @Test
    void samePortCannotBePublishedTwice() {
        var b = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").publish(Protocol.TCP, 8080, "172.16.0.2", 80);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.publish(Protocol.TCP, 8080, "172.16.0.3", 80))
                .hasMessage("host port tcp/8080 is already published to 172.16.0.2:80");
        b.publish(Protocol.UDP, 8080, "172.16.0.3", 80).publish(Protocol.TCP, "192.0.2.1", 8080, "172.16.0.3", 80);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.publish(Protocol.ICMP, 1, "172.16.0.3", 1))
                .hasMessageContaining("has no ports");
    }

    @Test
    void javadocExamplesHold() {
        Owner owner = Owner.of("mynet");
        String post = owner.chain("POST");
        OwnedRules rules = OwnedRules.builder(owner)
                .rule(Table.NAT, Rule.builder(post).source("172.16.0.0/24").notOutInterface("br0")
                        .target(Target.masquerade()).build())
                .hook(Table.NAT, "POSTROUTING", post)
                .build();
        assertThat(rules.render()).isEqualTo("""
                *nat
                :NETKIT-POST-11c844f9 - [0:0]
                -A NETKIT-POST-11c844f9 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:mynet" -j MASQUERADE
                -I POSTROUTING 1 -m comment --comment "netkit:mynet" -j NETKIT-POST-11c844f9
                COMMIT
                """);
        Rule r = Rule.builder("POSTROUTING").source("172.16.0.0/24").notOutInterface("br0").comment("masquerade")
                .target(Target.masquerade()).build();
        assertThat(r.render()).isEqualTo("-A POSTROUTING -s 172.16.0.0/24 ! -o br0 -m comment --comment masquerade -j MASQUERADE");
    }

    @Test
    void everyRuleCarriesTheOwnerComment() {
        OwnedRules rules = ContainerNetworkRules.builder(OWNER, "br0", "172.16.0.0/24").masquerade().forwardAccept()
                .publish(Protocol.TCP, 8080, "172.16.0.2", 80).isolateFrom("br9").build();
        for (Table t : rules.tables()) {
            rules.chains(t).values().forEach(list -> list.forEach(r -> assertThat(r.owner()).contains(OWNER)));
            rules.hooks(t).forEach(h -> assertThat(h.rule().owner()).contains(OWNER));
        }
    }
}
