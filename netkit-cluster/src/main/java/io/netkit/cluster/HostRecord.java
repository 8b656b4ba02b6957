package io.netkit.cluster;

import io.netkit.core.OverlayPeer;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One host's entry in etcd: key {@code /netkit/clusters/NAME/hosts/10.244.1.0-24}, value
 * {@code underlay=192.168.50.1 mac=02:..}, attached to the host's lease (flannel keeps the same under
 * {@code /coreos.com/network/subnets/10.244.1.0-24}). Entries from the store are untrusted: {@link #decode} checks them.
 */
record HostRecord(OverlayPeer peer) {
    static final String ROOT = "/netkit/clusters/";

    static String prefix(String cluster) {
        return ROOT + cluster + "/hosts/";
    }

    static String configKey(String cluster) {
        return ROOT + cluster + "/config";
    }

    static String key(String cluster, IpPrefix subnet) {
        return prefix(cluster) + IpAddresses.format(subnet.address()) + "-" + subnet.prefixLength();
    }

    /** The subnet a host key names, e.g. {@code 10.244.1.0/24} for {@code .../hosts/10.244.1.0-24}. */
    static IpPrefix subnetOf(String cluster, String key) {
        String tail = key.substring(prefix(cluster).length());
        int dash = tail.lastIndexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("not a host key: \"" + key + "\"");
        }
        return IpPrefix.parse(tail.substring(0, dash) + "/" + tail.substring(dash + 1));
    }

    byte[] value() {
        return ("underlay=" + IpAddresses.format(peer.underlay()) + " mac=" + peer.vtepMac()).getBytes(StandardCharsets.UTF_8);
    }

    static HostRecord decode(String cluster, String key, byte[] value) {
        Map<String, String> m = fields(new String(value, StandardCharsets.UTF_8));
        String u = m.get("underlay");
        String mac = m.get("mac");
        if (u == null || mac == null) {
            throw new IllegalArgumentException("host entry " + key + " lacks underlay= or mac=: \""
                    + new String(value, StandardCharsets.UTF_8) + "\"");
        }
        return new HostRecord(new OverlayPeer(subnetOf(cluster, key), IpAddresses.parse(u), MacAddress.parse(mac)));
    }

    static Map<String, String> fields(String text) {
        Map<String, String> m = new HashMap<>();
        for (String t : text.trim().split(" +")) {
            int eq = t.indexOf('=');
            if (eq > 0) {
                m.put(t.substring(0, eq), t.substring(eq + 1));
            }
        }
        return m;
    }
}
