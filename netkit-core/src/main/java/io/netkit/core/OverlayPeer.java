package io.netkit.core;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One host of a VXLAN {@link Overlay} as the other hosts see it: the container subnet it owns, the underlay
 * address its VXLAN device sends from, and that device's MAC address. This is what flannel publishes per host
 * ({@code subnet}, {@code PublicIP}, {@code VtepMAC}); a control plane (netkit-cluster, or the caller's own) passes
 * it to {@link Overlay#addPeer(OverlayPeer)} on every other host.
 *
 * <pre>{@code
 * OverlayPeer b = OverlayPeer.of("10.244.2.0/24", "192.168.50.2", "0a:58:0a:f4:02:00");
 * b.vtepAddress();   // 10.244.2.0: the route's onlink gateway and the neighbour entry's address
 * }</pre>
 *
 * @param subnet the host's container subnet, inside the cluster CIDR (e.g. 10.244.2.0/24)
 * @param underlay the host's underlay (VTEP) address: the outer destination of the VXLAN packets
 * @param vtepMac the MAC address of the host's VXLAN device
 */
public record OverlayPeer(IpPrefix subnet, InetAddress underlay, MacAddress vtepMac) {
    /** Checks the components: non-null, IPv4, the subnet without host bits. */
    public OverlayPeer {
        Objects.requireNonNull(subnet, "subnet == null");
        Objects.requireNonNull(underlay, "underlay == null");
        Objects.requireNonNull(vtepMac, "vtepMac == null");
        if (!subnet.isIpv4() || !subnet.network().equals(subnet) || subnet.prefixLength() > 30) {
            throw new IllegalArgumentException("invalid peer subnet " + subnet
                    + ": expected an IPv4 CIDR with zero host bits and a prefix length of at most 30, like 10.244.2.0/24");
        }
        if (!(underlay instanceof java.net.Inet4Address)) {
            throw new IllegalArgumentException("invalid peer underlay address " + IpAddresses.format(underlay)
                    + " for " + subnet + ": only an IPv4 underlay is supported");
        }
    }

    /**
     * Parses the three parts.
     *
     * @throws IllegalArgumentException quoting the text that is not a CIDR, an IP address or a MAC address
     */
    public static OverlayPeer of(String subnet, String underlay, String vtepMac) {
        return new OverlayPeer(IpPrefix.parse(Objects.requireNonNull(subnet, "subnet == null")),
                IpAddresses.parse(Objects.requireNonNull(underlay, "underlay == null")),
                MacAddress.parse(Objects.requireNonNull(vtepMac, "vtepMac == null")));
    }

    /**
     * The address that stands for the peer's VXLAN device: its subnet's network address (10.244.2.0 for
     * 10.244.2.0/24), as flannel does. Routes to the subnet go {@code via} it {@code onlink}; the neighbour entry maps
     * it to {@link #vtepMac()}.
     */
    public InetAddress vtepAddress() {
        return subnet.address();
    }

    @Override
    public String toString() {
        return subnet + " at " + IpAddresses.format(underlay) + " (vtep " + vtepMac + ")";
    }
}
