package io.netkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records are untrusted input (issue 9, point 3): aliases crafted with {@code ip link set DEV alias ...}, as any holder
 * of CAP_NET_ADMIN can, must be reported and ignored or refused — never obeyed, never an unexpected exception type. Each
 * case crafts the record with {@code ip}, then checks with {@code ip -j} and {@code iptables-save} that no rule was
 * injected and nothing of another network, a decoy namespace or the host was touched.
 */
@Privileged
class HostileRecordTest {
    static final String PREFIX = "nkt-hr-" + Long.toHexString(System.nanoTime() & 0xffff | 0x10000).substring(1);
    @RegisterExtension
    static final SandboxGuard GUARD = new SandboxGuard(PREFIX);

    private static void ipIn(Sandbox sb, String... args) {
        String[] argv = new String[args.length + 3];
        argv[0] = "ip";
        argv[1] = "-n";
        argv[2] = sb.name() + "-host";
        System.arraycopy(args, 0, argv, 3, args.length);
        Cmd.run(argv);
    }

    /** A bridge with a crafted record, as someone other than netkit could make it. */
    private static void craftedBridge(Sandbox sb, String name, String alias) {
        ipIn(sb, "link", "add", name, "type", "bridge");
        ipIn(sb, "link", "set", name, "alias", alias);
    }

    /** A veth in link group {@code group} with a crafted record. */
    private static void craftedVeth(Sandbox sb, String name, int group, String alias) {
        ipIn(sb, "link", "add", name, "group", Integer.toString(group), "type", "veth", "peer", "name", name + "p");
        ipIn(sb, "link", "set", name, "alias", alias);
    }

    @Test
    void bridgeRecordsThatDoNotValidateAreRefusedWithAClearError() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            craftedBridge(sb, "noid0", "netkit:v1 subnet=172.20.0.0/24 gw=172.20.0.1 masq=1 group=70001 reap=70002 mtu=0");
            craftedBridge(sb, "all0", "netkit:v1 id=0badc0de subnet=0.0.0.0/0 gw=0.0.0.1 masq=1 group=70003 reap=70004 mtu=0");
            craftedBridge(sb, "hostb0", "netkit:v1 id=0badc0df subnet=10.88.0.77/24 gw=10.88.0.1 masq=0 group=70005 reap=70006 mtu=0");
            craftedBridge(sb, "path0", "netkit:v1 id=x/../../../tmp/nkt-hr-evil subnet=172.21.0.0/24 gw=172.21.0.1 masq=0 group=70007 reap=70008 mtu=0");
            craftedBridge(sb, "gw0", "netkit:v1 id=0badc0e0 subnet=172.22.0.0/24 gw=172.23.0.1 masq=0 group=70009 reap=70010 mtu=0");
            craftedBridge(sb, "grp0", "netkit:v1 id=0badc0e1 subnet=172.24.0.0/24 gw=172.24.0.1 masq=0 group=0 reap=70011 mtu=0");
            craftedBridge(sb, "fw0", "netkit:v1 id=0badc0e2 subnet=172.25.0.0/24 gw=172.25.0.1 masq=1 group=70012 reap=70013 mtu=0 fw=pf%0a;rm");
            for (String name : List.of("noid0", "all0", "hostb0", "path0", "gw0", "grp0", "fw0")) {
                assertThatThrownBy(() -> Network.open(sb.host(), name)).as(name)
                        .isInstanceOf(NetkitException.class)
                        .hasMessageContaining("netkit record on " + name + " is damaged");
            }
            assertThat(sb.host().networks()).isEmpty();
            assertThat(Path.of("/tmp/nkt-hr-evil.lock")).doesNotExist();
            assertThat(Files.list(Path.of("/tmp")).map(Path::toString).filter(p -> p.contains("nkt-hr-evil")).toList()).isEmpty();
            String rules = Probe.iptablesSave(sb.name() + "-host");
            assertThat(rules).doesNotContain("MASQUERADE").doesNotContain("netkit:");
            assertThatThrownBy(() -> Network.open(sb.host(), "fw0")).hasMessageContaining("fw=pf?;rm: expected nft or ipt");
        }
    }

    @Test
    void endpointRecordsOutsideTheSubnetNeverBecomeRules() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
            Endpoint web = net.attach(EndpointSpec.create(sb.name("web")).publish(8080, 80));
            long ino = web.namespaceInode();
            craftedVeth(sb, "nkv8888aaaa", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=8.8.8.8/24 if=eth0 ino="
                    + ino + " ns=x own=0 pub=t18092:53");
            craftedVeth(sb, "nkv0000bbbb", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=0.0.0.0/0 if=eth0 ino="
                    + ino + " ns=y own=0 pub=t18093:53");
            craftedVeth(sb, "nkvgw00cccc", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=172.16.0.1/24 if=eth0 ino="
                    + ino + " ns=z own=0 pub=t18094:53");
            // The next attach re-applies the network's rules from the records (the network publishes ports).
            Endpoint c2 = net.attach(sb.name("c2"));
            assertThat(c2.address().getHostAddress()).isEqualTo("172.16.0.3");
            String rules = Probe.iptablesSave(sb.name() + "-host");
            assertThat(rules).contains("--to-destination 172.16.0.2:80")
                    .doesNotContain("8.8.8.8").doesNotContain("0.0.0.0:53").doesNotContain("18092")
                    .doesNotContain("18093").doesNotContain("18094");
            assertThat(net.endpoints()).extracting(Endpoint::hostInterface).containsExactlyInAnyOrder(
                    web.hostInterface(), c2.hostInterface());
            c2.detach();
            assertThat(Probe.iptablesSave(sb.name() + "-host")).doesNotContain("8.8.8.8").doesNotContain("18092");
        }
    }

    @Test
    void recordsNeverMakeNetkitDeleteANamespaceItDidNotCreate() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX)) {
            String decoy = sb.name("decoy");
            NetNamespace.create(decoy).close();
            long decoyIno = Files.readAttributes(Path.of("/run/netns", decoy), "unix:ino").get("ino") instanceof Long l ? l : 0;
            Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create();
            // own=1 ns=DECOY without ino (the old close() unmounted it), and with a wrong inode.
            craftedVeth(sb, "nkvdec01111", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=172.16.0.9/24 if=eth0 ns="
                    + decoy + " own=1");
            craftedVeth(sb, "nkvdec02222", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=172.16.0.10/24 if=eth0 ino="
                    + (decoyIno + 1) + " ns=" + decoy + " own=1");
            // A detached record naming the decoy in the reap group, without an inode.
            craftedVeth(sb, "nkvdec03333", net.reapGroup, "netkit:v1 net=br0 nid=" + net.id + " detached=1 ns=" + decoy + " own=1");
            assertThat(net.endpoints()).isEmpty();
            Network adopted = Network.open(sb.host(), "br0");
            adopted.close();
            net.close();
            assertThat(NetNamespace.exists(decoy)).as("the decoy namespace").isTrue();
            assertThat(Probe.linkNames(sb.name() + "-host")).containsExactlyInAnyOrder("lo", Sandbox.UPLINK);
        }
    }

    @Test
    void recordsNamingTheHostOrTheMachineNamespaceAreIgnored() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network net = Network.bridge("br0").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
            long hostIno = sb.hostNamespace().inode();
            long initIno = Namespaces.initInode();
            craftedVeth(sb, "nkvproc11111", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=172.16.0.20/24 if="
                    + Sandbox.UPLINK + " ino=" + initIno + " path=/proc/1/ns/net own=0");
            craftedVeth(sb, "nkvhost22222", net.group, "netkit:v1 net=br0 nid=" + net.id + " addr=172.16.0.21/24 if="
                    + Sandbox.UPLINK + " ino=" + hostIno + " path=/run/netns/" + sb.name() + "-host own=0");
            assertThat(net.endpoints()).isEmpty();
            Network adopted = Network.open(sb.host(), "br0");
            assertThat(adopted.endpoints()).isEmpty();
            adopted.close();
            // The host's uplink was never taken down or renamed.
            assertThat(Probe.ip(sb.name() + "-host", "link", "show", Sandbox.UPLINK).get(0).get("flags").toString()).contains("UP");
            assertThat(Probe.ip(sb.name() + "-host", "-4", "addr", "show", "dev", Sandbox.UPLINK).get(0).get("addr_info").toString())
                    .contains("203.0.113.2");
        }
    }

    @Test
    void aRecordClaimingAnotherNetworksLinkGroupIsRefused() throws Exception {
        try (Sandbox sb = Sandbox.create(PREFIX);
             Network a = Network.bridge("bra").on(Probe.ipt(sb)).subnet("172.16.0.0/24").create()) {
            Endpoint c1 = a.attach(sb.name("c1"));
            craftedBridge(sb, "evil0", "netkit:v1 id=0badc0e2 subnet=172.30.0.0/24 gw=172.30.0.1 masq=0 group="
                    + a.group + " reap=" + a.reapGroup + " mtu=0");
            assertThatThrownBy(() -> Network.open(sb.host(), "evil0")).isInstanceOf(NetkitException.class)
                    .hasMessageContaining("holds network bra");
            // Network a is intact: its bridge and endpoint are still there and working.
            assertThat(Probe.linkNames(sb.name() + "-host")).contains("bra", c1.hostInterface());
            assertThat(Probe.roundTrip(c1, sb.hostNamespace(), a.gateway())).isEqualTo(c1.address());
            // A foreign link moved into a's group is not deleted by a's teardown.
            ipIn(sb, "link", "add", "foreign0", "group", Integer.toString(a.group), "type", "veth", "peer", "name", "foreign0p");
            assertThatCode(a::close).doesNotThrowAnyException();
            assertThat(Probe.linkNames(sb.name() + "-host")).contains("foreign0", "evil0").doesNotContain("bra", c1.hostInterface());
        }
    }
}
