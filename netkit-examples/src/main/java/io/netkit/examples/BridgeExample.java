package io.netkit.examples;

import io.netkit.core.Endpoint;
import io.netkit.core.Host;
import io.netkit.core.Network;
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
 * try (Network net = Network.bridge("br0").on(host).subnet("172.16.0.0/24").create()) {   // br0 172.16.0.1/24
 *     Endpoint c1 = net.attach("c1");       // netns c1, veth with eth0 inside, 172.16.0.2/24, default via .1
 *     Endpoint c2 = net.attach("c2");       // 172.16.0.3
 *     Endpoint c3 = net.attach("c3");       // 172.16.0.4
 *     c1.exec("ping", "-c1", c2.address().getHostAddress());
 * }                                         // the veths, the namespaces c1..c3, the bridge and netkit's rules are gone
 * }</pre>
 *
 * Run it: {@code java -jar netkit-examples/target/netkit-examples.jar bridge}
 */
public final class BridgeExample {

    static final String SUBNET = "172.16.0.0/24";
    static final int PORT = 7000;

    private BridgeExample() {}

    public static void main(String[] args) {
        Main.main(Examples.prepend("bridge", args));
    }

    static void run(Narrator say, SandboxNames names, boolean keep) {
        try (DemoSandbox host = DemoSandbox.host(say, names)) {
            host.keep(keep);
            Network net = createBridge(say, host, false);
            try {
                List<Endpoint> containers = attachContainers(say, net, names, 3);
                reachEachOther(say, host, net, containers);
            } finally {
                if (!keep) tearDown(say, host, net, names, 3);
            }
        }
    }

    /** Step: the bridge with the gateway address, up (and with masquerade(): forwarding and NAT). */
    static Network createBridge(Narrator say, DemoSandbox host, boolean masquerade) {
        String h = host.name();
        say.step("Create the bridge br0 in the host, give it the gateway address 172.16.0.1/24 and bring it up",
                "ip -n " + h + " link add br0 type bridge",
                "ip -n " + h + " addr add 172.16.0.1/24 dev br0",
                "ip -n " + h + " link set br0 up");
        if (masquerade) {
            say.note("with masquerade(), create() also does:");
            say.note("$ ip netns exec " + h + " sysctl -w net.ipv4.ip_forward=1");
            say.note("$ ip netns exec " + h + " iptables -t nat -A POSTROUTING -s " + SUBNET + " ! -o br0 -j MASQUERADE");
            say.note("$ ip netns exec " + h + " iptables -A FORWARD -i br0 -j ACCEPT   (and replies back in)");
        }
        Network.Builder builder = Network.bridge("br0").on(host.host()).subnet(SUBNET);
        Network net = (masquerade ? builder.masquerade() : builder).create();
        say.result("br0 " + net.gateway().getHostAddress() + "/24, up" + (masquerade ? ", forwarding on, NAT for " + SUBNET : ""));
        return net;
    }

    /** Steps: {@code count} containers, each in a namespace of its own on the bridge. */
    static List<Endpoint> attachContainers(Narrator say, Network net, SandboxNames names, int count) {
        List<Endpoint> containers = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String c = names.container(i);
            String h = names.host();
            say.step("Attach container " + c + ": a namespace of its own, a veth pair with eth0 inside it and the other end on br0,"
                            + " the next free address, a default route via the bridge",
                    "ip netns add " + c,
                    "ip -n " + h + " link add VETH type veth peer name eth0 netns " + c + "; ip -n " + h + " link set VETH master br0 up",
                    "ip -n " + c + " addr add 172.16.0." + (i + 1) + "/24 dev eth0; ip -n " + c + " link set eth0 up; ip -n " + c + " link set lo up",
                    "ip -n " + c + " route add default via 172.16.0.1");
            Endpoint e = net.attach(c);
            say.madeNamespace(c);
            containers.add(e);
            say.result(c + ": eth0 " + e.address().getHostAddress() + "/24, default via " + e.gateway().getHostAddress()
                    + "; host side " + e.hostInterface() + " on br0 (VETH above)");
        }
        return containers;
    }

    /** Steps: every container reaches every other one and the bridge address, with TCP (and ping). */
    static void reachEachOther(Narrator say, DemoSandbox host, Network net, List<Endpoint> containers) {
        Map<String, NetNamespace> places = new LinkedHashMap<>();
        Map<String, InetAddress> addresses = new LinkedHashMap<>();
        places.put(host.name() + " (br0)", host.netns());
        addresses.put(host.name() + " (br0)", net.gateway());
        for (Endpoint e : containers) {
            places.put(e.name(), e.namespace());
            addresses.put(e.name(), e.address());
        }

        if (Ping.available()) {
            say.step("Each container pings the bridge (host) address and every other container",
                    "ip netns exec C ping -c1 ADDRESS   (for each pair)");
            for (Endpoint from : containers) {
                for (Map.Entry<String, InetAddress> to : addresses.entrySet()) {
                    if (to.getKey().equals(from.name())) continue;
                    Ping.Reply reply = Ping.once(from.namespace(), to.getValue()).orElseThrow();
                    say.verify("ping " + from.name() + " -> " + to.getKey() + " " + to.getValue().getHostAddress(),
                            reply.received(), reply.summary());
                }
            }
        }

        say.step("TCP round trips: a server on each container and on the bridge address; each container connects to all the others",
                "ip netns exec C nc -l ADDRESS " + PORT + " &   (a server in each)",
                "echo hello | ip netns exec C nc ADDRESS " + PORT + "   (for each pair)");
        List<Tcp.Server> servers = new ArrayList<>();
        try {
            Map<String, Tcp.Server> byName = new LinkedHashMap<>();
            for (Map.Entry<String, NetNamespace> p : places.entrySet()) {
                Tcp.Server s = Tcp.Server.start(p.getValue(), addresses.get(p.getKey()), PORT, p.getKey());
                servers.add(s);
                byName.put(p.getKey(), s);
            }
            for (Endpoint from : containers) {
                for (Map.Entry<String, Tcp.Server> to : byName.entrySet()) {
                    if (to.getKey().equals(from.name())) continue;
                    InetAddress target = addresses.get(to.getKey());
                    String claim = "TCP " + from.name() + " -> " + to.getKey() + " " + target.getHostAddress() + ":" + PORT;
                    try {
                        String answer = Tcp.roundTrip(from.namespace(), target, PORT, "hello from " + from.name());
                        boolean seen = to.getValue().clientsSeen().contains(from.address());
                        say.verify(claim, seen, answer);
                    } catch (RuntimeException e) {
                        say.verify(claim, false, Main.describe(e));
                    }
                }
            }
        } finally {
            servers.forEach(Tcp.Server::close);
        }
    }

    /** Step: close the network; check that nothing of it is left in the host; remove the sandbox. */
    static void tearDown(Narrator say, DemoSandbox host, Network net, SandboxNames names, int count) {
        String h = host.name();
        List<String> containerNames = new ArrayList<>();
        for (int i = 1; i <= count; i++) containerNames.add(names.container(i));
        say.step("Tear down: net.close() removes the containers' veths and namespaces, the bridge and netkit's rules",
                SandboxNames.removalCommands(containerNames),
                "ip -n " + h + " link del br0",
                "ip netns exec " + h + " iptables-restore --noflush   (netkit's chains and jumps removed)");
        net.close();
        List<String> links = host.netkitLinks();
        List<String> rules = Firewall.netkitLines(host.netns());
        List<String> containersLeft = containerNames.stream().filter(NetNamespace::exists).toList();
        say.result("links left in " + h + ": " + links + "; netkit rules left: " + rules.size()
                + "; container namespaces left: " + containersLeft.size());
        say.verify("net.close() left no container namespace, veth, bridge or rule",
                containersLeft.isEmpty() && links.isEmpty() && rules.isEmpty(),
                "links " + links + ", rules " + rules + ", namespaces " + containersLeft);
        host.remove(say);
    }
}
