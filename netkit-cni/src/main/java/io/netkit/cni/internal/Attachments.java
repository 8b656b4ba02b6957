package io.netkit.cni.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.cni.CniException;
import io.netkit.core.AddressRange;
import io.netkit.core.Endpoint;
import io.netkit.core.EndpointSpec;
import io.netkit.core.Host;
import io.netkit.core.Network;
import io.netkit.core.NetkitException;
import io.netkit.core.PortMapping;
import io.netkit.core.Protocol;
import io.netkit.core.SubnetExhaustedException;
import io.netkit.netlink.Address;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.LinkNotFoundException;
import io.netkit.netlink.Links;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.Route;
import io.netkit.netlink.RouteSpec;
import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.RtnetlinkConstants;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ADD, DEL, CHECK, GC and STATUS on netkit {@link Network}s of one host namespace. A container's attachment is the
 * endpoint whose host-side veth is named {@code nkc} + 12 hex digits of SHA-256(containerID "/" ifname): the name is
 * the kernel record that ties an engine's container to netkit's endpoint, so {@code Network.open} sees engine-made
 * attachments (and GC recognises its own among endpoints attached from Java, whose veths are {@code nkv...}).
 * Not for use outside netkit.
 */
public final class Attachments {
    private static final Logger LOG = LoggerFactory.getLogger(Attachments.class);
    /** Prefix of the host-side veths of CNI attachments. */
    public static final String PREFIX = "nkc";

    private final Host host;
    private final boolean deleteNow;
    private final Map<String, Network> networks = new ConcurrentHashMap<>();

    /**
     * Attachments on {@code host} (its namespace is where bridges, host veths and rules live).
     *
     * @param deleteNow whether DEL deletes the veth pair before returning (a process that exits right after, where
     *                  netkit's background reaper would not get to run) instead of leaving it to the reaper
     */
    public Attachments(Host host, boolean deleteNow) {
        this.host = host;
        this.deleteNow = deleteNow;
    }

    /** The host-side veth name of a container's attachment: {@code nkc} + 12 hex of SHA-256(containerID/ifname). */
    public static String hostInterface(String containerId, String ifname) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((containerId + "/" + ifname).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------- ADD

    /** ADD: attaches the container's namespace and returns the result document. */
    public JsonObject add(NetConf c, String containerId, String ifname, String netnsArg, NetNamespace cns) {
        String hostIf = hostInterface(containerId, ifname);
        NetworkConfig.checkIpv6(c, cns); // before anything is made
        boolean fresh = false;
        Network net = networks.get(c.bridge());
        if (net == null || net.isDeleted()) {
            net = network(c, true);
            fresh = true;
        } else {
            refuseOtherConfig(net, c);
        }
        refuseSecondAdd(net, hostIf, containerId, ifname);
        EndpointSpec spec = EndpointSpec.existing(cns).interfaceName(ifname).hostInterface(hostIf);
        if (c.mtu() > 0) {
            spec = spec.mtu(c.mtu());
        }
        for (InetAddress ip : c.ips()) {
            spec = spec.address(ip);
        }
        if (c.mac() != null) {
            try {
                spec = spec.mac(MacAddress.parse(c.mac()));
            } catch (IllegalArgumentException e) {
                throw NetConf.invalid("runtimeConfig mac \"" + c.mac() + "\": " + e.getMessage(), "write aa:bb:cc:dd:ee:ff");
            }
        }
        for (NetConf.PortMap p : c.portMappings()) {
            try {
                spec = spec.publish(new PortMapping("udp".equals(p.protocol()) ? Protocol.UDP : Protocol.TCP, p.hostPort(),
                        p.containerPort(), p.hostIp()));
            } catch (IllegalArgumentException e) {
                throw NetConf.invalid("runtimeConfig portMappings: " + e.getMessage(), "fix the port mappings the runtime passes");
            }
        }
        Endpoint ep;
        try {
            ep = net.attach(spec);
        } catch (SubnetExhaustedException e) {
            throw exhausted(c, e);
        } catch (NetkitException e) {
            if (fresh || refused(e)) {
                throw e;
            }
            // The cached network may be stale (deleted or re-created by another process): adopt it afresh, once.
            LOG.info("ADD {}: retrying on a fresh view of network {} after: {}", containerId, c.bridge(), e.getMessage());
            networks.remove(c.bridge());
            net = network(c, true);
            try {
                ep = net.attach(spec);
            } catch (SubnetExhaustedException x) {
                throw exhausted(c, x);
            }
        }
        try {
            Links inside = cns.netlink().links();
            Link cl = inside.get(ifname);
            List<Results.Ip> ips = new ArrayList<>();
            List<Results.Ip> routes = new ArrayList<>();
            if (ep.prefix() != null && net.gateway() != null) {
                ips.add(new Results.Ip(ep.prefix(), net.gateway()));
                routes.add(new Results.Ip(IpPrefix.parse("0.0.0.0/0"), net.gateway()));
            }
            if (ep.prefix6().isPresent() && net.gateway6().isPresent()) {
                ips.add(new Results.Ip(ep.prefix6().get(), net.gateway6().get()));
                routes.add(new Results.Ip(IpPrefix.parse("::/0"), net.gateway6().get()));
            }
            for (IpPrefix r : c.routes()) {
                if (r.prefixLength() != 0) {
                    InetAddress via = r.isIpv4() ? net.gateway() : net.gateway6().orElseThrow();
                    cns.netlink().routes().replace(RouteSpec.to(r).via(via).device(ifname));
                    routes.add(new Results.Ip(r, via));
                }
            }
            Links hostLinks = host.netns().netlink().links();
            Link hl = hostLinks.get(hostIf);
            if (c.hairpinMode()) {
                hairpin(hostIf, hl.index());
            }
            Link br = hostLinks.get(c.bridge());
            return Results.add(c.cniVersion(), c.prevResult(), List.of(
                    new Results.Iface(br.name(), br.mac(), null, 0),
                    new Results.Iface(hl.name(), hl.mac(), null, hl.mtu()),
                    new Results.Iface(ifname, cl.mac(), netnsArg, cl.mtu())), ips, routes, c.raw().get("dns"));
        } catch (RuntimeException e) {
            try {
                parkInside(cns, ifname);
                net.detach(ep);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    private static boolean refused(NetkitException e) {
        return e.getCause() instanceof IllegalArgumentException;
    }

    private CniException exhausted(NetConf c, SubnetExhaustedException e) {
        return new CniException(CniException.SUBNET_EXHAUSTED, "no free address in " + NetworkConfig.ranges(c).stream()
                .map(Ipam.Range::window).toList() + " of network "
                + c.name() + " (bridge " + c.bridge() + ")", e.getMessage() + "; remove unused containers (their DEL, or a "
                + "GC with the valid attachments, frees addresses) or give the network a larger subnet", e);
    }

    /** A second ADD for the same container and interface is an error; a parked leftover of an earlier DEL is removed. */
    private void refuseSecondAdd(Network net, String hostIf, String containerId, String ifname) {
        Links hostLinks = host.netns().netlink().links();
        Optional<Link> old = hostLinks.find(hostIf);
        if (old.isEmpty()) {
            return;
        }
        String alias = old.get().alias() == null ? "" : old.get().alias();
        if (alias.contains("detached=1")) {
            try {
                hostLinks.delete(hostIf); // detached by an earlier DEL, not yet reaped
            } catch (LinkNotFoundException gone) {
                // reaped meanwhile
            }
            return;
        }
        throw new CniException(CniException.ALREADY_ATTACHED, "container " + containerId + " already has interface "
                + ifname + " on network " + net.name(), "host veth " + hostIf + " exists (" + alias + "); run DEL for "
                + "this container and interface first, or choose another CNI_IFNAME");
    }

    /** {@code bridge link set dev HOSTIF hairpin on}. */
    private void hairpin(String hostIf, int index) {
        host.netns().netlink().socket().execute("set hairpin mode", hostIf, RtnetlinkConstants.RTM_SETLINK, 0, w -> {
            w.ifInfoMsg(RtnetlinkConstants.AF_BRIDGE, 0, index, 0, 0);
            w.beginNested(IfLinkConstants.IFLA_PROTINFO, true);
            w.attrU8(IfLinkConstants.IFLA_BRPORT_MODE, 1);
            w.endNested();
        });
    }

    /** The configured network: the cached one, adopted from the kernel, or created (when {@code create}). */
    public Network network(NetConf c, boolean create) {
        return network(c, create, true);
    }

    /**
     * As {@link #network(NetConf, boolean)}; {@code strict}: refuse a network whose configuration differs (code 7).
     * DEL and GC are not strict: they clean up whatever the configuration's bridge holds.
     */
    private Network network(NetConf c, boolean create, boolean strict) {
        Network cached = networks.get(c.bridge());
        if (cached != null && !cached.isDeleted()) {
            if (strict) {
                refuseOtherConfig(cached, c);
            }
            return cached;
        }
        Optional<Link> bridge = host.netns().netlink().links().find(c.bridge());
        Network net;
        if (bridge.isEmpty()) {
            if (!create) {
                return null;
            }
            Network.Builder b;
            try {
                b = NetworkConfig.builder(c, host);
            } catch (IllegalArgumentException e) {
                throw NetConf.invalid(e.getMessage(), "fix the ipam section of network " + c.name());
            }
            try {
                net = b.create();
            } catch (NetkitException e) {
                if (host.netns().netlink().links().find(c.bridge()).isEmpty()) {
                    throw e;
                }
                net = adopt(c, strict); // created meanwhile by another process
            }
        } else {
            net = adopt(c, strict);
        }
        networks.put(c.bridge(), net);
        return net;
    }

    private Network adopt(NetConf c, boolean strict) {
        Network net;
        try {
            net = Network.open(host, c.bridge());
        } catch (NetkitException e) {
            throw new CniException(CniException.INVALID_NETWORK_CONFIG, "bridge " + c.bridge() + " of network " + c.name()
                    + " exists and is not a netkit network", e.getMessage() + "; choose another \"bridge\" name, or delete "
                    + "the bridge (made by another plugin, e.g. the reference bridge plugin) when no container uses it", e);
        }
        if (strict) {
            refuseOtherConfig(net, c);
        }
        return net;
    }

    private static void refuseOtherConfig(Network net, NetConf c) {
        List<String> diff = NetworkConfig.differences(net, c);
        if (!diff.isEmpty()) {
            throw new CniException(CniException.INVALID_NETWORK_CONFIG, "network " + c.name() + " (bridge " + c.bridge()
                    + ") exists with another configuration: " + String.join(", ", diff),
                    "align the configuration with the existing network, or remove all its containers and delete bridge "
                            + c.bridge() + " so that it is created anew");
        }
    }

    // ---------------------------------------------------------------------------------------------------- DEL

    /** DEL: detaches the container's attachment if there is one; success when it, the network or the namespace is gone. */
    public void del(NetConf c, String containerId, String ifname) {
        Network net = network(c, false, false);
        if (net == null) {
            return;
        }
        String hostIf = hostInterface(containerId, ifname);
        Optional<Endpoint> ep = find(net, hostIf);
        if (ep.isEmpty()) {
            networks.remove(c.bridge()); // a fresh view next time (the network may have been re-created)
            net = network(c, false, false);
            ep = net == null ? Optional.empty() : find(net, hostIf);
            if (ep.isEmpty()) {
                return;
            }
        }
        // No parking of the container's interface here: renaming or downing a link waits out an RCU grace period
        // (like deleting it), which DEL does not pay. detach takes the host side out of the bridge and down (the
        // container's eth0 loses carrier at once) and the reaper deletes the pair shortly after; a re-ADD of the same
        // container and interface before that deletes the leftover pair first (refuseSecondAdd).
        net.detach(ep.get());
        if (deleteNow) {
            try {
                host.netns().netlink().links().delete(hostIf);
            } catch (LinkNotFoundException gone) {
                // reaped already
            }
        }
    }

    private static Optional<Endpoint> find(Network net, String hostIf) {
        return net.endpoints().stream().filter(e -> e.hostInterface().equals(hostIf)).findFirst();
    }

    /**
     * Takes the container's interface down and renames it out of the way ({@code ip link set eth0 down name nkrXXXX}),
     * so the name is free at once; the veth pair itself is deleted in bulk by netkit's reaper (a link deletion costs
     * the kernel an RCU grace period, ~20 ms, which DEL does not wait for).
     */
    private static void parkInside(NetNamespace cns, String ifname) {
        try {
            Links inside = cns.netlink().links();
            if (inside.find(ifname).isPresent()) {
                inside.setDown(ifname);
                inside.rename(ifname, "nkr" + HexFormat.of().toHexDigits((int) (System.nanoTime() ^ ifname.hashCode())));
            }
        } catch (RuntimeException e) {
            LOG.debug("could not park {} in {}: {}", ifname, cns, e.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------------- CHECK

    /** CHECK: compares the kernel's state with the ADD result in {@code prevResult}; throws {@link CniException#DRIFT}. */
    public void check(NetConf c, String containerId, String ifname, NetNamespace cns) {
        if (c.prevResult() == null) {
            throw NetConf.invalid("CHECK needs \"prevResult\"", "the runtime passes the cached ADD result; run ADD first");
        }
        List<String> drift = new ArrayList<>();
        Network net = network(c, false);
        String hostIf = hostInterface(containerId, ifname);
        Optional<Endpoint> ep = net == null ? Optional.empty() : find(net, hostIf);
        if (net == null) {
            drift.add("network " + c.name() + " has no bridge " + c.bridge() + " on the host");
        } else if (ep.isEmpty()) {
            drift.add("no attachment for container " + containerId + " interface " + ifname + " (host veth " + hostIf
                    + " is missing from bridge " + c.bridge() + ")");
        }
        Links inside = cns.netlink().links();
        Optional<Link> cl = inside.find(ifname);
        if (cl.isEmpty()) {
            drift.add("interface " + ifname + " is missing in the container's namespace");
        } else {
            Link l = cl.get();
            if (!l.isUp()) {
                drift.add("interface " + ifname + " is down");
            }
            List<Address> addrs = cns.netlink().addresses().list(ifname);
            JsonArray ifaces = c.prevResult().has("interfaces") ? c.prevResult().getAsJsonArray("interfaces") : new JsonArray();
            for (JsonElement e : ifaces) {
                JsonObject i = e.getAsJsonObject();
                if (ifname.equals(str(i, "name")) && i.has("sandbox") && i.has("mac")
                        && !str(i, "mac").equalsIgnoreCase(l.mac().toString())) {
                    drift.add("interface " + ifname + " has MAC " + l.mac() + ", the result says " + str(i, "mac"));
                }
            }
            JsonArray ips = c.prevResult().has("ips") ? c.prevResult().getAsJsonArray("ips") : new JsonArray();
            for (JsonElement e : ips) {
                JsonObject ip = e.getAsJsonObject();
                int idx = ip.has("interface") ? ip.get("interface").getAsInt() : -1;
                if (idx < 0 || idx >= ifaces.size() || !ifname.equals(str(ifaces.get(idx).getAsJsonObject(), "name"))) {
                    continue;
                }
                IpPrefix want = IpPrefix.parse(str(ip, "address"));
                if (addrs.stream().noneMatch(a -> a.prefix().equals(want))) {
                    drift.add("address " + want + " is missing on " + ifname + " (has " + addrs.stream().map(a -> a.prefix().toString()).toList() + ")");
                }
                IpPrefix has = ep.isEmpty() ? null : want.isIpv4() ? ep.get().prefix() : ep.get().prefix6().orElse(null);
                if (ep.isPresent() && !want.equals(has)) {
                    drift.add("netkit's record allocates " + has + ", the result says " + want);
                }
            }
            List<Route> routes = cns.netlink().routes().list();
            JsonArray rs = c.prevResult().has("routes") ? c.prevResult().getAsJsonArray("routes") : new JsonArray();
            for (JsonElement e : rs) {
                JsonObject r = e.getAsJsonObject();
                IpPrefix dst = IpPrefix.parse(str(r, "dst"));
                String gw = str(r, "gw");
                boolean ok = routes.stream().anyMatch(rt -> rt.destination().equals(dst)
                        && (gw == null || (rt.gateway() != null && IpAddresses.format(rt.gateway()).equals(gw))));
                if (!ok) {
                    drift.add("route " + dst + (gw == null ? "" : " via " + gw) + " is missing in the container");
                }
            }
        }
        if (!drift.isEmpty()) {
            throw new CniException(CniException.DRIFT, "network " + c.name() + " of container " + containerId
                    + " differs from its ADD result", String.join("; ", drift) + "; run DEL and ADD to repair");
        }
    }

    private static String str(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    // ---------------------------------------------------------------------------------------------------- GC, STATUS

    /** GC: detaches every CNI attachment ({@code nkc...}) of the network that is not in the valid attachments. */
    public List<String> gc(NetConf c) {
        Network net = network(c, false, false);
        if (net == null) {
            return List.of();
        }
        Set<String> valid = new HashSet<>();
        for (NetConf.Attachment a : c.validAttachments()) {
            valid.add(hostInterface(a.containerId(), a.ifname()));
        }
        List<String> removed = new ArrayList<>();
        for (Endpoint ep : net.endpoints()) {
            if (ep.hostInterface().startsWith(PREFIX) && !valid.contains(ep.hostInterface())) {
                net.detach(ep);
                removed.add(ep.hostInterface());
            }
        }
        return removed;
    }

    /** STATUS: whether an ADD could succeed now (netlink works, a free address, iptables for ipMasq/ports). */
    public void status(NetConf c) {
        try {
            host.netns().netlink().links().list();
        } catch (NetlinkException e) {
            throw new CniException(CniException.PLUGIN_NOT_AVAILABLE, "netkit cannot use netlink on the host",
                    e.getMessage() + "; run the netkit daemon as root (CAP_NET_ADMIN)", e);
        }
        // Only the iptables backend needs a binary (AUTO picks the native one where iptables-restore is missing).
        io.netkit.core.FirewallBackend fw = c.firewall() != null ? c.firewall() : host.firewall();
        if (c.ipMasq() && fw == io.netkit.core.FirewallBackend.IPTABLES && !onPath("iptables-restore")) {
            throw new CniException(CniException.PLUGIN_NOT_AVAILABLE, "iptables-restore is not installed",
                    "ipMasq with \"firewall\": \"iptables\" needs iptables (apt-get install iptables), or use "
                            + "\"firewall\": \"auto\" or \"nftables\" (native, no binary)");
        }
        if (c.ipam().v6() != null && !java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/sys/net/ipv6"))) {
            throw new CniException(CniException.PLUGIN_NOT_AVAILABLE, "network " + c.name() + " has an IPv6 range and "
                    + "this host's kernel has no IPv6", "remove the IPv6 range set, or boot the host without ipv6.disable=1");
        }
        Network net = network(c, false);
        if (net != null && net.subnet() != null) {
            AddressRange pool = net.allocationRanges().stream().filter(AddressRange::isIpv4).findFirst().orElse(null);
            long capacity = pool == null ? (1L << (32 - net.subnet().prefixLength())) - 3
                    : Integer.toUnsignedLong(ipv4(pool.last())) - Integer.toUnsignedLong(ipv4(pool.first())) + 1
                            - (pool.contains(net.gateway()) ? 1 : 0);
            long used = net.endpoints().stream().filter(e -> pool == null || pool.contains(e.address())).count();
            if (used >= capacity) {
                throw new CniException(CniException.PLUGIN_NOT_AVAILABLE, "no free address in " + NetworkConfig.ranges(c)
                        .get(0).window() + " of network " + c.name(), used + " of " + capacity + " addresses are allocated; remove containers");
            }
        }
    }

    private static int ipv4(InetAddress a) {
        return java.nio.ByteBuffer.wrap(a.getAddress()).getInt();
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin", tool));
    }

    /**
     * Forgets cached network handles (they stay in the kernel), after their queued background work (the conntrack
     * cleanup of DELs) is done: the host namespace handle is closed next, or the process exits (the slow path).
     */
    public void forget() {
        networks.values().forEach(Network::awaitBackgroundWork);
        networks.clear();
    }

    /** The inet address for logs. */
    static String fmt(InetAddress a) {
        return IpAddresses.format(a);
    }
}
