package io.netkit.core;

import io.netkit.core.internal.Alias;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Address;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtNetlink;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link Overlay.Builder#create()}: makes the overlay, adopts the one an earlier process left, or finishes (or, for
 * other settings, undoes) the one a killed create or close left, as its record ahead ({@link OverlayIntent}) says.
 */
final class OverlayCreation {
    private static final int IPV4_OVERHEAD = Overlay.IPV4_OVERHEAD;
    private final String device;
    private final Host host;
    private final int vni;
    private final int port;
    private final InetAddress underlay;
    private final IpPrefix cidr;
    private final IpPrefix subnet;
    private final String bridge;
    private final MacAddress vtepMac;
    private final boolean masquerade;

    OverlayCreation(String device, Host host, int vni, int port, InetAddress underlay, IpPrefix cidr, IpPrefix subnet,
                    String bridge, MacAddress vtepMac, boolean masquerade) {
        this.device = device;
        this.host = host;
        this.vni = vni;
        this.port = port;
        this.underlay = underlay;
        this.cidr = cidr;
        this.subnet = subnet;
        this.bridge = bridge;
        this.vtepMac = vtepMac;
        this.masquerade = masquerade;
    }

    Overlay create() {
        String op = "create overlay " + device + " on " + host;
        if (underlay == null || cidr == null || subnet == null) {
            throw new IllegalArgumentException(op + ": " + (underlay == null ? "no underlay address given; call underlay(\"192.168.50.1\")"
                    : cidr == null ? "no cluster CIDR given; call cidr(\"10.244.0.0/16\")"
                    : "no subnet given; call subnet(\"10.244.1.0/24\")"));
        }
        if (subnet.prefixLength() < cidr.prefixLength() || !cidr.contains(subnet.address())) {
            throw new IllegalArgumentException(op + ": subnet " + subnet + " is outside the cluster CIDR " + cidr);
        }
        String br = bridge != null ? bridge : ("br" + device).substring(0, Math.min(15, device.length() + 2));
        Privileges.requireNetAdmin(op, false);
        NetNamespace ns = host.netns();
        RtNetlink rt = ns.netlink();
        List<Link> links = rt.links().list();
        Link under = underlayLink(op, rt, links);
        int mtu = under.mtu() - IPV4_OVERHEAD;

        Map<String, String> rec = Overlay.record(vni, port, underlay, cidr, subnet, br);

        // The record ahead (OverlayIntent) makes every instant of a killed create or close one a re-run finishes.
        try (OverlayIntent intent = OverlayIntent.acquire(host, device)) {
            Optional<OverlayIntent.Ahead> ahead = intent.read();
            if (ahead.isPresent() && !ahead.get().record().equals(rec)) {
                intent.undo(host, device, ahead.get()); // a killed create or close of other settings
                ahead = Optional.empty();
                links = rt.links().list();
            }
            Optional<Link> existing = ahead.isPresent() ? OverlayIntent.ownDevice(rt.links(), device, ahead.get())
                    : Optional.empty();
            if (existing.isEmpty()) {
                existing = links.stream().filter(l -> l.name().equals(device)).findFirst();
            }
            if (existing.isPresent()) {
                Overlay ov = adopt(op, existing.get(), rec, br, mtu, ahead.isPresent());
                intent.clear();
                return ov;
            }
            return make(op, intent, ahead, rec, br, under, mtu);
        }
    }

    private Overlay make(String op, OverlayIntent intent, Optional<OverlayIntent.Ahead> ahead, Map<String, String> rec,
                         String br, Link under, int mtu) {
        NetNamespace ns = host.netns();
        RtNetlink rt = ns.netlink();
        Undo undo = new Undo(op);
        String step = "record overlay " + device + " ahead";
        try {
            int group = ahead.map(OverlayIntent.Ahead::group).orElseGet(() -> freeGroup(rt.links().list()));
            intent.write(new OverlayIntent.Ahead(rec, group));
            undo.push("remove the record ahead", intent::remove);
            Faults.point("overlay:recorded-ahead");
            step = "create network " + br;
            Network net = network(br, mtu, ahead.isPresent());
            undo.push("close network " + br, net::close);
            Faults.point("overlay:network-made");
            if (!masquerade && !"1".equals(ns.sysctl().get("net.ipv4.ip_forward").trim())) {
                step = "enable net.ipv4.ip_forward";
                ns.sysctl().set("net.ipv4.ip_forward", "1");
            }
            MacAddress mac = vtepMac != null ? vtepMac : MacAddress.random();
            step = "create vxlan " + device;
            // The link group goes in the creation request; the alias (the record) only in a later one.
            rt.links().create(LinkSpec.vxlan(device, vni).port(port).local(underlay).device(under.name())
                    .learning(false).mtu(mtu).mac(mac).group(group));
            undo.push("delete vxlan " + device, () -> rt.links().delete(device));
            Faults.point("overlay:vxlan-made");
            step = "record overlay " + device + " on its device";
            rt.links().setAlias(device, Alias.encode(rec));
            Faults.point("overlay:vxlan-recorded");
            step = "add address " + subnet.address().getHostAddress() + "/32 to " + device;
            rt.addresses().add(device, IpPrefix.host(subnet.address()));
            Faults.point("overlay:address-added");
            step = "set " + device + " up";
            rt.links().setUp(device);
            Overlay ov = new Overlay(host, device, vni, port, underlay, cidr, subnet, mtu, mac, net, false);
            intent.clear();
            undo.commit();
            return ov;
        } catch (IllegalArgumentException e) {
            undo.rollback(e);
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            undo.rollback(e);
            throw new NetkitException(op, step, e);
        }
    }

    private static int freeGroup(List<Link> links) {
        while (true) {
            int g = io.netkit.core.internal.Names.group();
            if (links.stream().noneMatch(l -> l.group() == g)) {
                return g;
            }
        }
    }

    /** The overlay's network: a killed create or close (a record ahead) may have left it, else it is made. */
    private Network network(String br, int mtu, boolean resuming) {
        java.util.function.Supplier<Network> make = () -> {
            Network.Builder nb = Network.bridge(br).on(host).subnet(subnet).mtu(mtu);
            if (masquerade) {
                nb.masqueradeExcept(cidr.toString());
            }
            return nb.create();
        };
        return resuming ? OverlayIntent.openOrCreate(host, br, make) : make.get();
    }

    private Overlay adopt(String op, Link l, Map<String, String> rec, String br, int mtu, boolean resuming) {
        Map<String, String> found = Alias.decode(l.alias()).orElse(Map.of());
        if (!"vxlan".equals(l.kind()) || !rec.equals(found)) {
            throw new IllegalArgumentException(op + ": a link named " + device + " exists with other settings ("
                    + (found.isEmpty() ? "not made by netkit" : "netkit record " + found) + "; wanted " + rec
                    + "): close that overlay or delete the link (ip link del " + device + ") first");
        }
        if (l.info() instanceof io.netkit.netlink.VxlanInfo vx && (vx.id() != vni || vx.port() != port
                || !underlay.equals(vx.local()) || vx.learning())) {
            throw new IllegalArgumentException(op + ": the existing device " + device + " carries this overlay's record but "
                    + "the kernel reports " + vx + ": delete it (ip link del " + device + ") and create the overlay again");
        }
        if (vtepMac != null && !vtepMac.equals(l.mac())) {
            throw new IllegalArgumentException(op + ": the existing device " + device + " has MAC " + l.mac()
                    + ", not the requested " + vtepMac);
        }
        Network net = resuming ? network(br, mtu, true) : Network.open(host, br);
        if (!net.subnet().equals(subnet)) {
            throw new IllegalArgumentException(op + ": the existing bridge " + br + " has subnet " + net.subnet()
                    + ", not " + subnet);
        }
        RtNetlink rt = host.netns().netlink();
        IpPrefix vtep = IpPrefix.host(subnet.address());
        List<Address> addrs = rt.addresses().list(device);
        if (addrs.stream().noneMatch(a -> a.prefix().equals(vtep))) {
            rt.addresses().add(device, vtep);
        }
        if (!l.isUp()) {
            rt.links().setUp(device);
        }
        return new Overlay(host, device, vni, port, underlay, cidr, subnet, l.mtu(), l.mac(), net, true);
    }

    private Link underlayLink(String op, RtNetlink rt, List<Link> links) {
        for (Address a : rt.addresses().list()) {
            if (a.prefix().address().equals(underlay)) {
                for (Link l : links) {
                    if (l.index() == a.index()) {
                        return l;
                    }
                }
            }
        }
        throw new IllegalArgumentException(op + ": no link on " + host + " holds the underlay address "
                + IpAddresses.format(underlay) + " (give the address of the link that connects the hosts)");
    }
}
