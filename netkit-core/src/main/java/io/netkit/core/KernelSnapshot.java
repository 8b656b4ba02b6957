package io.netkit.core;

import io.netkit.core.Records.BadRecordException;
import io.netkit.core.Records.BridgeRecord;
import io.netkit.core.Records.DetachedRecord;
import io.netkit.core.Records.EndpointRecord;
import io.netkit.core.Records.Record;
import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.core.internal.NetworkLock;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one link dump of the host ({@code ip -d link show}) says about one network: its bridge, the records of its
 * attached endpoints and of its detached veths, links in its link groups that carry no valid record of it, and the
 * endpoint records of every netkit network on the host (for host-port checks). Every record is parsed by
 * {@link Records#parse} and checked against the network (address inside the subnet, not reserved, link in the right
 * group, namespace not the host's own); a bad record is logged with the link's name, listed in {@link #problems}
 * and otherwise ignored.
 */
final class KernelSnapshot {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(KernelSnapshot.class);
    }

    final List<Link> links;
    /** The bridge if it still carries this network's record, else {@code null}. */
    final Link bridge;
    final BridgeRecord bridgeRecord;
    /** This network's attached endpoints, by host interface. */
    final Map<String, EndpointRecord> endpoints = new LinkedHashMap<>();
    /** This network's detached veths, by host interface. */
    final Map<String, DetachedRecord> detached = new LinkedHashMap<>();
    /**
     * Veths named {@code nkv...} in the network's link or reap group without a valid record of it: half-made by an
     * attach that was killed between creating the veth and recording it (netkit's own, by name, kind and group).
     */
    final List<Link> strays = new ArrayList<>();
    /** Other links in the network's link or reap group: not netkit's; never deleted, group deletion avoided. */
    final List<Link> foreign = new ArrayList<>();
    /** Valid endpoint records of every netkit network on the host, by host interface. */
    final Map<String, EndpointRecord> allEndpoints = new LinkedHashMap<>();
    /** Bad records and foreign links found, one line each (link name: reason). */
    final List<String> problems = new ArrayList<>();

    private KernelSnapshot(List<Link> links, Link bridge, BridgeRecord bridgeRecord) {
        this.links = links;
        this.bridge = bridge;
        this.bridgeRecord = bridgeRecord;
    }

    /** Reads {@code links} for network {@code net}. */
    static KernelSnapshot of(Network net, List<Link> links) {
        Link bridge = null;
        BridgeRecord br = null;
        for (Link l : links) {
            if (l.name().equals(net.name) && "bridge".equals(l.kind())) {
                Optional<BridgeRecord> r = bridgeRecord(l);
                if (r.isPresent() && r.get().id().equals(net.id)) {
                    bridge = l;
                    br = r.get();
                }
            }
        }
        KernelSnapshot s = new KernelSnapshot(links, bridge, br);
        long hostInode = net.host.netns().inode();
        for (Link l : links) {
            if (l == bridge) {
                continue;
            }
            Record rec;
            try {
                rec = Records.parse(l.alias()).orElse(null);
            } catch (BadRecordException e) {
                if (l.group() == net.group || l.group() == net.reapGroup) {
                    s.problem(net, l, e.getMessage());
                    s.stray(l);
                }
                continue;
            }
            if (rec instanceof EndpointRecord e) {
                String bad = checkNamespace(e, hostInode);
                if (bad == null) {
                    s.allEndpoints.put(l.name(), e);
                }
                if (!e.networkId().equals(net.id)) {
                    if (l.group() == net.group || l.group() == net.reapGroup) {
                        s.problem(net, l, "an endpoint of network " + e.network() + " (" + e.networkId() + ") in this network's link group");
                        s.foreign.add(l);
                    }
                    continue;
                }
                if (bad == null) {
                    bad = checkEndpoint(net, l, e);
                }
                if (bad != null) {
                    s.problem(net, l, bad);
                    s.allEndpoints.remove(l.name());
                    if (l.group() == net.group || l.group() == net.reapGroup) {
                        s.stray(l);
                    }
                    continue;
                }
                s.endpoints.put(l.name(), e);
            } else if (rec instanceof DetachedRecord d && d.networkId().equals(net.id)) {
                if (l.group() != net.reapGroup && l.group() != net.group) {
                    s.problem(net, l, "a detached record of this network outside its link groups");
                    continue;
                }
                if (d.own() && d.inode() == hostInode) {
                    s.problem(net, l, "a detached record naming the host's own namespace");
                    s.stray(l);
                    continue;
                }
                s.detached.put(l.name(), d);
            } else if (l.group() == net.group || l.group() == net.reapGroup) {
                if (rec != null) {
                    s.problem(net, l, "a record of another network in this network's link group");
                    s.foreign.add(l);
                } else {
                    s.stray(l);
                }
            }
        }
        return s;
    }

    /** The valid bridge record of {@code l}, empty if there is none (a bad one is logged). */
    static Optional<BridgeRecord> bridgeRecord(Link l) {
        try {
            return Records.parse(l.alias()).orElse(null) instanceof BridgeRecord b ? Optional.of(b) : Optional.empty();
        } catch (BadRecordException e) {
            Log.LOG.warn("link {}: ignoring a bad netkit network record \"{}\": {}", l.name(), l.alias(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** What is wrong with endpoint record {@code e} on link {@code l} of {@code net}, or {@code null}. */
    private static String checkEndpoint(Network net, Link l, EndpointRecord e) {
        if (!e.network().equals(net.name)) {
            return "names network " + e.network() + " with this network's id";
        }
        if (l.group() != net.group) {
            return "not in the network's link group " + net.group;
        }
        if (!"veth".equals(l.kind())) {
            return "an endpoint record on a " + l.kind() + " link, not a veth";
        }
        if ((e.address() == null) != (net.subnet == null)) {
            return net.subnet == null ? "an IPv4 address on an IPv6-only network" : "no IPv4 address (addr=)";
        }
        if (net.subnet == null && e.address6() == null) {
            return "no IPv6 address (a6=) on an IPv6-only network";
        }
        if (e.address() != null) {
            if (e.address().prefixLength() != net.subnet.prefixLength() || !net.subnet.contains(e.address().address())) {
                return "address " + e.address() + " is not inside subnet " + net.subnet;
            }
            int off = Ipv4.toInt(e.address().address()) - Ipv4.toInt(net.subnet.address());
            int size = 1 << (32 - net.subnet.prefixLength());
            if (off == 0 || off == size - 1 || e.address().address().equals(net.gateway)) {
                return "address " + e.address() + " is reserved (network, broadcast or gateway)";
            }
        }
        if (e.address6() != null) {
            if (net.v6 == null) {
                return "IPv6 address " + IpAddresses.format(e.address6()) + " on an IPv4-only network";
            }
            if (!net.v6.subnet().contains(e.address6())) {
                return "IPv6 address " + IpAddresses.format(e.address6()) + " is not inside subnet " + net.v6.subnet();
            }
            if (e.address6().equals(net.v6.gateway()) || Ipv6.offset(net.v6.subnet(), e.address6()).signum() == 0) {
                return "IPv6 address " + IpAddresses.format(e.address6()) + " is reserved (subnet-router anycast or gateway)";
            }
        }
        if (e.own()) {
            long ino = Namespaces.inodeOf(e.nsName());
            if (ino != 0 && ino != e.inode() && Namespaces.isNamespace(io.netkit.netlink.NetNamespace.RUN_NETNS.resolve(e.nsName()))) {
                return "claims namespace " + e.nsName() + " as netkit's, but that namespace has inode " + ino + ", not "
                        + e.inode();
            }
        }
        return null;
    }

    /** Refuses records that name the host's own namespace or the machine's. */
    static String checkNamespace(EndpointRecord e, long hostInode) {
        if (e.inode() == hostInode) {
            return "names the host's own namespace (inode " + hostInode + ")";
        }
        long init = Namespaces.initInode();
        if (init != 0 && e.inode() == init) {
            return "names the machine's own namespace (inode " + init + ")";
        }
        return null;
    }

    private void problem(Network net, Link l, String what) {
        String line = l.name() + ": " + what;
        problems.add(line);
        Log.LOG.warn("network {}: ignoring link {} (alias \"{}\"): {}", net.name, l.name(), l.alias(), what);
    }

    private void stray(Link l) {
        if ("veth".equals(l.kind()) && l.name().startsWith(Network.HOST_VETH_PREFIX)) {
            strays.add(l);
        } else {
            foreign.add(l);
        }
    }

    /** Whether link group {@code group} holds only this network's links (so one group deletion is safe). */
    boolean groupHoldsOnlyOurs(int group) {
        for (Link l : foreign) {
            if (l.group() == group) return false;
        }
        return true;
    }

    /** Rebuilds {@code net}'s in-memory endpoint table from this snapshot (keeps existing Endpoint objects). */
    void syncInto(Network net) {
        for (Map.Entry<String, EndpointRecord> e : endpoints.entrySet()) {
            EndpointRecord r = e.getValue();
            net.endpoints.computeIfAbsent(e.getKey(), n -> EndpointHandles.register(new Endpoint(net, n, r.interfaceName(),
                    r.address(), r.nsName(), r.nsPath(), r.inode(), r.own(), null, true, prefix6(net, r))));
        }
        for (Endpoint ep : net.endpoints.values()) {
            if (!endpoints.containsKey(ep.hostInterface())) {
                net.endpoints.remove(ep.hostInterface()); // its namespace vanished, or another process detached it
                EndpointHandles.releaseAll(net, ep.hostInterface());
                ep.release();
            }
        }
    }

    /** The IPv6 address of record {@code r} with {@code net}'s IPv6 prefix length, or {@code null}. */
    private static IpPrefix prefix6(Network net, EndpointRecord r) {
        return net.v6 == null || r.address6() == null ? null : IpPrefix.of(r.address6(), net.v6.subnet().prefixLength());
    }

    /**
     * {@link Network#endpoints()}: one dump under the lock serves both the endpoint table and a fresh allocation
     * view (addresses of endpoints whose namespace vanished are free again from here on); sorted by address.
     */
    static List<Endpoint> endpoints(Network net) {
        String op = "list endpoints of network " + net.name;
        net.checkNotDeleted(op);
        try (NetworkLock.Held held = net.allocations.acquire()) {
            if (held.networkDeleted()) {
                throw new NetkitException(op, "network " + net.name + " has been deleted");
            }
            KernelSnapshot snap = KernelSnapshot.of(net, net.hostLinks().list());
            net.allocations.read(held, snap, op);
            snap.syncInto(net);
        }
        List<Endpoint> out = new ArrayList<>(net.endpoints.values());
        out.sort((a, b) -> java.util.Arrays.compareUnsigned(a.address().getAddress(), b.address().getAddress()));
        return out;
    }
}
