package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Address;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtNetlink;
import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Network.Builder#create()}: the bridge (pinned MAC, link group, up, its record in the alias) with the gateway
 * address, then the forwarding policy; all or nothing. The bridge is created with its record, so from the first
 * kernel change on, the network is findable (and removable) by any process.
 */
final class NetworkCreation {
    private NetworkCreation() {}

    static Network create(Host host, String name, IpPrefix subnet, InetAddress gateway, boolean masquerade,
                          IpPrefix masqueradeExcept, int mtu, MacAddress mac) {
        String op = "create network " + name + " on " + host;
        if (subnet == null) {
            throw new IllegalArgumentException(op + ": no subnet given; call subnet(\"172.16.0.0/24\") or similar");
        }
        InetAddress gw = gateway != null ? gateway : Ipv4.fromInt(Ipv4.toInt(subnet.address()) + 1);
        String gwProblem = Records.gatewayProblem(subnet, gw);
        if (gwProblem != null) {
            throw new IllegalArgumentException(op + ": " + gwProblem);
        }
        Privileges.requireNetAdmin(op, false);
        if (masquerade) {
            Privileges.requireIptables(op);
        }
        try {
            ForwardingPolicy.check(name, masquerade, masqueradeExcept, subnet); // refuses what iptables cannot carry, before any change
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
        NetNamespace hostNs = host.netns();
        RtNetlink rt = hostNs.netlink();
        Undo undo = new Undo(op);
        NetworkLock.Held lock = null;
        boolean failed = false;
        String step = "inspect the host";
        try {
            List<Link> links = rt.links().list();
            int g;
            int r;
            do {
                g = Names.group();
                r = Names.group();
            } while (g == r || inUse(links, g) || inUse(links, r));
            for (Link l : links) {
                if (l.name().equals(name)) {
                    throw new IllegalArgumentException(op + ": a link named " + name + " already exists"
                            + (Records.isNetkit(l.alias()) ? " (a netkit network: adopt it with Network.open)"
                                    : "; choose another name"));
                }
            }
            checkOverlap(op, subnet, rt, links);

            BridgeRecord rec = new BridgeRecord(Names.hex(8), subnet, gw, masquerade, g, r, mtu, false, false,
                    masqueradeExcept, true);
            // Held until the network is complete: a process adopting it meanwhile waits; if this process dies, the
            // adopter finds new=1 in the record and removes what was made.
            lock = NetworkLock.of(hostNs.inode(), name, rec.id()).acquire();
            step = "create bridge " + name;
            LinkSpec spec = LinkSpec.bridge(name).mac(mac != null ? mac : MacAddress.random()).group(g).up()
                    .alias(rec.encode());
            rt.links().create(spec);
            undo.push("delete bridge " + name, () -> rt.links().delete(name));
            if (mtu > 0) {
                // Set after creation, the bridge takes the MTU as chosen by the user and keeps it as ports come
                // and go (given at creation, it would follow the smallest port's MTU).
                step = "set mtu " + mtu + " on " + name;
                rt.links().setMtu(name, mtu);
            }

            IpPrefix gwPrefix = IpPrefix.of(gw, subnet.prefixLength());
            step = "add address " + gwPrefix + " to " + name;
            rt.addresses().add(name, gwPrefix);

            step = "install iptables rules";
            ForwardingPolicy.install(hostNs, name, rec.id(), subnet, masquerade, masqueradeExcept);
            undo.push("remove iptables rules", () -> io.netkit.core.internal.Firewall.remove(hostNs, name, rec.id()));

            if (masquerade) {
                step = "enable net.ipv4.ip_forward";
                String before = ForwardingPolicy.enableForwarding(hostNs);
                if (before != null) {
                    undo.push("restore net.ipv4.ip_forward=" + before, () -> hostNs.sysctl().set("net.ipv4.ip_forward", before));
                }
            }
            Faults.point("create:rules-installed");
            step = "record the network as complete";
            rt.links().setAlias(name, rec.created().encode());
            Network net = new Network(host, name, rec.created());
            undo.commit();
            return net;
        } catch (IllegalArgumentException | SecurityException e) {
            undo.rollback(e);
            failed = true;
            throw e;
        } catch (RuntimeException | Error e) {
            undo.rollback(e);
            failed = true;
            throw new NetkitException(op, step, e);
        } finally {
            if (lock != null) {
                if (failed) {
                    lock.markDeleted(); // nothing is left: release the lock file too
                }
                lock.close();
            }
        }
    }

    private static boolean inUse(Collection<Link> links, int group) {
        return links.stream().anyMatch(l -> l.group() == group);
    }

    private static void checkOverlap(String op, IpPrefix subnet, RtNetlink rt, List<Link> links) {
        int base = Ipv4.toInt(subnet.address());
        Map<Integer, String> names = new HashMap<>();
        for (Link l : links) {
            names.put(l.index(), l.name());
        }
        for (Address a : rt.addresses().list()) {
            IpPrefix p = a.prefix();
            if (p.isIpv4() && Ipv4.overlaps(base, subnet.prefixLength(), Ipv4.toInt(p.address()), p.prefixLength())) {
                throw new IllegalArgumentException(op + ": subnet " + subnet + " overlaps " + p + " on "
                        + names.getOrDefault(a.index(), "#" + a.index()) + " (choose another subnet)");
            }
        }
    }
}
