package io.netkit.examples;

import io.netkit.netlink.Address;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;

import java.util.stream.Collectors;

/**
 * Part 1 of the walkthrough: two network namespaces joined by a veth pair, an address on each end, and real
 * traffic between them (a TCP round trip each way, and a ping where {@code ping} is installed).
 *
 * <p>The code that matters, without the narration:
 * <pre>{@code
 * try (NetNamespace left = NetNamespace.create("left"); NetNamespace right = NetNamespace.create("right")) {
 *     left.netlink().links().create(LinkSpec.veth("veth0", "veth1").peerNamespace(right).up().peerUp());
 *     left.netlink().addresses().add("veth0", IpPrefix.parse("172.16.0.1/24"));
 *     right.netlink().addresses().add("veth1", IpPrefix.parse("172.16.0.2/24"));
 *     left.netlink().links().setUp("lo");
 *     right.netlink().links().setUp("lo");
 * }
 * NetNamespace.delete("left");            // and with it both ends of the veth pair
 * NetNamespace.delete("right");
 * }</pre>
 *
 * Run it: {@code java -jar netkit-examples/target/netkit-examples.jar veth}
 */
public final class VethExample {

    static final IpPrefix LEFT = IpPrefix.parse("172.16.0.1/24");
    static final IpPrefix RIGHT = IpPrefix.parse("172.16.0.2/24");
    static final int PORT = 7000;

    private VethExample() {}

    public static void main(String[] args) {
        Main.main(Examples.prepend("veth", args));
    }

    static void run(Narrator say, SandboxNames names, boolean keep) {
        String l = names.left();
        String r = names.right();

        say.step("Create two network namespaces: two machines of their own, with nothing but a loopback interface",
                "ip netns add " + l, "ip netns add " + r);
        NetNamespace left = NetNamespace.create(l);
        say.madeNamespace(l);
        NetNamespace right = NetNamespace.create(r);
        say.madeNamespace(r);
        try {
            say.result(l + " and " + r + " exist (ip netns list)");

            say.step("Join them with a veth pair: veth0 in " + l + ", its peer veth1 created directly in " + r,
                    "ip -n " + l + " link add veth0 type veth peer name veth1 netns " + r);
            left.netlink().links().create(LinkSpec.veth("veth0", "veth1").peerNamespace(right));
            say.result("veth0 (" + l + ") <-> veth1 (" + r + ")");

            say.step("Give each end an address in 172.16.0.0/24",
                    "ip -n " + l + " addr add " + LEFT + " dev veth0",
                    "ip -n " + r + " addr add " + RIGHT + " dev veth1");
            left.netlink().addresses().add("veth0", LEFT);
            right.netlink().addresses().add("veth1", RIGHT);
            say.result(l + ": veth0 " + addresses(left, "veth0") + ";  " + r + ": veth1 " + addresses(right, "veth1"));

            say.step("Bring both ends and both loopbacks up",
                    "ip -n " + l + " link set veth0 up; ip -n " + l + " link set lo up",
                    "ip -n " + r + " link set veth1 up; ip -n " + r + " link set lo up");
            left.netlink().links().setUp("veth0");
            left.netlink().links().setUp("lo");
            right.netlink().links().setUp("veth1");
            right.netlink().links().setUp("lo");
            say.result("veth0 " + (left.netlink().links().get("veth0").isUp() ? "UP" : "DOWN")
                    + ", veth1 " + (right.netlink().links().get("veth1").isUp() ? "UP" : "DOWN"));

            if (Ping.available()) {
                say.step("Ping " + r + " from " + l, "ip netns exec " + l + " ping -c1 " + RIGHT.address().getHostAddress());
                Ping.Reply reply = Ping.once(left, RIGHT.address()).orElseThrow();
                say.result(reply.summary());
                say.verify("ping " + l + " -> " + RIGHT.address().getHostAddress(), reply.received(), reply.summary());
            }

            say.step("TCP round trip: a server in " + r + ", a client in " + l + " (Java sockets opened inside the namespaces)",
                    "ip netns exec " + r + " nc -l " + RIGHT.address().getHostAddress() + " " + PORT + " &",
                    "echo hello | ip netns exec " + l + " nc " + RIGHT.address().getHostAddress() + " " + PORT);
            roundTrip(say, left, l, right, r, RIGHT);

            say.step("And the other way round: a server in " + l + ", a client in " + r,
                    "ip netns exec " + l + " nc -l " + LEFT.address().getHostAddress() + " " + PORT + " &",
                    "echo hello | ip netns exec " + r + " nc " + LEFT.address().getHostAddress() + " " + PORT);
            roundTrip(say, right, r, left, l, LEFT);
        } finally {
            left.close();
            right.close();
            if (!keep) {
                say.step("Tear down: deleting a namespace destroys the interfaces in it, so the veth pair goes too",
                        "ip netns del " + l, "ip netns del " + r);
                NetNamespace.delete(l);
                NetNamespace.delete(r);
                boolean gone = !NetNamespace.exists(l) && !NetNamespace.exists(r);
                say.result(gone ? "no namespace of the example is left (ip netns list)" : "still there: " + NetNamespace.list());
                say.verify("nothing left: " + l + " and " + r + " are gone, and the veth pair with them", gone, "");
            }
        }
    }

    private static void roundTrip(Narrator say, NetNamespace client, String clientName,
                                  NetNamespace serverNs, String serverName, IpPrefix serverAddress) {
        IpPrefix clientAddress = serverAddress.equals(RIGHT) ? LEFT : RIGHT;
        try (Tcp.Server server = Tcp.Server.start(serverNs, serverAddress.address(), PORT, serverName)) {
            String answer = Tcp.roundTrip(client, serverAddress.address(), PORT, "hello from " + clientName);
            say.result("the server answered: " + answer);
            boolean ok = server.clientsSeen().contains(clientAddress.address());
            say.verify("TCP round trip " + clientName + " -> " + serverAddress.address().getHostAddress() + ":" + PORT
                    + " over the veth pair", ok, ok ? "" : "the server saw " + server.clientsSeen());
        }
    }

    private static String addresses(NetNamespace ns, String link) {
        return ns.netlink().addresses().list(link).stream()
                .filter(a -> a.prefix().isIpv4())
                .map(Address::prefix).map(IpPrefix::toString)
                .collect(Collectors.joining(", "));
    }
}
