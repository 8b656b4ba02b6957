package io.netkit.core;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.Neighbor;
import io.netkit.netlink.NetlinkException;
import io.netkit.netlink.Route;
import io.netkit.netlink.RouteSpec;
import io.netkit.netlink.RtNetlink;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The per-peer kernel entries of an {@link Overlay}'s VXLAN device: programming a remote host's neighbour, FDB and
 * route entries ({@link Overlay#addPeer}), removing them ({@link Overlay#removePeer(IpPrefix)}), and reading the
 * peers back from the kernel ({@link Overlay#peers()}). The caller checks its arguments and serializes changes.
 */
final class OverlayPeers {
    private final Host host;
    private final String device;

    OverlayPeers(Host host, String device) {
        this.host = host;
        this.device = device;
    }

    /** {@link Overlay#addPeer}'s kernel changes for the already checked {@code peer}; {@code op} names the call. */
    void add(String op, OverlayPeer peer) {
        RtNetlink rt = host.netns().netlink();
        String step = "read the kernel's entries";
        try {
            Map<MacAddress, List<InetAddress>> fdb = fdb(rt);
            Optional<Neighbor> before = rt.neighbors().list(device).stream()
                    .filter(n -> peer.vtepAddress().equals(n.address())).findFirst();
            step = "ip neigh replace " + IpAddresses.format(peer.vtepAddress()) + " lladdr " + peer.vtepMac();
            rt.neighbors().replace(device, peer.vtepAddress(), peer.vtepMac());
            if (before.isPresent() && before.get().mac() != null && !before.get().mac().equals(peer.vtepMac())) {
                // The host came back with another VTEP MAC: its old forwarding entries point nowhere now.
                for (InetAddress dst : fdb.getOrDefault(before.get().mac(), List.of())) {
                    step = "bridge fdb del " + before.get().mac() + " dst " + IpAddresses.format(dst);
                    deleteFdbQuietly(rt, before.get().mac(), dst);
                }
            }
            boolean present = false;
            for (InetAddress dst : fdb.getOrDefault(peer.vtepMac(), List.of())) {
                if (dst.equals(peer.underlay())) {
                    present = true;
                } else {
                    step = "bridge fdb del " + peer.vtepMac() + " dst " + IpAddresses.format(dst);
                    deleteFdbQuietly(rt, peer.vtepMac(), dst);
                }
            }
            if (!present) {
                step = "bridge fdb append " + peer.vtepMac() + " dst " + IpAddresses.format(peer.underlay());
                rt.neighbors().addFdb(device, peer.vtepMac(), peer.underlay());
            }
            step = "ip route replace " + peer.subnet() + " via " + IpAddresses.format(peer.vtepAddress()) + " onlink";
            rt.routes().replace(RouteSpec.to(peer.subnet()).via(peer.vtepAddress()).device(device).onLink());
        } catch (RuntimeException e) {
            throw new NetkitException(op, step, e);
        }
    }

    /** {@link Overlay#removePeer(IpPrefix)}'s kernel changes; returns whether there was anything to remove. */
    boolean remove(String op, IpPrefix subnet) {
        RtNetlink rt = host.netns().netlink();
        String step = "read the kernel's entries";
        boolean changed = false;
        try {
            int index = rt.links().get(device).index();
            for (Route r : rt.routes().list()) {
                if (r.outputIndex() == index && r.destination().equals(subnet)) {
                    step = "ip route del " + subnet + " dev " + device;
                    ignoreMissing(() -> rt.routes().delete(RouteSpec.to(subnet).device(device)));
                    changed = true;
                }
            }
            InetAddress vtep = subnet.address();
            Map<MacAddress, List<InetAddress>> fdb = fdb(rt);
            for (Neighbor n : rt.neighbors().list(device)) {
                if (vtep.equals(n.address())) {
                    step = "ip neigh del " + IpAddresses.format(vtep) + " dev " + device;
                    ignoreMissing(() -> rt.neighbors().delete(device, vtep));
                    changed = true;
                    if (n.mac() != null && !sharedMac(rt, n.mac(), vtep)) {
                        for (InetAddress dst : fdb.getOrDefault(n.mac(), List.of())) {
                            step = "bridge fdb del " + n.mac() + " dst " + IpAddresses.format(dst);
                            deleteFdbQuietly(rt, n.mac(), dst);
                        }
                    }
                }
            }
            return changed;
        } catch (RuntimeException e) {
            throw new NetkitException(op, step, e);
        }
    }

    /** {@link Overlay#peers()}: the remote hosts as the kernel has them on the device, sorted by subnet. */
    List<OverlayPeer> list() {
        RtNetlink rt = host.netns().netlink();
        int index = rt.links().get(device).index();
        Map<InetAddress, MacAddress> neigh = new HashMap<>();
        for (Neighbor n : rt.neighbors().list(device)) {
            if (n.address() != null && n.mac() != null) {
                neigh.put(n.address(), n.mac());
            }
        }
        Map<MacAddress, List<InetAddress>> fdb = fdb(rt);
        TreeMap<String, OverlayPeer> out = new TreeMap<>();
        for (Route r : rt.routes().list()) {
            if (r.outputIndex() != index || r.gateway() == null || !r.destination().isIpv4()) {
                continue;
            }
            MacAddress mac = neigh.get(r.gateway());
            List<InetAddress> dst = mac == null ? List.of() : fdb.getOrDefault(mac, List.of());
            if (dst.size() == 1) {
                String key = String.format("%08x", io.netkit.core.internal.Ipv4.toInt(r.destination().address()));
                out.put(key, new OverlayPeer(r.destination(), dst.get(0), mac));
            }
        }
        return List.copyOf(out.values());
    }

    /** The destinations of every route via a gateway on the device (peers possibly incomplete). */
    List<IpPrefix> routedSubnets() {
        RtNetlink rt = host.netns().netlink();
        int index = rt.links().get(device).index();
        List<IpPrefix> out = new ArrayList<>();
        for (Route r : rt.routes().list()) {
            if (r.outputIndex() == index && r.gateway() != null) {
                out.add(r.destination());
            }
        }
        return out;
    }

    private Map<MacAddress, List<InetAddress>> fdb(RtNetlink rt) {
        Map<MacAddress, List<InetAddress>> out = new LinkedHashMap<>();
        for (Neighbor n : rt.neighbors().listFdb(device)) {
            if (n.mac() != null && n.address() != null) {
                out.computeIfAbsent(n.mac(), k -> new ArrayList<>()).add(n.address());
            }
        }
        return out;
    }

    private boolean sharedMac(RtNetlink rt, MacAddress mac, InetAddress except) {
        return rt.neighbors().list(device).stream().anyMatch(n -> mac.equals(n.mac()) && !except.equals(n.address()));
    }

    private void deleteFdbQuietly(RtNetlink rt, MacAddress mac, InetAddress dst) {
        ignoreMissing(() -> rt.neighbors().deleteFdb(device, mac, dst));
    }

    private static void ignoreMissing(Runnable r) {
        try {
            r.run();
        } catch (NetlinkException e) {
            if (e.errno() != io.netkit.netlink.Errno.ENOENT && e.errno() != io.netkit.netlink.Errno.ESRCH) {
                throw e;
            }
        }
    }
}
