package io.netkit.examples;

import io.netkit.core.Host;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's sandbox: a namespace that plays the host, and for the nat example another that plays the
 * internet, joined by the host's uplink (a veth pair in 203.0.113.0/24, TEST-NET-3). Nothing of it is in the
 * machine's own namespace, and no link leads there, so no packet can leave the machine.
 *
 * <pre>
 *   PREFIX-host                                      PREFIX-internet
 *     br0 172.16.0.1/24 (the containers' bridge)
 *     uplink0 203.0.113.2/24  &lt;--- veth ---&gt;  eth0 203.0.113.1/24
 *     default via 203.0.113.1
 * </pre>
 */
final class DemoSandbox implements AutoCloseable {

    static final IpPrefix INTERNET_SERVER = IpPrefix.parse("203.0.113.1/24");
    static final IpPrefix UPLINK = IpPrefix.parse("203.0.113.2/24");
    static final String UPLINK_NAME = "uplink0";

    private final SandboxNames names;
    private final NetNamespace hostNs;
    private final Host host;
    private NetNamespace internetNs;
    private boolean keep;

    private DemoSandbox(SandboxNames names, NetNamespace hostNs) {
        this.names = names;
        this.hostNs = hostNs;
        this.host = Host.of(hostNs);
    }

    /** Step: the host namespace, with its loopback up. */
    static DemoSandbox host(Narrator say, SandboxNames names) {
        String h = names.host();
        say.step("Create the \"host\": a network namespace that plays the machine the containers run on",
                "ip netns add " + h, "ip -n " + h + " link set lo up");
        NetNamespace ns = NetNamespace.create(h);
        say.madeNamespace(h);
        DemoSandbox sandbox = new DemoSandbox(names, ns);
        try {
            ns.netlink().links().setUp("lo");
        } catch (RuntimeException e) {
            sandbox.close();
            throw e;
        }
        say.result(h + " exists; the machine's own network is not part of the demo");
        return sandbox;
    }

    /** Step: the internet namespace and the host's uplink to it, with the host's default route over it. */
    void addInternet(Narrator say) {
        String h = names.host();
        String i = names.internet();
        say.step("Create the \"internet\" (" + INTERNET_SERVER.network() + "), a namespace joined to the host by its uplink",
                "ip netns add " + i,
                "ip -n " + h + " link add " + UPLINK_NAME + " type veth peer name eth0 netns " + i,
                "ip -n " + h + " addr add " + UPLINK + " dev " + UPLINK_NAME + "; ip -n " + h + " link set " + UPLINK_NAME + " up",
                "ip -n " + i + " addr add " + INTERNET_SERVER + " dev eth0; ip -n " + i + " link set eth0 up; ip -n " + i + " link set lo up",
                "ip -n " + h + " route add default via " + INTERNET_SERVER.address().getHostAddress());
        internetNs = NetNamespace.create(i);
        say.madeNamespace(i);
        hostNs.netlink().links().create(LinkSpec.veth(UPLINK_NAME, "eth0").peerNamespace(internetNs));
        hostNs.netlink().addresses().add(UPLINK_NAME, UPLINK);
        hostNs.netlink().links().setUp(UPLINK_NAME);
        internetNs.netlink().addresses().add("eth0", INTERNET_SERVER);
        internetNs.netlink().links().setUp("eth0");
        internetNs.netlink().links().setUp("lo");
        hostNs.netlink().routes().add(RouteSpec.defaultVia(INTERNET_SERVER.address()));
        say.result("host uplink " + UPLINK + " <-> internet " + INTERNET_SERVER + "; the internet has no route to 172.16.0.0/24");
    }

    String name() {
        return names.host();
    }

    Host host() {
        return host;
    }

    NetNamespace netns() {
        return hostNs;
    }

    NetNamespace internet() {
        if (internetNs == null) throw new IllegalStateException("no internet in this sandbox: call addInternet first");
        return internetNs;
    }

    InetAddress uplinkAddress() {
        return UPLINK.address();
    }

    InetAddress internetAddress() {
        return INTERNET_SERVER.address();
    }

    /** The host's links other than the sandbox's own ({@code lo}, the uplink): what a network put there. */
    List<String> netkitLinks() {
        List<String> left = new ArrayList<>();
        for (Link l : hostNs.netlink().links().list()) {
            if (!l.name().equals("lo") && !l.name().equals(UPLINK_NAME)) left.add(l.name());
        }
        return left;
    }

    /** Whether {@link #close()} leaves the namespaces in place ({@code --keep}). */
    void keep(boolean keep) {
        this.keep = keep;
    }

    /** Step: removes the sandbox's namespaces and checks that none is left. */
    void remove(Narrator say) {
        List<String> mine = new ArrayList<>(List.of(names.host()));
        if (internetNs != null) mine.add(names.internet());
        say.step("Remove the sandbox: the host" + (internetNs != null ? " and the internet" : "")
                + " namespaces, and with them the uplink", SandboxNames.removalCommands(mine));
        deleteNamespaces();
        List<String> left = names.presentIn(NetNamespace.list());
        say.result(left.isEmpty() ? "no namespace of the sandbox is left (ip netns list)" : "still there: " + left);
        say.verify("nothing left: no namespace of the sandbox (" + names.prefix() + "-*) remains", left.isEmpty(), String.join(", ", left));
    }

    private void deleteNamespaces() {
        hostNs.close();
        if (internetNs != null) internetNs.close();
        for (String n : List.of(names.host(), names.internet())) {
            if (NetNamespace.exists(n)) NetNamespace.delete(n);
        }
    }

    /** Releases the handles; unless kept, also removes what is left of the sandbox. Idempotent. */
    @Override
    public void close() {
        host.close();
        if (keep) {
            hostNs.close();
            if (internetNs != null) internetNs.close();
        } else {
            deleteNamespaces();
        }
    }
}
