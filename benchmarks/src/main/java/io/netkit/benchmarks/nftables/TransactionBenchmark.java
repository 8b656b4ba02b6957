package io.netkit.benchmarks.nftables;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.nftables.Chain;
import io.netkit.nftables.CtState;
import io.netkit.nftables.Family;
import io.netkit.nftables.Hook;
import io.netkit.nftables.NftSet;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.RuleBuilder;
import io.netkit.nftables.SetElement;
import io.netkit.nftables.SetType;
import io.netkit.nftables.Table;
import io.netkit.nftables.Transaction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Native nf_tables transactions in a bench host namespace, beside the tools doing the same work:
 *
 * <ul>
 *   <li>a masquerading network's firewall — {@code table inet nkbench}, chains forward (filter), postrouting and
 *       prerouting (nat) and a regular per-network chain, 6 commented rules (jump, bridged, outbound, replies with
 *       ct state, masquerade, a DNAT publish): {@code netkitFirewall} (one {@link Transaction}) vs
 *       {@code nftFirewall} ({@code ip netns exec H nft -f FILE} with the same ruleset) vs
 *       {@code restoreFirewall} ({@code ip netns exec H iptables-restore --noflush FILE} with the iptables
 *       equivalent: 2 owned chains, 2 hook jumps, 5 rules);</li>
 *   <li>publishing one more port where DNAT is one map rule ({@code dnat ip to tcp dport map @published-tcp}):
 *       {@code netkitPublish} (one element in one transaction) vs {@code nftPublish} ({@code nft add element}) vs
 *       {@code restorePublish} ({@code iptables-restore --noflush} of one DNAT rule);</li>
 *   <li>1000 rules ({@code ip saddr 10.X.Y.0/24 tcp dport N counter accept comment "rule N"}) in one transaction:
 *       {@code netkit1000} vs {@code nft1000} ({@code nft -f} of the same rules).</li>
 * </ul>
 * Before each iteration the table (and for iptables the chains) is removed, untimed, followed by a 30 ms pause for the
 * kernel's deferred freeing, so every iteration creates into a quiet state.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Benchmark)
public class TransactionBenchmark {
    static final Table T = Table.of(Family.INET, "nkbench");
    static final Chain FWD = Chain.base(T, "forward", Chain.Type.FILTER, Hook.FORWARD, 0, Chain.Policy.ACCEPT);
    static final Chain POST = Chain.base(T, "postrouting", Chain.Type.NAT, Hook.POSTROUTING, 100, Chain.Policy.ACCEPT);
    static final Chain PRE = Chain.base(T, "prerouting", Chain.Type.NAT, Hook.PREROUTING, -100, Chain.Policy.ACCEPT);
    static final Chain NET = Chain.regular(T, "fwd-br0");
    static final Chain MANY = Chain.regular(T, "many");
    static final NftSet PUBLISHED = NftSet.map(T, "published-tcp", SetType.INET_SERVICE, SetType.IPV4_ADDR_SERVICE);
    static final int RULES = 1000;
    static final java.net.InetAddress DNAT_TARGET = IpAddresses.parse("172.16.0.2");

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    NetNamespace ns;
    Nftables nft;
    List<Rule> firewall;
    List<Rule> many;
    String nftFirewallFile;
    String nftManyFile;
    String restoreFile;
    String restoreCleanFile;
    int port = 10000;
    String publishNft;
    String publishRestoreFile;

    @Setup(Level.Trial)
    public void setUp() {
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        ns = NetNamespace.open(host);
        nft = Nftables.open(ns);
        firewall = List.of(
                Rule.builder(FWD).jump(NET.name()).comment("netkit:br0").build(),
                Rule.builder(NET).iifname("br0").oifname("br0").accept().comment("netkit:br0 bridged").build(),
                Rule.builder(NET).iifname("br0").oifnameNot("br0").accept().comment("netkit:br0 outbound").build(),
                Rule.builder(NET).oifname("br0").ctState(CtState.ESTABLISHED, CtState.RELATED).accept()
                        .comment("netkit:br0 replies").build(),
                Rule.builder(POST).saddr(IpPrefix.parse("172.16.0.0/24")).oifnameNot("br0").masquerade()
                        .comment("netkit:br0 masquerade").build(),
                Rule.builder(PRE).daddr(IpPrefix.parse("203.0.113.2/32")).dport(RuleBuilder.TCP, 8080)
                        .dnat(IpAddresses.parse("172.16.0.2"), 80).comment("netkit:br0 publish 8080").build());
        nftFirewallFile = work.writeString("firewall.nft", """
                table inet nkbench {
                  chain forward { type filter hook forward priority 0; policy accept; jump fwd-br0 comment "netkit:br0"; }
                  chain postrouting { type nat hook postrouting priority 100; policy accept;
                    ip saddr 172.16.0.0/24 oifname != "br0" masquerade comment "netkit:br0 masquerade"; }
                  chain prerouting { type nat hook prerouting priority -100; policy accept;
                    ip daddr 203.0.113.2 tcp dport 8080 dnat ip to 172.16.0.2:80 comment "netkit:br0 publish 8080"; }
                  chain fwd-br0 {
                    iifname "br0" oifname "br0" accept comment "netkit:br0 bridged"
                    iifname "br0" oifname != "br0" accept comment "netkit:br0 outbound"
                    oifname "br0" ct state established,related accept comment "netkit:br0 replies"
                  }
                }
                """).toString();
        restoreFile = work.writeString("firewall.v4", """
                *filter
                :NETKIT-FWD-br0 - [0:0]
                -A FORWARD -m comment --comment "netkit:br0" -j NETKIT-FWD-br0
                -A NETKIT-FWD-br0 -i br0 -o br0 -m comment --comment "netkit:br0 bridged" -j ACCEPT
                -A NETKIT-FWD-br0 -i br0 ! -o br0 -m comment --comment "netkit:br0 outbound" -j ACCEPT
                -A NETKIT-FWD-br0 -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "netkit:br0 replies" -j ACCEPT
                COMMIT
                *nat
                :NETKIT-POST-br0 - [0:0]
                -A POSTROUTING -m comment --comment "netkit:br0" -j NETKIT-POST-br0
                -A NETKIT-POST-br0 -s 172.16.0.0/24 ! -o br0 -m comment --comment "netkit:br0 masquerade" -j MASQUERADE
                -A PREROUTING -d 203.0.113.2/32 -p tcp --dport 8080 -m comment --comment "netkit:br0 publish 8080" -j DNAT --to-destination 172.16.0.2:80
                COMMIT
                """).toString();
        restoreCleanFile = work.writeString("clean.v4", "*filter\nCOMMIT\n*nat\nCOMMIT\n").toString();

        many = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        lines.add("table inet nkbench {");
        lines.add("  chain many {");
        for (int i = 0; i < RULES; i++) {
            String cidr = "10." + (i / 250) + "." + (i % 250) + ".0/24";
            many.add(Rule.builder(MANY).saddr(IpPrefix.parse(cidr)).dport(RuleBuilder.TCP, 1000 + i).counter().accept()
                    .comment("rule " + i).build());
            lines.add("    ip saddr " + cidr + " tcp dport " + (1000 + i) + " counter accept comment \"rule " + i + "\"");
        }
        lines.add("  }");
        lines.add("}");
        nftManyFile = work.write("many.nft", lines).toString();
    }

    @Setup(Level.Iteration)
    public void clean(BenchmarkParams params) {
        if (nft.exists(T)) {
            nft.transaction().deleteTable(T).commit();
        }
        if (params.getBenchmark().endsWith("restoreFirewall") || params.getBenchmark().endsWith("restorePublish")) {
            Proc.run("ip", "netns", "exec", host, "iptables-restore", restoreCleanFile);
        }
        String b = params.getBenchmark();
        if (b.contains("Publish")) {
            port++;
            if (b.endsWith("netkitPublish") || b.endsWith("nftPublish")) {
                nft.transaction().addTable(T).addChain(PRE).addSet(PUBLISHED)
                        .addRule(Rule.builder(PRE).daddr(IpPrefix.parse("203.0.113.2/32"))
                                .dnatIpv4PortMap(RuleBuilder.TCP, PUBLISHED.name()).comment("netkit:br0 published").build())
                        .commit();
            }
            publishNft = "add element inet nkbench published-tcp { " + port + " : 172.16.0.2 . 80 }";
            publishRestoreFile = work.writeString("publish.v4", "*nat\n-A PREROUTING -d 203.0.113.2/32 -p tcp --dport "
                    + port + " -m comment --comment \"netkit:br0 publish " + port
                    + "\" -j DNAT --to-destination 172.16.0.2:80\nCOMMIT\n").toString();
        }
        try {
            // The kernel frees a deleted table's objects after an RCU grace period, in a work item that the next
            // transaction may wait for; let it finish so no iteration pays for the previous one's cleanup.
            Thread.sleep(30);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        nft.close();
        ns.close();
        spaces.close();
        work.close();
    }

    /** netkit: the masquerading network's firewall as one transaction (table, 4 chains, 6 rules). */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 100)
    @Measurement(iterations = 50)
    public void netkitFirewall() {
        Transaction tx = nft.transaction().addTable(T).addChain(FWD).addChain(POST).addChain(PRE).addChain(NET);
        for (Rule r : firewall) {
            tx.addRule(r);
        }
        tx.commit();
    }

    /** Yardstick: {@code nft -f} of the same ruleset in the namespace. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 20)
    public void nftFirewall() {
        Proc.run("ip", "netns", "exec", host, "nft", "-f", nftFirewallFile);
    }

    /** Yardstick: {@code iptables-restore --noflush} of the iptables equivalent in the namespace. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 20)
    public void restoreFirewall() {
        Proc.run("ip", "netns", "exec", host, "iptables-restore", "--noflush", "--wait", restoreFile);
    }

    /**
     * netkit: publishing one more port of a network whose DNAT is one map rule — one element in one transaction
     * (the firewall part of an attach with a published port).
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 100)
    @Measurement(iterations = 50)
    public void netkitPublish() {
        nft.transaction().addElements(PUBLISHED, List.of(SetElement.portToIpv4(port, DNAT_TARGET, 80))).commit();
    }

    /** Yardstick: {@code nft add element ...} of the same element. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 20)
    public void nftPublish() {
        Proc.run("ip", "netns", "exec", host, "nft", publishNft);
    }

    /** Yardstick: {@code iptables-restore --noflush} of one DNAT rule for the port. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 5)
    @Measurement(iterations = 20)
    public void restorePublish() {
        Proc.run("ip", "netns", "exec", host, "iptables-restore", "--noflush", "--wait", publishRestoreFile);
    }

    /** netkit: 1000 rules (with the table and chain) in one transaction. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 10)
    @Measurement(iterations = 20)
    public void netkit1000() {
        Transaction tx = nft.transaction().addTable(T).addChain(MANY);
        for (Rule r : many) {
            tx.addRule(r);
        }
        tx.commit();
    }

    /** Yardstick: {@code nft -f} of the same 1000 rules. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public void nft1000() {
        Proc.run("ip", "netns", "exec", host, "nft", "-f", nftManyFile);
    }
}
