package io.netkit.benchmarks.core;

import io.netkit.benchmarks.support.BenchNamespaces;
import io.netkit.benchmarks.support.Proc;
import io.netkit.benchmarks.support.WorkDir;
import io.netkit.core.FirewallBackend;
import io.netkit.core.internal.Firewall;
import io.netkit.core.internal.NetworkFirewall;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import io.netkit.nftables.Chain;
import io.netkit.nftables.Family;
import io.netkit.nftables.Nftables;
import io.netkit.nftables.Rule;
import io.netkit.nftables.RuleBuilder;
import io.netkit.nftables.Table;
import java.net.InetAddress;
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

/**
 * The firewall part of an attach with a published port (issue 12: "≤ 1 ms"), native backend, isolated from the rest
 * of the attach: a masquerading network with {@code endpoints} (10 unless given) endpoints publishing one port each, its rules in
 * {@code table inet netkit} of a bench host namespace; each iteration times one more endpoint's port (median of
 * single shots), and after it (untimed) the network goes back to its {@code endpoints} ports, then 20 ms pause:
 * <ul>
 *   <li>{@code netkitApply}: what netkit-core runs for it, {@code NftFirewall.apply} of the network's spec with one
 *       more published port: {@code GETGEN}, the network's chains known from the last commit, ONE transaction that
 *       appends the endpoint's three rules (DNAT, forward accept, hairpin masquerade), {@code GETGEN};</li>
 *   <li>{@code netkitAppend}: what an attach with a port on a publishing network runs now, {@code
 *       NftFirewall.append} of the new endpoint's mapping only ({@code GETGEN}, its three rules, ONE transaction);</li>
 *   <li>{@code netkitTransaction}: the transaction alone, the same three rules into a copy of the layout
 *       ({@code table inet nkyard}: the same base chains, jumps and per-network chains);</li>
 *   <li>{@code nftFile}: yardstick, {@code ip netns exec HOST nft -f FILE} with the same three rules
 *       ({@code add rule inet nkyard dnat-y meta nfproto ipv4 tcp dport N dnat ip to ADDR:80 comment "..."}, ...)
 *       into the same copy.</li>
 * </ul>
 * {@code nkyard}'s chains are emptied after each iteration. No sysctl or link work is included (see
 * {@link PublishAttachBenchmark} for the whole publish and attach).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 30)
@Measurement(iterations = 100)
@Fork(1)
@State(Scope.Benchmark)
public class PortFirewallBenchmark {
    static final String BRIDGE = "nkbbr0";
    static final String ID = "0000beef";
    static final IpPrefix SUBNET = IpPrefix.parse("172.16.0.0/20");
    static final Table YARD = Table.of(Family.INET, "nkyard");
    /** Endpoints with one published port each before the measured one. */
    /** Endpoints publishing one port each before the measured one. */
    @org.openjdk.jmh.annotations.Param({"10"})
    public int endpoints;

    BenchNamespaces spaces;
    WorkDir work;
    String host;
    NetNamespace ns;
    NetworkFirewall fw;
    Nftables nft;
    final List<Firewall.Published> published = new ArrayList<>();
    int endpoint;
    String measured;
    NetworkFirewall.Spec spec;
    List<Rule> rules;
    String nftFile;

    @Setup(Level.Trial)
    public void setUp(org.openjdk.jmh.infra.BenchmarkParams params) {
        measured = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        spaces = new BenchNamespaces();
        work = new WorkDir();
        host = spaces.create("host");
        ns = NetNamespace.open(host);
        nft = Nftables.shared(ns);
        fw = NetworkFirewall.of(FirewallBackend.NFTABLES);
        endpoint = endpoints - 1;
        for (int i = 0; i < endpoints; i++) {
            published.add(published(i));
        }
        fw.install(ns, spec());
        Proc.run("ip", "netns", "exec", host, "nft", "-f", work.writeString("yard.nft", """
                table inet nkyard {
                  chain fwd-y { }
                  chain post-y { }
                  chain dnat-y { }
                  chain forward { type filter hook forward priority 0; policy accept; jump fwd-y; }
                  chain postrouting { type nat hook postrouting priority 100; policy accept; jump post-y; }
                  chain prerouting { type nat hook prerouting priority -100; policy accept; fib daddr type local jump dnat-y; }
                }
                """).toString());
        for (int i = 0; i < 20; i++) {   // the JIT warm for the encoder before the first warm-up iteration
            prepare();
            if (measured.equals("netkitAppend") && i > 0) {
                netkitAppend();   // the first whole apply made the chains known (a new chain forgets the listing)
            } else {
                fw.apply(ns, spec);
            }
            restore();
        }
    }

    /** Untimed after each iteration: the network back to its {@code endpoints} ports, the copy's chains emptied. */
    @TearDown(Level.Iteration)
    public void restore() {
        published.remove(published.size() - 1);
        if (measured.equals("netkitApply") || measured.equals("netkitAppend")) {
            fw.apply(ns, spec());
        } else {
            // Only where netkit's table is not measured: any other commit moves the ruleset generation, after which
            // netkit lists its chains again (as it must after a foreign change).
            var tx = nft.transaction();
            for (String c : List.of("fwd-y", "post-y", "dnat-y")) {
                tx.flushChain(Chain.regular(YARD, c));
            }
            tx.commit();
        }
        try {
            Thread.sleep(20);   // the kernel's deferred freeing of the removed rules, before the next timed change
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String address(int i) {
        return "172.16." + ((i + 2) / 250) + "." + ((i + 2) % 250);
    }

    private static Firewall.Published published(int i) {
        return new Firewall.Published(io.netkit.iptables.Protocol.TCP, 10000 + i, address(i), 80, "nkb-c" + i, null);
    }

    private NetworkFirewall.Spec spec() {
        return new NetworkFirewall.Spec(BRIDGE, ID, SUBNET, true, null, null, false, false, published, List.of(), false);
    }

    @Setup(Level.Iteration)
    public void prepare() {
        endpoint = endpoints + (endpoint + 1 - endpoints) % 200;   // a fresh address and host port each time
        published.add(published(endpoint));
        spec = spec();
        String a = address(endpoint);
        int port = 10000 + endpoint;
        InetAddress c = IpAddresses.parse(a);
        String note = "netkit:" + BRIDGE + "@" + ID;
        rules = List.of(
                Rule.builder(Chain.regular(YARD, "post-y")).saddr(SUBNET).daddr(IpPrefix.host(c)).dport(RuleBuilder.TCP, 80)
                        .ctStatusDnat().masquerade().comment(note + " hairpin").build(),
                Rule.builder(Chain.regular(YARD, "dnat-y")).nfproto(Family.IP).dport(RuleBuilder.TCP, port).dnat(c, 80)
                        .comment(note + " publish").build(),
                Rule.builder(Chain.regular(YARD, "fwd-y")).daddr(IpPrefix.host(c)).oifname(BRIDGE).dport(RuleBuilder.TCP, 80)
                        .accept().comment(note + " publish").build());
        nftFile = work.writeString("port.nft",
                "add rule inet nkyard post-y ip saddr " + SUBNET + " ip daddr " + a + " tcp dport 80 ct status dnat masquerade comment \"" + note + " hairpin\"\n"
                + "add rule inet nkyard dnat-y meta nfproto ipv4 tcp dport " + port + " dnat ip to " + a + ":80 comment \"" + note + " publish\"\n"
                + "add rule inet nkyard fwd-y ip daddr " + a + " oifname \"" + BRIDGE + "\" tcp dport 80 accept comment \"" + note + " publish\"\n")
                .toString();
    }

    /** netkit-core's firewall step of a publishing attach: the network's rules with one more endpoint's port. */
    @Benchmark
    public void netkitApply() {
        fw.apply(ns, spec);
    }

    /**
     * What an attach with a port on a publishing network runs since the host-port index: {@code NftFirewall.append}
     * of the new endpoint's mapping only ({@code GETGEN}, its three rules rendered alone, ONE transaction).
     */
    @Benchmark
    public void netkitAppend() {
        if (!fw.append(ns, new NetworkFirewall.Spec(BRIDGE, ID, SUBNET, true, null, null, false, false,
                List.of(published(endpoint)), List.of(), false))) {
            throw new IllegalStateException("the append path declined");
        }
    }

    /** The one transaction with the endpoint's three rules, alone. */
    @Benchmark
    public void netkitTransaction() {
        var tx = nft.transaction();
        rules.forEach(tx::addRule);
        tx.commit();
    }

    /** Yardstick: {@code nft -f} of the same three rules. */
    @Benchmark
    public void nftFile() {
        Proc.run("ip", "netns", "exec", host, "nft", "-f", nftFile);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (ns != null) {
            ns.close();
        }
        spaces.close();
        work.close();
    }
}
