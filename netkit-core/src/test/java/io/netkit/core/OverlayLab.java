package io.netkit.core;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated hosts for overlay tests: a "lab" namespace with an underlay bridge {@code ul0} (192.168.50.254/24), one
 * namespace per host joined to it by a veth ({@code eth0}, 192.168.50.N/24, default route via the lab), and the lab's
 * 203.0.113.1 standing in for the internet (the lab has no route to any container subnet, so only NATed traffic
 * comes back). Nothing outside these namespaces is touched; {@link #close()} deletes them all.
 */
public final class OverlayLab implements AutoCloseable {
    public static final String INTERNET = "203.0.113.1";
    public static final String LAB_ADDRESS = "192.168.50.254";

    public final String prefix;
    public final NetNamespace lab;
    private final List<NetNamespace> hosts = new ArrayList<>();

    public OverlayLab(String prefix) {
        this.prefix = prefix;
        this.lab = NetNamespace.create(prefix + "-lab");
        try {
            lab.netlink().links().setUp("lo");
            lab.netlink().links().create(LinkSpec.bridge("ul0").up());
            lab.netlink().addresses().add("ul0", IpPrefix.parse(LAB_ADDRESS + "/24"));
            lab.netlink().addresses().add("lo", IpPrefix.parse(INTERNET + "/32"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Host {@code n} (1..250): namespace PREFIX-hN with eth0 = 192.168.50.N/24 on the lab's underlay bridge. */
    public synchronized NetNamespace host(int n) {
        String name = prefix + "-h" + n;
        NetNamespace h = NetNamespace.create(name);
        hosts.add(h);
        h.netlink().links().setUp("lo");
        lab.netlink().links().create(LinkSpec.veth("ulh" + n, "eth0").peerNamespace(h));
        lab.netlink().links().setMaster("ulh" + n, "ul0");
        lab.netlink().links().setUp("ulh" + n);
        h.netlink().addresses().add("eth0", IpPrefix.parse(underlay(n) + "/24"));
        h.netlink().links().setUp("eth0");
        h.netlink().routes().add(RouteSpec.defaultVia(IpAddresses.parse(LAB_ADDRESS)));
        return h;
    }

    public static String underlay(int n) {
        return "192.168.50." + n;
    }

    public static InetAddress internet() {
        return IpAddresses.parse(INTERNET);
    }

    /** Deletes the hosts' namespaces, their containers' (named PREFIX-...) and the lab. */
    @Override
    public synchronized void close() {
        for (NetNamespace h : hosts) {
            h.close();
        }
        for (String n : NetNamespace.list()) {
            if (n.startsWith(prefix + "-")) {
                try {
                    NetNamespace.delete(n);
                } catch (RuntimeException ignored) {
                    // gone already
                }
            }
        }
        lab.close();
    }
}
