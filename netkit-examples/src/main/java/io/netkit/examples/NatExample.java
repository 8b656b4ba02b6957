package io.netkit.examples;

import io.netkit.core.Endpoint;
import io.netkit.core.FirewallBackend;
import io.netkit.core.Network;
import io.netkit.core.Sandbox;

import java.net.InetAddress;
import java.util.List;

/**
 * Part 3 of the walkthrough, and the default: the bridge network with {@code masquerade()}. Containers reach a
 * TCP server on the "internet" (a namespace of its own, 203.0.113.0/24, with no route back to the containers'
 * subnet), and the server reports the client address it saw: the host's uplink address, 203.0.113.2. That is
 * the NAT. The example also shows the rules netkit installed and the forwarding state, then tears everything
 * down and checks that nothing is left.
 *
 * <p>The code that matters, without the narration:
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.create("netkit-demo");
 *      Network net = Network.bridge("br0").on(sandbox.host()).subnet("172.16.0.0/24").masquerade().create()) {
 *     Endpoint c1 = net.attach(sandbox.name("c1"));
 *     try (ServerSocket server = sandbox.internet().call(() -> new ServerSocket(8080))) {
 *         c1.call(() -> new Socket(sandbox.internetAddress(), 8080)).close();   // a socket opened inside c1
 *         server.accept().getInetAddress();                                    // 203.0.113.2: the host's uplink
 *     }
 * }
 * }</pre>
 *
 * Run it: {@code java -jar netkit-examples/target/netkit-examples.jar nat}; {@code nat --ipv6} runs the same story dual
 * stack ({@link #runIpv6}): the bridge also gets {@code fd00:16::/64}, the containers an IPv6 address each, and they
 * reach the internet's {@code 2001:db8::1} through NAT66, seen as the uplink's {@code 2001:db8::2}.
 */
public final class NatExample {

    static final int PORT = 8080;
    static final int CONTAINERS = 2;

    private NatExample() {}

    public static void main(String[] args) {
        Main.main(Examples.prepend("nat", args));
    }

    static void run(Narrator say, SandboxNames names, boolean keep) {
        try (Sandbox sandbox = Sandboxes.create(say, names, keep)) {
            Network net = BridgeExample.createBridge(say, sandbox, true);
            try {
                List<Endpoint> containers = BridgeExample.attachContainers(say, net, sandbox, CONTAINERS);
                showForwarding(say, sandbox);
                showRules(say, sandbox, net);
                reachTheInternet(say, sandbox, containers);
            } finally {
                if (!keep) {
                    BridgeExample.tearDown(say, sandbox, net, CONTAINERS);
                    Sandboxes.remove(say, sandbox, names);
                }
            }
        }
    }

    /** The IPv6 subnet of {@code nat --ipv6}. */
    static final String SUBNET6 = "fd00:16::/64";

    /** {@code nat --ipv6}: the same narration, dual stack; the IPv6 traffic goes through NAT66. */
    static void runIpv6(Narrator say, SandboxNames names, boolean keep) {
        try (Sandbox sandbox = Sandboxes.create(say, names, keep)) {
            Network net = createDualStackBridge(say, sandbox);
            try {
                List<Endpoint> containers = BridgeExample.attachContainers(say, net, sandbox, CONTAINERS);
                for (Endpoint c : containers) {
                    say.result(c.name() + " also has " + c.address6().map(a -> a.getHostAddress()).orElse("no IPv6 address")
                            + ", default route via " + net.gateway6().map(a -> a.getHostAddress()).orElse("-"));
                    say.verify(c.name() + " has an IPv6 address in " + SUBNET6, c.address6().isPresent(), "");
                }
                showForwarding(say, sandbox);
                String h = sandbox.name("host");
                say.step("Look at the IPv6 forwarding state: masquerade() switched it on for the IPv6 subnet too",
                        "ip netns exec " + h + " sysctl net.ipv6.conf.all.forwarding");
                String fwd6 = sandbox.hostNamespace().sysctl().get("net.ipv6.conf.all.forwarding").trim();
                say.result("net.ipv6.conf.all.forwarding = " + fwd6);
                say.verify("IPv6 forwarding is on in the host", "1".equals(fwd6), "");
                showRules(say, sandbox, net);
                if (net.firewall() == FirewallBackend.NFTABLES) {
                    say.step("Look at netkit's IPv6 rules: the same inet table holds both families, NAT66 for " + SUBNET6,
                            "ip netns exec " + h + " nft list table inet netkit | grep ip6   (netkit's IPv6 rules)");
                } else {
                    say.step("Look at netkit's IPv6 rules: the same layout through ip6tables, NAT66 for " + SUBNET6,
                            "ip netns exec " + h + " ip6tables-save   (netkit's lines)");
                }
                String rules6 = Sandboxes.netkitRules6(sandbox.hostNamespace());
                say.output(rules6.isEmpty() ? "(none)" : rules6);
                say.verify("netkit's IPv6 masquerade rule for " + SUBNET6 + " is installed",
                        rules6.lines().anyMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("masquerade")
                                && l.contains(SUBNET6)), "");
                reachTheInternet6(say, sandbox, containers);
            } finally {
                if (!keep) {
                    BridgeExample.tearDown(say, sandbox, net, CONTAINERS);
                    Sandboxes.remove(say, sandbox, names);
                }
            }
        }
    }

    static Network createDualStackBridge(Narrator say, Sandbox sandbox) {
        String h = sandbox.name("host");
        say.step("Create the bridge br0 dual stack with masquerade(): gateways 172.16.0.1/24 and fd00:16::1/64, "
                        + "forwarding on for both families, NAT for " + BridgeExample.SUBNET + " and NAT66 for " + SUBNET6,
                "ip -n " + h + " link add br0 type bridge",
                "ip -n " + h + " addr add 172.16.0.1/24 dev br0; ip -n " + h + " addr add fd00:16::1/64 dev br0 nodad",
                "ip -n " + h + " link set br0 up",
                "ip netns exec " + h + " sysctl -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1",
                "ip netns exec " + h + " iptables -t nat -A POSTROUTING -s " + BridgeExample.SUBNET + " ! -o br0 -j MASQUERADE",
                "ip netns exec " + h + " ip6tables -t nat -A POSTROUTING -s " + SUBNET6 + " ! -o br0 -j MASQUERADE",
                "(and the FORWARD accepts for both families)");
        Network net = Network.bridge("br0").on(sandbox.host()).subnet(BridgeExample.SUBNET).subnet(SUBNET6)
                .masquerade().create();
        say.result("br0 " + net.gateway().getHostAddress() + "/" + net.subnet().prefixLength() + " and "
                + net.gateway6().map(a -> a.getHostAddress()).orElse("?") + "/64, up, masquerading " + net.subnet()
                + (net.masquerading6() ? " and " + SUBNET6 : ""));
        say.verify("the network is dual stack with NAT66 (a unique local subnet is masqueraded by default)",
                net.subnet6().isPresent() && net.masquerading6(), "");
        return net;
    }

    static void reachTheInternet6(Narrator say, Sandbox sandbox, List<Endpoint> containers) {
        InetAddress server = sandbox.internetAddress6();
        String inet = sandbox.name("inet");
        String s = "[" + server.getHostAddress() + "]";
        say.step("Start a TCP server on the internet at " + s + ":" + PORT + "; it answers with the client address it sees",
                "ip netns exec " + inet + " nc -6 -l " + server.getHostAddress() + " " + PORT + " &");
        try (Tcp.Server internet = Tcp.Server.start(sandbox.internet(), server, PORT, "the internet server")) {
            say.result("listening in " + inet + " (which has no route to " + SUBNET6 + ")");
            for (Endpoint c : containers) {
                String mine = c.address6().map(InetAddress::getHostAddress).orElse("?");
                say.step("From container " + c.name() + " (" + mine + "), connect to the internet server over IPv6",
                        "echo hello | ip netns exec " + c.name() + " nc -6 " + server.getHostAddress() + " " + PORT);
                int before = internet.clientsSeen().size();
                String claim = "TCP over IPv6 " + c.name() + " -> internet " + s + ":" + PORT;
                try {
                    String answer = Tcp.roundTrip(c.namespace(), server, PORT, "hello from " + c.name());
                    say.result("the server answered: " + answer);
                    say.verify(claim + " (round trip)", true, "");
                } catch (RuntimeException e) {
                    say.verify(claim, false, Main.describe(e));
                    continue;
                }
                List<InetAddress> seen = internet.clientsSeen();
                String saw = seen.size() > before ? seen.get(before).getHostAddress() : "nothing";
                say.fact("server.saw6." + c.name(), saw);
                String uplink = sandbox.uplinkAddress6().getHostAddress();
                say.verify("the server saw " + c.name() + " as the host's uplink address " + uplink + ", not as " + mine
                        + ": NAT66 happened", uplink.equals(saw), "saw " + saw);
            }
            Endpoint first = containers.get(0);
            InetAddress direct = first.address6().orElseThrow();
            say.step("Try the other direction: from the internet, connect to " + first.name() + " at "
                            + direct.getHostAddress() + " (the internet has no route to " + SUBNET6 + ")",
                    "echo hello | ip netns exec " + inet + " nc -6 " + direct.getHostAddress() + " " + PORT);
            String unreachable;
            try {
                Tcp.roundTrip(sandbox.internet(), direct, PORT, "hello from the internet");
                unreachable = null;
            } catch (RuntimeException expected) {
                unreachable = Main.describe(expected);
            }
            say.result(unreachable == null ? "connected (unexpected)" : "refused by the kernel: " + unreachable);
            say.verify("the internet cannot reach " + direct.getHostAddress()
                    + " directly: the answers above could only come back through NAT66", unreachable != null, "");
        }
    }

    static void showForwarding(Narrator say, Sandbox sandbox) {
        say.step("Look at the host's forwarding state: masquerade() switched it on",
                "ip netns exec " + sandbox.name("host") + " sysctl net.ipv4.ip_forward");
        String forwarding = sandbox.hostNamespace().sysctl().get("net.ipv4.ip_forward").trim();
        say.result("net.ipv4.ip_forward = " + forwarding);
        say.fact("ip_forward", forwarding);
        say.verify("forwarding is on in the host (net.ipv4.ip_forward = 1)", "1".equals(forwarding), "");
    }

    static void showRules(Narrator say, Sandbox sandbox, Network net) {
        if (net.firewall() == FirewallBackend.NFTABLES) {
            say.step("Look at the rules netkit installed in the host (native nftables, the default here): its table inet "
                            + "netkit, a chain set per network, every rule commented, written in one transaction",
                    "ip netns exec " + sandbox.name("host") + " nft list table inet netkit   (netkit's rules)");
        } else {
            say.step("Look at the rules netkit installed in the host: its own NETKIT-* chains, one jump into each, all "
                    + "commented", "ip netns exec " + sandbox.name("host") + " iptables-save   (netkit's lines)");
        }
        String rules = Sandboxes.netkitRules(sandbox.hostNamespace());
        say.output(rules.isEmpty() ? "(none)" : rules);
        say.fact("rules", rules);
        say.fact("firewall", net.firewall().name().toLowerCase(java.util.Locale.ROOT));
        say.verify("netkit's masquerade rule for " + BridgeExample.SUBNET + " is installed",
                rules.lines().anyMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("masquerade")
                        && l.contains(BridgeExample.SUBNET)), "");
    }

    static void reachTheInternet(Narrator say, Sandbox sandbox, List<Endpoint> containers) {
        InetAddress server = sandbox.internetAddress();
        String inet = sandbox.name("inet");
        say.step("Start a TCP server on the internet at " + server.getHostAddress() + ":" + PORT
                        + "; it answers with the client address it sees",
                "ip netns exec " + inet + " nc -l " + server.getHostAddress() + " " + PORT + " &");
        try (Tcp.Server internet = Tcp.Server.start(sandbox.internet(), server, PORT, "the internet server")) {
            say.result("listening in " + inet + " (which has no route to " + BridgeExample.SUBNET + ")");
            for (Endpoint c : containers) {
                say.step("From container " + c.name() + " (" + c.address().getHostAddress() + "), connect to the internet server",
                        "echo hello | ip netns exec " + c.name() + " nc " + server.getHostAddress() + " " + PORT);
                int before = internet.clientsSeen().size();
                String claim = "TCP " + c.name() + " -> internet " + server.getHostAddress() + ":" + PORT;
                try {
                    String answer = Tcp.roundTrip(c.namespace(), server, PORT, "hello from " + c.name());
                    say.result("the server answered: " + answer);
                    say.verify(claim + " (round trip)", true, "");
                } catch (RuntimeException e) {
                    say.verify(claim, false, Main.describe(e));
                    continue;
                }
                List<InetAddress> seen = internet.clientsSeen();
                String saw = seen.size() > before ? seen.get(before).getHostAddress() : "nothing";
                say.fact("server.saw." + c.name(), saw);
                if (c == containers.get(0)) say.fact("server.saw", saw);
                say.verify("the server saw " + c.name() + " as the host's uplink address " + sandbox.uplinkAddress().getHostAddress()
                                + ", not as " + c.address().getHostAddress() + ": the NAT happened",
                        sandbox.uplinkAddress().getHostAddress().equals(saw), "saw " + saw);
            }
            Endpoint first = containers.get(0);
            say.step("Try the other direction: from the internet, connect to " + first.name() + " at "
                            + first.address().getHostAddress() + " (the internet has no route to the containers)",
                    "echo hello | ip netns exec " + inet + " nc " + first.address().getHostAddress() + " " + PORT);
            String unreachable;
            try {
                Tcp.roundTrip(sandbox.internet(), first.address(), PORT, "hello from the internet");
                unreachable = null;
            } catch (RuntimeException expected) {
                unreachable = Main.describe(expected);
            }
            say.result(unreachable == null ? "connected (unexpected)" : "refused by the kernel: " + unreachable);
            say.verify("the internet cannot reach " + first.address().getHostAddress()
                    + " directly: the answers above could only come back through the NAT", unreachable != null, "");
            if (Ping.available()) {
                Endpoint c1 = containers.get(0);
                say.step("Ping the internet from " + c1.name(), "ip netns exec " + c1.name() + " ping -c1 " + server.getHostAddress());
                Ping.Reply reply = Ping.once(c1.namespace(), server).orElseThrow();
                say.result(reply.summary());
                say.verify("ping " + c1.name() + " -> internet " + server.getHostAddress(), reply.received(), reply.summary());
            }
        }
    }
}
