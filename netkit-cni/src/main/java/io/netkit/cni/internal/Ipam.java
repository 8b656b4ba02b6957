package io.netkit.cni.internal;

import static io.netkit.cni.internal.NetConf.invalid;
import static io.netkit.cni.internal.NetConf.unsupported;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code ipam} section with host-local's keys, mapped onto a netkit network: at most one range per family
 * (IPv4 and IPv6: dual stack), each with its {@code subnet}, {@code gateway} and {@code rangeStart}/{@code rangeEnd}
 * (netkit's allocation range), the {@code routes} and the unused {@code dataDir}. Not for use outside netkit.
 *
 * @param v4 the IPv4 range, or null (IPv6-only network)
 * @param v6 the IPv6 range, or null (IPv4-only network)
 */
public record Ipam(Range v4, Range v6, List<IpPrefix> routes, String dataDir) {
    /** One host-local range; {@code gateway}, {@code rangeStart} and {@code rangeEnd} may be null (defaults). */
    public record Range(IpPrefix subnet, InetAddress gateway, InetAddress rangeStart, InetAddress rangeEnd) {
        /** Whether {@code a} lies inside the range's allocation window (the whole subnet when none is set). */
        boolean allocates(InetAddress a) {
            return subnet.contains(a) && (rangeStart == null || cmp(a, rangeStart) >= 0) && (rangeEnd == null || cmp(a, rangeEnd) <= 0);
        }

        /** {@code START-END} or the subnet, for messages. */
        String window() {
            return rangeStart == null && rangeEnd == null ? subnet.toString()
                    : (rangeStart == null ? "start" : IpAddresses.format(rangeStart)) + "-"
                            + (rangeEnd == null ? "end" : IpAddresses.format(rangeEnd)) + " of " + subnet;
        }
    }

    private static final Set<String> KEYS = Set.of("type", "subnet", "gateway", "ranges", "routes", "dataDir",
            "rangeStart", "rangeEnd", "resolvConf");
    private static final Set<String> RANGE_KEYS = Set.of("subnet", "gateway", "rangeStart", "rangeEnd");
    private static final String EXAMPLE = "\"ranges\": [[{\"subnet\": \"10.22.0.0/16\"}], [{\"subnet\": \"fd00:22::/64\"}]]";

    /** The range of {@code a}'s family, or null. */
    public Range rangeFor(InetAddress a) {
        return a instanceof Inet4Address ? v4 : v6;
    }

    /** Parses and validates host-local's keys (codes 7 invalid, 2 unsupported). */
    static Ipam parse(JsonObject ipam) {
        for (String k : ipam.keySet()) {
            if (!KEYS.contains(k)) {
                throw unsupported("ipam key \"" + k + "\" is not supported by netkit", "remove it; supported: " + KEYS);
            }
        }
        List<JsonObject> ranges = new ArrayList<>();
        JsonArray sets = NetConf.array(ipam, "ranges");
        if (sets != null) {
            for (String k : List.of("subnet", "rangeStart", "rangeEnd")) {
                if (ipam.has(k)) {
                    throw invalid("ipam has both \"" + k + "\" and \"ranges\"", "put \"" + k + "\" inside the range in \"ranges\"");
                }
            }
            if (sets.isEmpty()) {
                throw invalid("ipam \"ranges\" is empty", "write e.g. " + EXAMPLE);
            }
            for (JsonElement set : sets) {
                if (!set.isJsonArray() || set.getAsJsonArray().isEmpty()) {
                    throw invalid("ipam range set " + set + " is not a non-empty array of ranges", "write e.g. " + EXAMPLE);
                }
                if (set.getAsJsonArray().size() > 1) {
                    throw unsupported("ipam range set " + set + " has " + set.getAsJsonArray().size() + " ranges; a netkit "
                            + "network has one subnet per family", "keep one range per set: " + EXAMPLE);
                }
                JsonElement r = set.getAsJsonArray().get(0);
                if (!r.isJsonObject()) {
                    throw invalid("ipam range " + r + " is not an object", "write {\"subnet\": \"10.22.0.0/16\"}");
                }
                ranges.add(r.getAsJsonObject());
            }
        } else {
            if (!ipam.has("subnet")) {
                throw invalid("ipam has no \"subnet\"", "add \"subnet\": \"10.22.0.0/16\" (or " + EXAMPLE + ")");
            }
            ranges.add(ipam);
        }
        Range v4 = null;
        Range v6 = null;
        for (JsonObject r : ranges) {
            Range range = range(r, sets == null ? null : NetConf.str(ipam, "gateway", null), sets != null);
            if (range.subnet().isIpv4() ? v4 != null : v6 != null) {
                throw unsupported("ipam has two " + (range.subnet().isIpv4() ? "IPv4" : "IPv6") + " ranges ("
                        + (range.subnet().isIpv4() ? v4 : v6).subnet() + ", " + range.subnet() + "); a netkit network has one "
                        + "subnet per family", "keep one IPv4 and/or one IPv6 range set: " + EXAMPLE);
            }
            if (range.subnet().isIpv4()) {
                v4 = range;
            } else {
                v6 = range;
            }
        }
        List<IpPrefix> routes = new ArrayList<>();
        JsonArray rs = NetConf.array(ipam, "routes");
        if (rs != null) {
            for (JsonElement r : rs) {
                if (!r.isJsonObject() || NetConf.str(r.getAsJsonObject(), "dst", null) == null) {
                    throw invalid("ipam route " + r + " has no \"dst\"", "write {\"dst\": \"0.0.0.0/0\"}");
                }
                String dst = NetConf.str(r.getAsJsonObject(), "dst", null);
                if (r.getAsJsonObject().has("gw")) {
                    throw unsupported("ipam route " + r + " names a \"gw\"", "netkit routes go via the network's gateway; drop \"gw\"");
                }
                IpPrefix p = prefix(dst, "ipam route dst", "0.0.0.0/0");
                if (p.isIpv4() ? v4 == null : v6 == null) {
                    throw invalid("ipam route " + dst + " is " + (p.isIpv4() ? "IPv4" : "IPv6") + " but the network has no "
                            + (p.isIpv4() ? "IPv4" : "IPv6") + " range", "remove the route or add a range of its family");
                }
                routes.add(p);
            }
        }
        return new Ipam(v4, v6, List.copyOf(routes), NetConf.str(ipam, "dataDir", null));
    }

    private static Range range(JsonObject r, String outerGateway, boolean inRanges) {
        if (inRanges) {
            for (String k : r.keySet()) {
                if (!RANGE_KEYS.contains(k)) {
                    throw unsupported("ipam range key \"" + k + "\" is not supported by netkit", "remove it; supported: " + RANGE_KEYS);
                }
            }
        }
        String text = NetConf.str(r, "subnet", null);
        if (text == null) {
            throw invalid("ipam range " + r + " has no \"subnet\"", "write e.g. {\"subnet\": \"10.22.0.0/16\"}");
        }
        IpPrefix subnet = prefix(text, "ipam subnet", "10.22.0.0/16");
        if (!subnet.network().equals(subnet)) {
            throw invalid("ipam subnet " + text + " has host bits set", "write " + subnet.network());
        }
        if (subnet.isIpv4() && (subnet.prefixLength() > 30 || subnet.prefixLength() < 8)) {
            throw invalid("ipam subnet " + text + " has prefix length " + subnet.prefixLength() + "; netkit networks use /8../30"
                    + " (a /31 or /32 has no room for a gateway and a container)", "use e.g. a /24");
        }
        if (!subnet.isIpv4() && (subnet.prefixLength() < 48 || subnet.prefixLength() > 120)) {
            throw invalid("ipam subnet " + text + " has prefix length " + subnet.prefixLength() + "; netkit's IPv6 networks use"
                    + " /48../120", "use e.g. a /64 such as fd00:22::/64");
        }
        String gwText = NetConf.str(r, "gateway", null);
        if (gwText == null && outerGateway != null && sameFamily(outerGateway, subnet)) {
            gwText = outerGateway;
        }
        InetAddress gateway = gwText == null ? null : inside(gwText, "gateway", subnet);
        InetAddress start = NetConf.str(r, "rangeStart", null) == null ? null : inside(NetConf.str(r, "rangeStart", null), "rangeStart", subnet);
        InetAddress end = NetConf.str(r, "rangeEnd", null) == null ? null : inside(NetConf.str(r, "rangeEnd", null), "rangeEnd", subnet);
        if (start != null && end != null && cmp(start, end) > 0) {
            throw invalid("ipam rangeStart " + IpAddresses.format(start) + " is after rangeEnd " + IpAddresses.format(end)
                    + " in subnet " + subnet, "swap them, or leave one out");
        }
        return new Range(subnet, gateway, start, end);
    }

    private static boolean sameFamily(String address, IpPrefix subnet) {
        return address.contains(":") != subnet.isIpv4();
    }

    /** An address that must be a host address of {@code subnet} (not its network or IPv4 broadcast address). */
    private static InetAddress inside(String text, String key, IpPrefix subnet) {
        InetAddress a = NetConf.address(text, "ipam " + key + " \"" + text + "\"");
        if (!subnet.contains(a)) {
            throw invalid("ipam " + key + " " + text + " is outside subnet " + subnet, "choose an address inside " + subnet);
        }
        BigInteger off = num(a).subtract(num(subnet.address()));
        BigInteger size = BigInteger.ONE.shiftLeft((subnet.isIpv4() ? 32 : 128) - subnet.prefixLength());
        if (off.signum() == 0 || (subnet.isIpv4() && off.equals(size.subtract(BigInteger.ONE)))) {
            throw invalid("ipam " + key + " " + text + " is the " + (off.signum() == 0 ? "network" : "broadcast") + " address of "
                    + subnet, "choose a host address of " + subnet);
        }
        return a;
    }

    private static IpPrefix prefix(String text, String what, String example) {
        try {
            return IpPrefix.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(what + " \"" + text + "\" is not a CIDR prefix: " + e.getMessage(), "write e.g. \"" + example + "\"");
        }
    }

    static int cmp(InetAddress a, InetAddress b) {
        return num(a).compareTo(num(b));
    }

    private static BigInteger num(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }
}
