package io.netkit.cni.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.net.InetAddress;
import java.util.List;

/** CNI result documents (spec "Success" for ADD; the {@code version} field of IPs before 1.0.0). Not for use outside netkit. */
public final class Results {
    private Results() {
    }

    /** One interface of a result; {@code sandbox} null for host-side interfaces. */
    public record Iface(String name, MacAddress mac, String sandbox, int mtu) {
    }

    /** One address of the container interface with its gateway; also a route ({@code dst} via {@code gateway}). */
    public record Ip(IpPrefix address, InetAddress gateway) {
    }

    /**
     * The ADD result: {@code prev}'s interfaces, IPs and routes (when chained after another plugin) followed by ours:
     * the bridge, the host-side veth, the container interface (with {@code sandbox}); the container's addresses (IPv4,
     * then IPv6) with their gateways and the container interface's index; the default routes and the ipam routes.
     */
    public static JsonObject add(String version, JsonObject prev, List<Iface> ifaces, List<Ip> addresses, List<Ip> routes,
                                 JsonElement dns) {
        JsonObject r = new JsonObject();
        r.addProperty("cniVersion", version);
        JsonArray interfaces = copy(prev, "interfaces");
        int base = interfaces.size();
        for (Iface i : ifaces) {
            JsonObject o = new JsonObject();
            o.addProperty("name", i.name());
            if (i.mac() != null) {
                o.addProperty("mac", i.mac().toString());
            }
            if (i.mtu() > 0 && version.compareTo("1.1.0") >= 0) {
                o.addProperty("mtu", i.mtu());
            }
            if (i.sandbox() != null) {
                o.addProperty("sandbox", i.sandbox());
            }
            interfaces.add(o);
        }
        r.add("interfaces", interfaces);
        JsonArray ips = copy(prev, "ips");
        for (Ip a : addresses) {
            JsonObject ip = new JsonObject();
            if (version.compareTo("1.0.0") < 0) {
                ip.addProperty("version", a.address().isIpv4() ? "4" : "6");
            }
            ip.addProperty("interface", base + ifaces.size() - 1);
            ip.addProperty("address", a.address().toString());
            ip.addProperty("gateway", IpAddresses.format(a.gateway()));
            ips.add(ip);
        }
        r.add("ips", ips);
        JsonArray rs = copy(prev, "routes");
        for (Ip p : routes) {
            JsonObject o = new JsonObject();
            o.addProperty("dst", p.address().toString());
            o.addProperty("gw", IpAddresses.format(p.gateway()));
            rs.add(o);
        }
        r.add("routes", rs);
        JsonElement prevDns = prev == null ? null : prev.get("dns");
        if (dns != null && dns.isJsonObject()) {
            r.add("dns", dns.deepCopy());
        } else if (prevDns != null) {
            r.add("dns", prevDns.deepCopy());
        } else {
            r.add("dns", new JsonObject());
        }
        return r;
    }

    private static JsonArray copy(JsonObject prev, String key) {
        if (prev != null && prev.has(key) && prev.get(key).isJsonArray()) {
            return prev.getAsJsonArray(key).deepCopy();
        }
        return new JsonArray();
    }

    /** The VERSION answer. */
    public static JsonObject version(String version) {
        JsonObject r = new JsonObject();
        r.addProperty("cniVersion", version);
        JsonArray a = new JsonArray();
        NetConf.SUPPORTED.forEach(a::add);
        r.add("supportedVersions", a);
        return r;
    }

    /** An error document. */
    public static JsonObject error(String version, int code, String msg, String details) {
        JsonObject r = new JsonObject();
        r.addProperty("cniVersion", version);
        r.addProperty("code", code);
        r.addProperty("msg", msg == null ? "" : msg);
        if (details != null && !details.isEmpty()) {
            r.addProperty("details", details);
        }
        return r;
    }
}
