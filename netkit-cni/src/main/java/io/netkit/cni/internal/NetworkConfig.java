package io.netkit.cni.internal;

import io.netkit.cni.CniException;
import io.netkit.core.AddressRange;
import io.netkit.core.Host;
import io.netkit.core.Network;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.NetNamespace;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a CNI configuration maps onto a netkit {@link Network}: the builder for a new network (dual stack, gateways,
 * allocation ranges, NAT), the differences to an existing one, and the host's IPv6 support. Not for use outside netkit.
 */
final class NetworkConfig {
    private NetworkConfig() {
    }

    /** The builder of the network {@code c} describes, on {@code host}. */
    static Network.Builder builder(NetConf c, Host host) {
        Network.Builder b = Network.bridge(c.bridge()).on(host);
        for (Ipam.Range r : ranges(c)) {
            b = b.subnet(r.subnet());
            if (r.gateway() != null) {
                b = b.gateway(r.gateway());
            }
            AddressRange pool = pool(r);
            if (pool != null) {
                b = b.allocationRange(IpAddresses.format(pool.first()), IpAddresses.format(pool.last()));
            }
        }
        if (c.ipMasq()) {
            b = b.masquerade();
        }
        if (c.ipam().v6() != null) {
            b = b.masquerade6(c.ipMasq()); // as the reference: ipMasq masquerades every family, also a global subnet
        }
        if (c.mtu() > 0) {
            b = b.mtu(c.mtu());
        }
        if (c.firewall() != null) {
            b = b.firewall(c.firewall());
        }
        return b;
    }

    /** What of {@code net} differs from the configuration, e.g. {@code "subnet 10.1.0.0/24 (config: 10.2.0.0/24)"}. */
    static List<String> differences(Network net, NetConf c) {
        List<String> diff = new ArrayList<>();
        Ipam.Range v4 = c.ipam().v4();
        Ipam.Range v6 = c.ipam().v6();
        compare(diff, "subnet", net.subnet(), v4 == null ? null : v4.subnet());
        compare(diff, "IPv6 subnet", net.subnet6().orElse(null), v6 == null ? null : v6.subnet());
        if (v4 != null && v4.gateway() != null && net.gateway() != null && !net.gateway().equals(v4.gateway())) {
            diff.add("gateway " + IpAddresses.format(net.gateway()) + " (config: " + IpAddresses.format(v4.gateway()) + ")");
        }
        if (v6 != null && v6.gateway() != null && net.gateway6().isPresent() && !net.gateway6().get().equals(v6.gateway())) {
            diff.add("IPv6 gateway " + IpAddresses.format(net.gateway6().get()) + " (config: " + IpAddresses.format(v6.gateway()) + ")");
        }
        if (net.masquerading() != c.ipMasq()) {
            diff.add("ipMasq " + net.masquerading() + " (config: " + c.ipMasq() + ")");
        }
        if (c.firewall() != null && c.firewall() != io.netkit.core.FirewallBackend.AUTO && net.firewall() != c.firewall()) {
            diff.add("firewall " + net.firewall().name().toLowerCase(java.util.Locale.ROOT) + " (config: "
                    + c.firewall().name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
        List<AddressRange> want = new ArrayList<>();
        ranges(c).stream().map(NetworkConfig::pool).filter(Objects::nonNull).forEach(want::add);
        if (!net.allocationRanges().equals(want)) {
            diff.add("rangeStart/rangeEnd " + net.allocationRanges() + " (config: " + want + ")");
        }
        return diff;
    }

    private static void compare(List<String> diff, String what, IpPrefix has, IpPrefix want) {
        if (!Objects.equals(has, want)) {
            diff.add(what + " " + (has == null ? "none" : has) + " (config: " + (want == null ? "none" : want) + ")");
        }
    }

    /**
     * Refuses an IPv6 range where IPv6 cannot work, before anything is made: a kernel without IPv6 (booted with
     * {@code ipv6.disable=1} or built without it: no {@code /proc/sys/net/ipv6}), or a container namespace whose new
     * interfaces start with IPv6 disabled ({@code net.ipv6.conf.default.disable_ipv6=1}).
     */
    static void checkIpv6(NetConf c, NetNamespace container) {
        if (c.ipam().v6() == null) {
            return;
        }
        String range = "ipam range " + c.ipam().v6().subnet() + " of network " + c.name();
        if (!Files.isDirectory(Path.of("/proc/sys/net/ipv6"))) {
            throw new CniException(CniException.UNSUPPORTED_FIELD, "unsupported field in network configuration: " + range
                    + " is IPv6, and this host's kernel has no IPv6 (/proc/sys/net/ipv6 is missing)",
                    "remove the IPv6 range set from the configuration, or boot the host without ipv6.disable=1");
        }
        String disabled = container.call(() -> {
            Path p = Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6");
            return Files.exists(p) ? Files.readString(p).trim() : "1";
        });
        if (!"0".equals(disabled)) {
            throw new CniException(CniException.UNSUPPORTED_FIELD, "unsupported field in network configuration: " + range
                    + " is IPv6, and IPv6 is disabled in the container's network namespace "
                    + "(net.ipv6.conf.default.disable_ipv6=" + disabled + ")",
                    "let the runtime create the namespace with IPv6 enabled (sysctl net.ipv6.conf.default.disable_ipv6=0 "
                            + "inside it), or remove the IPv6 range set from the configuration");
        }
    }

    /** The ranges of the configuration, IPv4 first. */
    static List<Ipam.Range> ranges(NetConf c) {
        List<Ipam.Range> out = new ArrayList<>();
        if (c.ipam().v4() != null) {
            out.add(c.ipam().v4());
        }
        if (c.ipam().v6() != null) {
            out.add(c.ipam().v6());
        }
        return out;
    }

    /** The allocation range of a host-local range with rangeStart/rangeEnd (the other end defaulted), or null. */
    static AddressRange pool(Ipam.Range r) {
        if (r.rangeStart() == null && r.rangeEnd() == null) {
            return null;
        }
        BigInteger base = new BigInteger(1, r.subnet().address().getAddress());
        int bits = r.subnet().isIpv4() ? 32 : 128;
        BigInteger size = BigInteger.ONE.shiftLeft(bits - r.subnet().prefixLength());
        InetAddress first = r.rangeStart() != null ? r.rangeStart() : at(base.add(BigInteger.ONE), bits);
        // host-local's default end: the last address before the IPv4 broadcast address, the last of an IPv6 subnet
        InetAddress last = r.rangeEnd() != null ? r.rangeEnd()
                : at(base.add(size).subtract(r.subnet().isIpv4() ? BigInteger.TWO : BigInteger.ONE), bits);
        return new AddressRange(first, last);
    }

    private static InetAddress at(BigInteger v, int bits) {
        byte[] raw = v.toByteArray();
        byte[] b = new byte[bits / 8];
        int n = Math.min(raw.length, b.length);
        System.arraycopy(raw, raw.length - n, b, b.length - n, n);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
