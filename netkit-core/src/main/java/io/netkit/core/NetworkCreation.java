package io.netkit.core;

import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.core.internal.Faults;
import io.netkit.core.internal.FirewallChoice;
import io.netkit.core.internal.NetworkFirewall;
import io.netkit.core.internal.Names;
import io.netkit.core.internal.NetworkLock;
import io.netkit.core.internal.Privileges;
import io.netkit.core.internal.Undo;
import io.netkit.netlink.Address;
import io.netkit.netlink.AddressOptions;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RtNetlink;
import java.math.BigInteger;
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

    /**
     * The IPv6 side of a network being created, or {@code null} without an IPv6 subnet: the gateway defaults to the
     * subnet's first address, NAT66 to {@code masquerade} for a unique local subnet.
     */
    static Records.Ipv6Config ipv6(String name, IpPrefix subnet6, InetAddress gateway6, boolean masquerade, Boolean masquerade6,
                                   boolean publish6, AddressRange pool6) {
        String op = "create network " + name;
        if (subnet6 == null) {
            if (gateway6 != null) {
                throw new IllegalArgumentException(op + ": IPv6 gateway " + IpAddresses.format(gateway6) + " given without "
                        + "an IPv6 subnet; add subnet(\"fd00:16::/64\") or similar, or leave the IPv6 gateway out");
            }
            if (pool6 != null) {
                throw new IllegalArgumentException(op + ": IPv6 allocation range " + pool6 + " given without an IPv6 "
                        + "subnet; add subnet(\"fd00:16::/64\") or similar, or leave the range out");
            }
            if (Boolean.TRUE.equals(masquerade6)) {
                throw new IllegalArgumentException(op + ": masquerade6(true) without an IPv6 subnet; add subnet(\"fd00:16::/64\") "
                        + "or similar");
            }
            return null;
        }
        InetAddress gw6 = gateway6 != null ? gateway6 : Ipv6.at(subnet6, BigInteger.ONE);
        String problem = Ipv6.gatewayProblem(subnet6, gw6);
        if (problem != null) {
            throw new IllegalArgumentException(op + ": " + problem);
        }
        if (pool6 != null && pool6.problemIn(subnet6) != null) {
            throw new IllegalArgumentException(op + ": " + pool6.problemIn(subnet6));
        }
        boolean nat = masquerade6 != null ? masquerade6 : masquerade && Ipv6.isUniqueLocal(subnet6);
        return new Records.Ipv6Config(subnet6, gw6, nat, publish6, pool6);
    }

    static Network create(Host host, String name, IpPrefix subnet, InetAddress gateway, boolean masquerade,
                          IpPrefix masqueradeExcept, int mtu, MacAddress mac, Records.Ipv6Config v6, AddressRange pool,
                          FirewallBackend wanted) {
        String op = "create network " + name + " on " + host;
        if (pool != null && pool.problemIn(subnet) != null) {
            throw new IllegalArgumentException(op + ": " + pool.problemIn(subnet));
        }
        if (subnet == null && v6 == null) {
            throw new IllegalArgumentException(op + ": no subnet given; call subnet(\"172.16.0.0/24\") and/or "
                    + "subnet(\"fd00:16::/64\") or similar");
        }
        if (subnet == null && gateway != null) {
            throw new IllegalArgumentException(op + ": IPv4 gateway " + IpAddresses.format(gateway) + " given for an "
                    + "IPv6-only network; add an IPv4 subnet, or leave the IPv4 gateway out");
        }
        if (subnet == null && masqueradeExcept != null) {
            throw new IllegalArgumentException(op + ": masqueradeExcept is IPv4 and the network is IPv6-only");
        }
        // An IPv6-only network (subnet == null) has no IPv4 gateway, address, rules or ip_forward.
        InetAddress gw = subnet == null ? null : gateway != null ? gateway : Ipv4.fromInt(Ipv4.toInt(subnet.address()) + 1);
        String gwProblem = subnet == null ? null : Records.gatewayProblem(subnet, gw);
        if (gwProblem != null) {
            throw new IllegalArgumentException(op + ": " + gwProblem);
        }
        Privileges.requireNetAdmin(op, false);
        NetNamespace hostNs = host.netns();
        FirewallBackend backend = FirewallChoice.resolve(hostNs, java.util.Objects.requireNonNull(wanted, "firewall == null"));
        NetworkFirewall fw = NetworkFirewall.of(backend);
        boolean forward6 = v6 != null && (masquerade || v6.masquerade());
        if (backend == FirewallBackend.IPTABLES) {
            if (masquerade && subnet != null) {
                Privileges.requireIptables(op);
            }
            if (forward6) {
                Privileges.requireIp6tables(op);
            }
        }
        try {
            // refuses what the backend cannot carry, before any change
            fw.check(ForwardingPolicy.spec(name, "00000000", subnet, masquerade, masqueradeExcept, v6, false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
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
            if (subnet != null) {
                checkOverlap(op, subnet, rt, links);
            }
            if (v6 != null) {
                checkOverlap6(op, v6.subnet(), rt, links);
            }

            BridgeRecord rec = new BridgeRecord(Names.hex(8), subnet, gw, masquerade, g, r, mtu, false, false,
                    masqueradeExcept, true, v6, pool, backend);
            // Held until the network is complete: a process adopting it meanwhile waits; if this process dies, the
            // adopter finds new=1 in the record and removes what was made.
            lock = NetworkLock.of(hostNs.inode(), name, rec.id()).acquire();
            // The kernel takes the alias (the record) only in a request after the bridge's creation: a process killed
            // in between leaves a bridge without it, which the record ahead identifies (HalfMadeBridge).
            lock.recordAhead(rec.encode());
            step = "create bridge " + name;
            LinkSpec spec = LinkSpec.bridge(name).mac(mac != null ? mac : MacAddress.random()).group(g).up();
            rt.links().create(spec);
            undo.push("delete bridge " + name, () -> rt.links().delete(name));
            Faults.point("create:bridge-made");
            step = "record network " + name + " on its bridge";
            rt.links().setAlias(name, rec.encode());
            if (mtu > 0) {
                // Set after creation, the bridge takes the MTU as chosen by the user and keeps it as ports come
                // and go (given at creation, it would follow the smallest port's MTU).
                step = "set mtu " + mtu + " on " + name;
                rt.links().setMtu(name, mtu);
            }

            if (subnet != null) {
                IpPrefix gwPrefix = IpPrefix.of(gw, subnet.prefixLength());
                step = "add address " + gwPrefix + " to " + name;
                rt.addresses().add(name, gwPrefix);
            }
            if (v6 != null) {
                // nodad: usable at once (a tentative gateway would drop the endpoints' first packets for a second).
                IpPrefix gw6 = IpPrefix.of(v6.gateway(), v6.subnet().prefixLength());
                step = "add address " + gw6 + " to " + name;
                rt.addresses().add(name, gw6, AddressOptions.defaults().noDad());
                // The IPv6 counterpart of learning a new endpoint's MAC from its gratuitous ARP: a neighbour entry from
                // the endpoint's unsolicited neighbour advertisement (kernel 5.19+; older kernels lack the knob and
                // resolve the endpoint on first use). Without it, the first packet forwarded to a fresh endpoint
                // (a published port) waits for neighbour discovery.
                step = "set net.ipv6.conf." + name + ".accept_untracked_na=2";
                try {
                    hostNs.sysctl().setInterface("ipv6", name, "accept_untracked_na", "2");
                } catch (RuntimeException e) {
                    org.slf4j.LoggerFactory.getLogger(NetworkCreation.class).debug("{}: {} not set: {}", op, step, e.toString());
                }
            }

            step = "install the firewall rules (" + backend.name().toLowerCase(java.util.Locale.ROOT) + ")";
            fw.install(hostNs, ForwardingPolicy.spec(name, rec.id(), subnet, masquerade, masqueradeExcept, v6, false));
            undo.push("remove the firewall rules", () -> fw.remove(hostNs, name, rec.id(), v6 != null));
            if (forward6) {
                step = "enable net.ipv6.conf.all.forwarding";
                String before = ForwardingPolicy.enableForwarding6(hostNs);
                if (before != null) {
                    undo.push("restore net.ipv6.conf.all.forwarding=" + before,
                            () -> hostNs.sysctl().set("net.ipv6.conf.all.forwarding", before));
                }
            }

            if (masquerade && subnet != null) {
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

    private static void checkOverlap6(String op, IpPrefix subnet6, RtNetlink rt, List<Link> links) {
        Map<Integer, String> names = new HashMap<>();
        for (Link l : links) {
            names.put(l.index(), l.name());
        }
        for (Address a : rt.addresses().list()) {
            IpPrefix p = a.prefix();
            if (p.isIpv4() || p.address().isLinkLocalAddress() || p.address().isLoopbackAddress()) {
                continue;
            }
            if (Ipv6.overlaps(subnet6.address(), subnet6.prefixLength(), p.address(), p.prefixLength())) {
                throw new IllegalArgumentException(op + ": IPv6 subnet " + subnet6 + " overlaps " + p + " on "
                        + names.getOrDefault(a.index(), "#" + a.index()) + " (choose another IPv6 subnet)");
            }
        }
    }

    private static boolean inUse(Collection<Link> links, int group) {
        for (Link l : links) {
            if (l.group() == group) {
                return true;
            }
        }
        return false;
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
