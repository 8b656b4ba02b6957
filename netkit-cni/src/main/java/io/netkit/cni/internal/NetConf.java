package io.netkit.cni.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.netkit.cni.CniException;
import io.netkit.core.FirewallBackend;
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
 * @param ipam        host-local's ranges (one per family), routes and dataDir
 * @param ips         runtimeConfig {@code ips}: at most one address per family, inside the range of its family
 */
public record NetConf(String cniVersion, String name, String type, String bridge, boolean isGateway,
                      boolean isDefaultGateway, boolean ipMasq, int mtu, boolean hairpinMode, Ipam ipam, List<PortMap> portMappings,
                      List<InetAddress> ips, String mac, JsonObject prevResult, List<Attachment> validAttachments,
                      JsonElement dns, JsonObject raw, FirewallBackend firewall) {

    /** The CNI versions this plugin speaks. */
    public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

    /** One of {@code runtimeConfig.portMappings}; {@code hostIp} null when published on every host address. */
    public record PortMap(int hostPort, int containerPort, String protocol, InetAddress hostIp) {
        public PortMap(int hostPort, int containerPort, String protocol) {
            this(hostPort, containerPort, protocol, null);
        }
    }

    /** The IPv4 subnet, or null on an IPv6-only network. */
    public IpPrefix subnet() {
        return ipam.v4() == null ? null : ipam.v4().subnet();
    }

    /** The configured IPv4 gateway, or null (default: the subnet's first address). */
    public InetAddress gateway() {
        return ipam.v4() == null ? null : ipam.v4().gateway();
    }

    /** The ipam routes (the default routes are always installed; see the README's differences). */
    public List<IpPrefix> routes() {
        return ipam.routes();
    }

    /** host-local's lease directory: accepted and unused (netkit's leases are the kernel's records). */
    public String dataDir() {
        return ipam.dataDir();
    }

    /** One of {@code cni.dev/valid-attachments} (GC). */
    public record Attachment(String containerId, String ifname) {
    }

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
        Ipam ranges = Ipam.parse(ipam);

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
                    InetAddress bind = hostIp.isEmpty() || "0.0.0.0".equals(hostIp) || "::".equals(hostIp) ? null
                            : address(hostIp, "port mapping hostIP \"" + hostIp + "\"");
                    if (bind != null && (bind.isMulticastAddress() || bind.isLinkLocalAddress())) {
                        throw invalid("port mapping " + m + " has hostIP " + hostIp + ", a multicast or link-local address",
                                "give one of the host's unicast addresses, or leave hostIP out to publish on all of them");
                    }
                    if (bind != null && ranges.rangeFor(bind) == null) {
                        throw invalid("port mapping " + m + " has hostIP " + hostIp + " of a family network " + name
                                + " has no range of", "give a host address of the network's family, or leave hostIP out");
                    }
                    String proto = str(m, "protocol", "tcp").toLowerCase(java.util.Locale.ROOT);
                    if (!proto.equals("tcp") && !proto.equals("udp")) {
                        throw unsupported("port mapping protocol \"" + proto + "\"", "use tcp or udp");
                    }
                    ports.add(new PortMap(integer(m, "hostPort", 0), integer(m, "containerPort", 0), proto, bind));
                }
            }
            JsonArray ipList = array(rc, "ips");
            if (ipList != null) {
                for (JsonElement e : ipList) {
                    String text = e.isJsonPrimitive() ? e.getAsString() : e.toString();
                    InetAddress ip = address(text.contains("/") ? text.substring(0, text.indexOf('/')) : text,
                            "runtimeConfig ips entry \"" + text + "\"");
                    Ipam.Range range = ranges.rangeFor(ip);
                    if (range == null) {
                        throw invalid("runtimeConfig ips entry " + text + " is " + (ip instanceof Inet4Address ? "IPv4" : "IPv6")
                                + " but network " + name + " has no range of that family", "ask for an address of the network's ranges");
                    }
                    if (!range.allocates(ip)) {
                        throw invalid("runtimeConfig ips entry " + text + " is outside the range " + range.window()
                                + " of network " + name, "ask for an address inside it");
                    }
                    if (ips.stream().anyMatch(x -> (x instanceof Inet4Address) == (ip instanceof Inet4Address))) {
                        throw unsupported("runtimeConfig ips asks for two " + (ip instanceof Inet4Address ? "IPv4" : "IPv6")
                                + " addresses " + ips + " and " + text, "a netkit attachment has one address per family");
                    }
                    ips.add(ip);
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
        return new NetConf(version, name, type, bridge, isGateway, isDefaultGateway, ipMasq, mtu, hairpin, ranges, List.copyOf(ports), List.copyOf(ips), mac, prev, List.copyOf(valid),
                o.get("dns"), o, firewall(o));
    }

    /** {@code "firewall"}: auto, iptables or nftables; null when absent (the plugin process's default, auto). */
    private static FirewallBackend firewall(JsonObject o) {
        String fw = str(o, "firewall", null);
        if (fw == null) {
            return null;
        }
        return switch (fw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> FirewallBackend.AUTO;
            case "iptables" -> FirewallBackend.IPTABLES;
            case "nftables", "nft" -> FirewallBackend.NFTABLES;
            default -> throw invalid("\"firewall\": \"" + fw + "\" is not a firewall backend",
                    "use \"auto\", \"iptables\" or \"nftables\", or leave it out (auto)");
        };
    }

    static InetAddress address(String text, String what) {
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

    static String str(JsonObject o, String key, String def) {
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

    static JsonArray array(JsonObject o, String key) {
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
