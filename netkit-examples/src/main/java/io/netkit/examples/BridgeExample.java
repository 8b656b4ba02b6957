package io.netkit.examples;

import io.netkit.core.Endpoint;
import io.netkit.core.Network;
import io.netkit.core.Sandbox;
import io.netkit.netlink.NetNamespace;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Part 2 of the walkthrough: a bridge on the host with three containers attached. Every container reaches
 * every other one and the bridge (host) address: a TCP round trip for each pair, and a ping where {@code ping}
 * is installed.
 *
 * <p>The code that matters, without the narration:
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.create("netkit-demo");                  // a host namespace (+ an internet)
 *      Network net = Network.bridge("br0").on(sandbox.host()).subnet("172.16.0.0/24").create()) {  // br0 172.16.0.1/24
 *     Endpoint c1 = net.attach(sandbox.name("c1"));   // netns, veth with eth0 inside, 172.16.0.2/24, default via .1
 *     Endpoint c2 = net.attach(sandbox.name("c2"));   // 172.16.0.3
 *     Endpoint c3 = net.attach(sandbox.name("c3"));   // 172.16.0.4
 *     c1.exec("ping", "-c1", c2.address().getHostAddress());
 * }                                                   // veths, container namespaces, bridge, rules, sandbox: gone
 * }</pre>
 *
 * Run it: {@code java -jar netkit-examples/target/netkit-examples.jar bridge}
 */
public final class BridgeExample {

    static final String SUBNET = "172.16.0.0/24";
    static final int PORT = 7000;
    static final int CONTAINERS = 3;

    private BridgeExample() {}

    public static void main(String[] args) {
        Main.main(Examples.prepend("bridge", args));
    }

    static void run(Narrator say, SandboxNames names, boolean keep) {
        try (Sandbox sandbox = Sandboxes.create(say, names, keep)) {
            Network net = createBridge(say, sandbox, false);
            try {
                List<Endpoint> containers = attachContainers(say, net, sandbox, CONTAINERS);
                reachEachOther(say, sandbox, net, containers);
            } finally {
                if (!keep) {
                    tearDown(say, sandbox, net, CONTAINERS);
                    Sandboxes.remove(say, sandbox, names);
                }
            }
        }
    }

    /** Step: the bridge with the gateway address, up (and with masquerade(): forwarding and NAT). */
    static Network createBridge(Narrator say, Sandbox sandbox, boolean masquerade) {
        String h = sandbox.name("host");
        List<String> shell = new ArrayList<>(List.of(
                "ip -n " + h + " link add br0 type bridge",
                "ip -n " + h + " addr add 172.16.0.1/24 dev br0",
                "ip -n " + h + " link set br0 up",
                "ip netns exec " + h + " iptables -A FORWARD -i br0 -o br0 -j ACCEPT   (bridged frames pass FORWARD: br_netfilter)"));
        if (masquerade) {
            shell.add("ip netns exec " + h + " sysctl -w net.ipv4.ip_forward=1");
            shell.add("ip netns exec " + h + " iptables -t nat -A POSTROUTING -s " + SUBNET + " ! -o br0 -j MASQUERADE");
            shell.add("ip netns exec " + h + " iptables -A FORWARD -i br0 ! -o br0 -j ACCEPT");
            shell.add("ip netns exec " + h + " iptables -A FORWARD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
        }
        say.step(masquerade
                        ? "Create the bridge br0 with masquerade(): gateway 172.16.0.1/24, forwarding on, NAT for " + SUBNET
                        : "Create the bridge br0 in the host, with the gateway address 172.16.0.1/24, and bring it up",
                shell.toArray(String[]::new));
        Network.Builder builder = Network.bridge("br0").on(sandbox.host()).subnet(SUBNET);
        Network net = (masquerade ? builder.masquerade() : builder).create();
        say.result("br0 " + net.gateway().getHostAddress() + "/" + net.subnet().prefixLength() + ", up"
                + (net.masquerading() ? ", masquerading " + net.subnet() : ""));
        return net;
    }

    /** Steps: {@code count} containers, each in a namespace of its own on the bridge. */
    static List<Endpoint> attachContainers(Narrator say, Network net, Sandbox sandbox, int count) {
        List<Endpoint> containers = new ArrayList<>();
        String h = sandbox.name("host");
        for (int i = 1; i <= count; i++) {
            String c = sandbox.name("c" + i);
            say.step("Attach container " + c + ": its own namespace, a veth pair (eth0 inside, the other end on br0),"
                            + " the next free address, a default route",
                    "ip netns add " + c,
                    "ip -n " + h + " link add VETH master br0 up type veth peer name eth0 netns " + c,
                    "ip -n " + c + " link set eth0 up; ip -n " + c + " addr add 172.16.0." + (i + 1) + "/24 dev eth0; ip -n " + c
                            + " link set lo up",
                    "ip -n " + c + " route add default via 172.16.0.1",
                    "ip netns exec " + c + " arping -U -c1 -I eth0 172.16.0." + (i + 1) + "   (announces the address; after attach returns)");
            Endpoint e = net.attach(c);
            say.madeNamespace(c);
            say.fact("c" + i, c);
            containers.add(e);
            say.result(c + ": eth0 " + e.address().getHostAddress() + "/" + e.prefix().prefixLength() + ", default via "
                    + e.gateway().getHostAddress() + "; VETH = " + e.hostInterface() + " on br0");
        }
        return containers;
    }

    /** Steps: every container reaches every other one and the bridge address, with TCP (and ping). */
    static void reachEachOther(Narrator say, Sandbox sandbox, Network net, List<Endpoint> containers) {
        Map<String, NetNamespace> places = new LinkedHashMap<>();
        Map<String, InetAddress> addresses = new LinkedHashMap<>();
        String bridge = "the bridge (host)";
        places.put(bridge, sandbox.hostNamespace());
        addresses.put(bridge, net.gateway());
        for (Endpoint e : containers) {
            places.put(e.name(), e.namespace());
            addresses.put(e.name(), e.address());
        }

        if (Ping.available()) {
            say.step("Each container pings the bridge (host) address and every other container",
                    "ip netns exec CONTAINER ping -c1 ADDRESS   (for each pair)");
            for (Endpoint from : containers) {
                for (Map.Entry<String, InetAddress> to : addresses.entrySet()) {
                    if (to.getKey().equals(from.name())) continue;
                    Ping.Reply reply = Ping.once(from.namespace(), to.getValue()).orElseThrow();
                    say.verify("ping " + from.name() + " -> " + to.getKey() + " " + to.getValue().getHostAddress(),
                            reply.received(), reply.summary());
                }
            }
        }

        say.step("TCP round trips: a server in each container and on the bridge; each container connects to all the others",
                "ip netns exec PLACE nc -l ADDRESS " + PORT + " &   (a server in each)",
                "echo hello | ip netns exec CONTAINER nc ADDRESS " + PORT + "   (for each pair)");
        Map<String, Tcp.Server> servers = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, NetNamespace> p : places.entrySet()) {
                servers.put(p.getKey(), Tcp.Server.start(p.getValue(), addresses.get(p.getKey()), PORT, p.getKey()));
            }
            for (Endpoint from : containers) {
                for (Map.Entry<String, Tcp.Server> to : servers.entrySet()) {
                    if (to.getKey().equals(from.name())) continue;
                    InetAddress target = addresses.get(to.getKey());
                    String claim = "TCP " + from.name() + " -> " + to.getKey() + " " + target.getHostAddress() + ":" + PORT;
                    try {
                        String answer = Tcp.roundTrip(from.namespace(), target, PORT, "hello from " + from.name());
                        boolean seen = to.getValue().clientsSeen().contains(from.address());
                        say.verify(claim, seen, seen ? "" : "the server saw " + to.getValue().clientsSeen() + ": " + answer);
                    } catch (RuntimeException e) {
                        say.verify(claim, false, Main.describe(e));
                    }
                }
            }
        } finally {
            servers.values().forEach(Tcp.Server::close);
        }
    }

    /** Step: close the network, and check that nothing of it is left in the host. */
    static void tearDown(Narrator say, Sandbox sandbox, Network net, int count) {
        String h = sandbox.name("host");
        List<String> containerNames = new ArrayList<>();
        for (int i = 1; i <= count; i++) containerNames.add(sandbox.name("c" + i));
        say.step("Tear down: net.close() removes the containers' veths and namespaces, the bridge and netkit's rules",
                "ip -n " + h + " link del group G   (every veth of the network and br0, in one request)",
                SandboxNames.removalCommands(containerNames),
                net.firewall() == io.netkit.core.FirewallBackend.NFTABLES
                        ? "ip netns exec " + h + " nft -f -   (one transaction deletes the network's chains and jumps)"
                        : "ip netns exec " + h + " iptables-restore --noflush   (netkit's chains and their jumps removed)");
        net.close();
        List<String> links = Sandboxes.netkitLinks(sandbox);
        String rules = Sandboxes.netkitRules(sandbox.hostNamespace());
        List<String> containersLeft = containerNames.stream().filter(NetNamespace::exists).toList();
        say.result("left in " + h + ": links " + (links.isEmpty() ? "none" : links) + ", netkit rules "
                + (rules.isEmpty() ? "none" : rules.lines().count() + " lines") + ", container namespaces "
                + (containersLeft.isEmpty() ? "none" : containersLeft));
        boolean clean = containersLeft.isEmpty() && links.isEmpty() && rules.isEmpty();
        say.verify("net.close() left no container namespace, veth, bridge or rule", clean,
                clean ? "" : "links " + links + ", rules [" + rules + "], namespaces " + containersLeft);
    }
}
