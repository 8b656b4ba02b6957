package io.netkit.core;

import io.netkit.core.internal.Ipv4;
import io.netkit.core.internal.Ipv6;
import io.netkit.netlink.IpAddresses;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address an attach was given ({@link EndpointSpec#address}, {@link EndpointSpec#address6}): checked against the
 * network's subnets and reserved addresses, and turned into its offset in the subnet, before anything is made.
 */
final class FixedAddresses {
    private FixedAddresses() {
    }

    /** The offset of a fixed IPv4 address in the network's subnet; refuses it outside, reserved or on an IPv6-only network. */
    static int offsetOf(Network net, InetAddress address) {
        if (net.subnet == null) {
            throw new IllegalArgumentException("IPv4 address " + IpAddresses.format(address) + " given, but network " + net.name
                    + " is IPv6-only (subnet " + net.v6.subnet() + "); give an IPv6 address, or create the network with an "
                    + "IPv4 subnet too");
        }
        if (!(address instanceof Inet4Address) || !net.subnet.contains(address)) {
            throw new IllegalArgumentException("address " + IpAddresses.format(address) + " is outside subnet " + net.subnet
                    + " of network " + net.name + "; choose an address inside it, or leave it out to get the next free one");
        }
        int off = Ipv4.toInt(address) - Ipv4.toInt(net.subnet.address());
        int size = 1 << (32 - net.subnet.prefixLength());
        if (off == 0 || off == size - 1 || address.equals(net.gateway)) {
            throw new IllegalArgumentException("address " + IpAddresses.format(address) + " is reserved in network " + net.name
                    + " (" + (off == 0 ? "network address" : off == size - 1 ? "broadcast address" : "gateway")
                    + "); choose another address inside " + net.subnet + ", or leave it out to get the next free one");
        }
        return off;
    }

    /** The offset of a fixed IPv6 address in the network's IPv6 subnet; refuses it on an IPv4-only network. */
    static BigInteger offset6Of(Network net, InetAddress address) {
        if (net.v6 == null) {
            throw new IllegalArgumentException("IPv6 address " + IpAddresses.format(address) + " given, but network " + net.name
                    + " is IPv4-only (subnet " + net.subnet + "); give an IPv4 address, or create the network with an "
                    + "IPv6 subnet too");
        }
        if (!net.v6.subnet().contains(address)) {
            throw new IllegalArgumentException("IPv6 address " + IpAddresses.format(address) + " is outside subnet "
                    + net.v6.subnet() + " of network " + net.name + "; choose an address inside it, or leave it out to get "
                    + "the next free one");
        }
        BigInteger off = Ipv6.offset(net.v6.subnet(), address);
        if (off.signum() == 0 || address.equals(net.v6.gateway())) {
            throw new IllegalArgumentException("IPv6 address " + IpAddresses.format(address) + " is reserved in network "
                    + net.name + " (" + (off.signum() == 0 ? "subnet-router anycast address" : "gateway")
                    + "); choose another address inside " + net.v6.subnet() + ", or leave it out to get the next free one");
        }
        return off;
    }
}
