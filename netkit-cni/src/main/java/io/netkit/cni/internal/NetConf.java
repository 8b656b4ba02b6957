package io.netkit.cni.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.cni.CniException;
import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The network configuration of a {@code netkit} plugin, parsed from stdin with the keys of the reference
 * {@code bridge} plugin and its {@code host-local} IPAM, so that a conflist written for them works with
 * {@code "type": "netkit"}. Not for use outside netkit.
 *
 * @param hairpinMode whether the host-side bridge port reflects frames back (hairpin), as the reference sets it
 * @param routes      ipam routes (the default route is always installed; see the README's differences)
 * @param dataDir     host-local's lease directory: accepted and unused (netkit's leases are the kernel's records)
 */
public record NetConf(String cniVersion, String name, String type, String bridge, boolean isGateway,
                      boolean isDefaultGateway, boolean ipMasq, int mtu, boolean hairpinMode, IpPrefix subnet,
                      InetAddress gateway, List<IpPrefix> routes, String dataDir, List<PortMap> portMappings,
                      List<InetAddress> ips, String mac, JsonObject prevResult, List<Attachment> validAttachments,
                      JsonElement dns, JsonObject raw) {

    /** The CNI versions this plugin speaks. */
    public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    /** One of {@code runtimeConfig.portMappings}. */
    public record PortMap(int hostPort, int containerPort, String protocol) {
    }

    /** One of {@code cni.dev/valid-attachments} (GC). */
    public record Attachment(String containerId, String ifname) {
    }

    private static final Set<String> HOST_LOCAL_KEYS = Set.of("type", "subnet", "gateway", "ranges", "routes", "dataDir",
            "rangeStart", "rangeEnd", "resolvConf");

    /** The version a document asks for, checked against {@link #SUPPORTED}; {@code def} if it names none. */
    public static String version(JsonObject o, String def) {
        JsonElement v = o.get("cniVersion");
        if (v == null || v.isJsonNull()) {
            return def;
        }
        String s = v.isJsonPrimitive() ? v.getAsString() : v.toString();
        if (!SUPPORTED.contains(s)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "incompatible CNI versions",
                    "config asks for cniVersion \"" + s + "\"; the netkit plugin supports " + SUPPORTED
                            + "; set \"cniVersion\" in the network configuration to one of them");
        }
        return s;
    }

    /** Parses and validates a configuration; errors carry the spec's codes (2 unsupported, 7 invalid). */
    public static NetConf parse(JsonObject o) {
        String version = version(o, "1.1.0");
        String name = str(o, "name", null);
        if (name == null || name.isBlank()) {
            throw invalid("\"name\" is missing", "give the network a name, e.g. \"name\": \"netkit-net\"");
        }
        String type = str(o, "type", "netkit");
        String bridge = str(o, "bridge", "cni0");
        try {
            InterfaceNames.validate(bridge);
        } catch (IllegalArgumentException e) {
            throw invalid("\"bridge\": " + e.getMessage(), "choose a bridge name of 1-15 bytes without '/', ':' or spaces");
        }
        boolean isGateway = bool(o, "isGateway", false);
        boolean isDefaultGateway = bool(o, "isDefaultGateway", false);
        boolean ipMasq = bool(o, "ipMasq", false);
        int mtu = integer(o, "mtu", 0);
        if (mtu != 0 && (mtu < 68 || mtu > 65535)) {
            throw invalid("\"mtu\": " + mtu + " is out of range", "use 68..65535 or leave it out");
        }
        boolean hairpin = bool(o, "hairpinMode", false);
        for (String k : List.of("vlan", "vlanTrunk", "promiscMode", "macspoofchk", "enabledad", "preserveDefaultVlan")) {
            if (o.has(k) && !(o.get(k).isJsonPrimitive() && o.get(k).getAsJsonPrimitive().isBoolean() && !o.get(k).getAsBoolean())) {
                throw unsupported("\"" + k + "\" (of the reference bridge plugin) is not supported by netkit",
                        "remove \"" + k + "\" from the configuration of network " + name);
            }
        }

        JsonObject ipam = obj(o, "ipam");
        if (ipam == null) {
            throw invalid("\"ipam\" is missing", "add \"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.22.0.0/16\"}");
        }
        String ipamType = str(ipam, "type", "host-local");
        if (!"host-local".equals(ipamType)) {
            throw unsupported("ipam type \"" + ipamType + "\" is not supported by netkit",
                    "netkit allocates addresses itself with host-local's keys; set \"ipam\": {\"type\": \"host-local\", ...}");
        }
        for (String k : ipam.keySet()) {
            if (!HOST_LOCAL_KEYS.contains(k)) {
                throw unsupported("ipam key \"" + k + "\" is not supported by netkit", "remove it; supported: " + HOST_LOCAL_KEYS);
            }
        }
        if (ipam.has("rangeStart") || ipam.has("rangeEnd")) {
            throw unsupported("ipam \"rangeStart\"/\"rangeEnd\" are not supported by netkit",
                    "netkit allocates from the whole subnet; give the range its own subnet instead");
        }
        String subnetText = str(ipam, "subnet", null);
        String gatewayText = str(ipam, "gateway", null);
        JsonArray ranges = array(ipam, "ranges");
        if (ranges != null) {
            if (subnetText != null) {
                throw invalid("ipam has both \"subnet\" and \"ranges\"", "use one of them");
            }
            if (ranges.size() != 1 || !ranges.get(0).isJsonArray() || ranges.get(0).getAsJsonArray().size() != 1) {
                throw unsupported("ipam \"ranges\" must hold exactly one range set with one IPv4 range for netkit (found "
                        + ranges + ")", "a netkit network has one IPv4 subnet: \"ranges\": [[{\"subnet\": \"10.22.0.0/16\"}]]");
            }
            JsonElement r = ranges.get(0).getAsJsonArray().get(0);
            if (!r.isJsonObject()) {
                throw invalid("ipam range is not an object: " + r, "write {\"subnet\": \"10.22.0.0/16\"}");
            }
            JsonObject range = r.getAsJsonObject();
            if (range.has("rangeStart") || range.has("rangeEnd")) {
                throw unsupported("ipam \"rangeStart\"/\"rangeEnd\" are not supported by netkit",
                        "netkit allocates from the whole subnet; give the range its own subnet instead");
            }
            subnetText = str(range, "subnet", null);
            gatewayText = str(range, "gateway", gatewayText);
        }
        if (subnetText == null) {
            throw invalid("ipam has no \"subnet\"", "add \"subnet\": \"10.22.0.0/16\" (or \"ranges\": [[{\"subnet\": ...}]])");
        }
        IpPrefix subnet;
        try {
            subnet = IpPrefix.parse(subnetText);
        } catch (IllegalArgumentException e) {
            throw invalid("ipam subnet \"" + subnetText + "\" is not a CIDR prefix: " + e.getMessage(), "write e.g. \"10.22.0.0/16\"");
        }
        if (!(subnet.address() instanceof Inet4Address)) {
            throw unsupported("ipam subnet " + subnetText + " is IPv6; netkit networks are IPv4", "use an IPv4 subnet");
        }
        if (subnet.prefixLength() > 30) {
            throw invalid("ipam subnet " + subnetText + " has no room for a gateway and a container", "use a /30 or larger");
        }
        InetAddress gateway = null;
        if (gatewayText != null) {
            gateway = address(gatewayText, "ipam gateway");
            if (!subnet.contains(gateway)) {
                throw invalid("ipam gateway " + gatewayText + " is outside subnet " + subnetText, "choose an address inside the subnet");
            }
        }
        List<IpPrefix> routes = new ArrayList<>();
        JsonArray rs = array(ipam, "routes");
        if (rs != null) {
            for (JsonElement r : rs) {
                if (!r.isJsonObject() || str(r.getAsJsonObject(), "dst", null) == null) {
                    throw invalid("ipam route " + r + " has no \"dst\"", "write {\"dst\": \"0.0.0.0/0\"}");
                }
                String dst = str(r.getAsJsonObject(), "dst", null);
                if (r.getAsJsonObject().has("gw")) {
                    throw unsupported("ipam route " + r + " names a \"gw\"", "netkit routes go via the network's gateway; drop \"gw\"");
                }
                IpPrefix p;
                try {
                    p = IpPrefix.parse(dst);
                } catch (IllegalArgumentException e) {
                    throw invalid("ipam route dst \"" + dst + "\" is not a CIDR prefix: " + e.getMessage(), "write e.g. \"0.0.0.0/0\"");
                }
                if (!(p.address() instanceof Inet4Address)) {
                    throw unsupported("ipam route " + dst + " is IPv6", "netkit networks are IPv4; remove the route");
                }
                routes.add(p);
            }
        }
        String dataDir = str(ipam, "dataDir", null);

        List<PortMap> ports = new ArrayList<>();
        List<InetAddress> ips = new ArrayList<>();
        String mac = null;
        JsonObject rc = obj(o, "runtimeConfig");
        if (rc != null) {
            JsonArray pm = array(rc, "portMappings");
            if (pm != null) {
                for (JsonElement e : pm) {
                    if (!e.isJsonObject()) {
                        throw invalid("runtimeConfig port mapping " + e + " is not an object", "the runtime sends {hostPort, containerPort, protocol}");
                    }
                    JsonObject m = e.getAsJsonObject();
                    String hostIp = str(m, "hostIP", "");
                    if (!hostIp.isEmpty() && !"0.0.0.0".equals(hostIp)) {
                        throw unsupported("port mapping " + m + " binds hostIP " + hostIp,
                                "netkit publishes on every host address; leave hostIP out");
                    }
                    String proto = str(m, "protocol", "tcp").toLowerCase(java.util.Locale.ROOT);
                    if (!proto.equals("tcp") && !proto.equals("udp")) {
                        throw unsupported("port mapping protocol \"" + proto + "\"", "use tcp or udp");
                    }
                    ports.add(new PortMap(integer(m, "hostPort", 0), integer(m, "containerPort", 0), proto));
                }
            }
            JsonArray ipList = array(rc, "ips");
            if (ipList != null) {
                for (JsonElement e : ipList) {
                    String s = e.isJsonPrimitive() ? e.getAsString() : e.toString();
                    String a = s.contains("/") ? s.substring(0, s.indexOf('/')) : s;
                    InetAddress ip = address(a, "runtimeConfig ips entry \"" + s + "\"");
                    if (ip instanceof Inet4Address) {
                        ips.add(ip);
                    }
                }
                if (ips.size() > 1) {
                    throw unsupported("runtimeConfig ips asks for " + ips.size() + " IPv4 addresses", "a netkit attachment has one address");
                }
            }
            mac = str(rc, "mac", null);
        }
        JsonObject prev = obj(o, "prevResult");
        List<Attachment> valid = new ArrayList<>();
        JsonArray va = array(o, "cni.dev/valid-attachments");
        if (va != null) {
            for (JsonElement e : va) {
                if (!e.isJsonObject()) {
                    throw invalid("cni.dev/valid-attachments entry " + e + " is not an object", "the runtime sends {containerID, ifname}");
                }
                valid.add(new Attachment(str(e.getAsJsonObject(), "containerID", ""), str(e.getAsJsonObject(), "ifname", "")));
            }
        }
        return new NetConf(version, name, type, bridge, isGateway, isDefaultGateway, ipMasq, mtu, hairpin, subnet, gateway,
                List.copyOf(routes), dataDir, List.copyOf(ports), List.copyOf(ips), mac, prev, List.copyOf(valid),
                o.get("dns"), o);
    }

    private static InetAddress address(String text, String what) {
        try {
            return IpAddresses.parse(text);
        } catch (IllegalArgumentException e) {
            throw invalid(what + " is not an IP address: " + e.getMessage(), "write a literal address such as 10.22.0.1");
        }
    }

    static CniException invalid(String msg, String todo) {
        return new CniException(CniException.INVALID_NETWORK_CONFIG, "invalid network configuration: " + msg, todo);
    }

    static CniException unsupported(String msg, String todo) {
        return new CniException(CniException.UNSUPPORTED_FIELD, "unsupported field in network configuration: " + msg, todo);
    }

    private static String str(JsonObject o, String key, String def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw invalid("\"" + key + "\" must be a string, got " + e, "quote the value");
        }
        return e.getAsString();
    }

    private static boolean bool(JsonObject o, String key, boolean def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw invalid("\"" + key + "\" must be true or false, got " + e, "write true or false without quotes");
        }
        return e.getAsBoolean();
    }

    private static int integer(JsonObject o, String key, int def) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return def;
        }
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                return e.getAsJsonPrimitive().getAsBigDecimal().intValueExact();
            }
        } catch (ArithmeticException ignored) {
            // falls through to the error
        }
        throw invalid("\"" + key + "\" must be an integer, got " + e, "write a number without quotes");
    }

    private static JsonObject obj(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw invalid("\"" + key + "\" must be an object, got " + e, "see the README's conflist");
        }
        return e.getAsJsonObject();
    }

    private static JsonArray array(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonArray()) {
            throw invalid("\"" + key + "\" must be an array, got " + e, "see the README's conflist");
        }
        return e.getAsJsonArray();
    }
}
