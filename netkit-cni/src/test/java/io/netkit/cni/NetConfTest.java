package io.netkit.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.netkit.cni.internal.Attachments;
import io.netkit.cni.internal.Json;
import io.netkit.cni.internal.NetConf;
import io.netkit.cni.internal.Results;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parsing the reference bridge/host-local keys and writing results, without the kernel. */
class NetConfTest {
    static JsonObject json(String s) {
        return Json.parseObject(s, "test");
    }

    @Test
    void theReferencePluginsConfigurationParsesWithTypeNetkit() {
        // Podman's generated conflist entry for the reference bridge plugin, type changed
        NetConf c = NetConf.parse(json("""
                {"cniVersion": "0.4.0", "name": "podman", "type": "netkit", "bridge": "cni-podman0", "isGateway": true,
                 "ipMasq": true, "hairpinMode": true, "runtimeConfig": {"portMappings": [
                   {"hostPort": 8080, "containerPort": 80, "protocol": "tcp", "hostIP": ""}], "mac": "02:00:00:00:00:01"},
                 "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
                          "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]], "dataDir": "/x"}}
                """));
        assertThat(c.bridge()).isEqualTo("cni-podman0");
        assertThat(c.subnet()).isEqualTo(IpPrefix.parse("10.88.0.0/16"));
        assertThat(c.gateway()).isEqualTo(IpAddresses.parse("10.88.0.1"));
        assertThat(c.ipMasq()).isTrue();
        assertThat(c.hairpinMode()).isTrue();
        assertThat(c.portMappings()).containsExactly(new NetConf.PortMap(8080, 80, "tcp"));
        assertThat(c.mac()).isEqualTo("02:00:00:00:00:01");
        assertThat(c.dataDir()).isEqualTo("/x");
        assertThat(c.routes()).containsExactly(IpPrefix.parse("0.0.0.0/0"));
    }

    @Test
    void theFirewallKeyChoosesTheBackendAndIsCheckedAbsentMeansTheDefault() {
        String ipam = ", \"ipam\": {\"subnet\": \"10.0.0.0/24\"}}";
        assertThat(NetConf.parse(json("{\"name\": \"n\"" + ipam)).firewall()).isNull();
        assertThat(NetConf.parse(json("{\"name\": \"n\", \"firewall\": \"nftables\"" + ipam)).firewall())
                .isEqualTo(io.netkit.core.FirewallBackend.NFTABLES);
        assertThat(NetConf.parse(json("{\"name\": \"n\", \"firewall\": \"iptables\"" + ipam)).firewall())
                .isEqualTo(io.netkit.core.FirewallBackend.IPTABLES);
        assertThat(NetConf.parse(json("{\"name\": \"n\", \"firewall\": \"auto\"" + ipam)).firewall())
                .isEqualTo(io.netkit.core.FirewallBackend.AUTO);
        assertThatThrownBy(() -> NetConf.parse(json("{\"name\": \"n\", \"firewall\": \"pf\"" + ipam)))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.code()).isEqualTo(7);
                    assertThat(e.getMessage()).contains("\"firewall\": \"pf\"");
                    assertThat(e.details()).contains("nftables");
                });
    }

    @Test
    void errorsCarryTheSpecsCodes() {
        assertThatThrownBy(() -> NetConf.parse(json("{\"name\": \"n\", \"ipam\": {\"subnet\": \"10.0.0.0/24\", \"vlan\": 5}}")))
                .isInstanceOfSatisfying(CniException.class, e -> assertThat(e.code()).isEqualTo(2));
        assertThatThrownBy(() -> NetConf.parse(json("{\"name\": \"n\", \"mtu\": \"1500\", \"ipam\": {\"subnet\": \"10.0.0.0/24\"}}")))
                .isInstanceOfSatisfying(CniException.class, e -> {
                    assertThat(e.code()).isEqualTo(7);
                    assertThat(e.getMessage()).contains("\"mtu\" must be an integer");
                });
        assertThatThrownBy(() -> NetConf.parse(json("{\"name\": \"n\"}")))
                .isInstanceOfSatisfying(CniException.class, e -> assertThat(e.details()).contains("host-local"));
        assertThatThrownBy(() -> Json.parseObject("{\"a\": 1} trailing", "config"))
                .isInstanceOfSatisfying(CniException.class, e -> assertThat(e.code()).isEqualTo(6));
        assertThatThrownBy(() -> Json.parseObject("{'a': 1}", "config"))
                .isInstanceOfSatisfying(CniException.class, e -> assertThat(e.code()).isEqualTo(6));
    }

    static CniException refused(String ipam, String runtimeConfig) {
        try {
            NetConf.parse(json("{\"name\": \"n\", \"ipam\": " + ipam + (runtimeConfig == null ? "" : ", \"runtimeConfig\": " + runtimeConfig) + "}"));
        } catch (CniException e) {
            return e;
        }
        throw new AssertionError("accepted: " + ipam + " " + runtimeConfig);
    }

    @Test
    void dualStackRangesWithGatewaysAndRangeStartEndParse() {
        NetConf c = NetConf.parse(json("""
                {"name": "ds", "ipam": {"type": "host-local", "ranges": [
                   [{"subnet": "fd00:5::/64", "rangeStart": "fd00:5::10"}],
                   [{"subnet": "10.5.0.0/24", "gateway": "10.5.0.254", "rangeEnd": "10.5.0.99"}]],
                  "routes": [{"dst": "::/0"}, {"dst": "0.0.0.0/0"}]},
                 "runtimeConfig": {"ips": ["10.5.0.7/24", "fd00:5::20"]}}
                """));
        assertThat(c.subnet()).isEqualTo(IpPrefix.parse("10.5.0.0/24"));
        assertThat(c.gateway()).isEqualTo(IpAddresses.parse("10.5.0.254"));
        assertThat(c.ipam().v6().subnet()).isEqualTo(IpPrefix.parse("fd00:5::/64"));
        assertThat(c.ipam().v6().rangeStart()).isEqualTo(IpAddresses.parse("fd00:5::10"));
        assertThat(c.ipam().v4().rangeEnd()).isEqualTo(IpAddresses.parse("10.5.0.99"));
        assertThat(c.ips()).containsExactly(IpAddresses.parse("10.5.0.7"), IpAddresses.parse("fd00:5::20"));
        assertThat(c.routes()).containsExactly(IpPrefix.parse("::/0"), IpPrefix.parse("0.0.0.0/0"));
        // the legacy single-range form takes rangeStart/rangeEnd at the top of ipam
        assertThat(NetConf.parse(json("{\"name\": \"n\", \"ipam\": {\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.5\"}}"))
                .ipam().v4().rangeStart()).isEqualTo(IpAddresses.parse("10.0.0.5"));
    }

    @Test
    void badRangesAreRefusedWithTheSpecsCodesNamingTheInput() {
        CniException e = refused("{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.1.5\"}", null);
        assertThat(e.code()).isEqualTo(7);
        assertThat(e.getMessage()).contains("rangeStart 10.0.1.5 is outside subnet 10.0.0.0/24");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.50\", \"rangeEnd\": \"10.0.0.9\"}]]}", null);
        assertThat(e.code()).isEqualTo(7);
        assertThat(e.getMessage()).contains("rangeStart 10.0.0.50 is after rangeEnd 10.0.0.9");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\", \"rangeEnd\": \"10.0.0.255\"}]]}", null);
        assertThat(e.getMessage()).contains("broadcast address");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}], [{\"subnet\": \"10.1.0.0/24\"}]]}", null);
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.getMessage()).contains("two IPv4 ranges");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}, {\"subnet\": \"10.1.0.0/24\"}]]}", null);
        assertThat(e.code()).isEqualTo(2);
        e = refused("{\"ranges\": [[{\"subnet\": \"fd00::/64\", \"gateway\": \"fd01::1\"}]]}", null);
        assertThat(e.getMessage()).contains("gateway fd01::1 is outside subnet fd00::/64");
        e = refused("{\"ranges\": [[{\"subnet\": \"fd00::/32\"}]]}", null);
        assertThat(e.getMessage()).contains("/48../120");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}]], \"routes\": [{\"dst\": \"::/0\"}]}", null);
        assertThat(e.getMessage()).contains("no IPv6 range");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.100\"}]]}", "{\"ips\": [\"10.0.0.5\"]}");
        assertThat(e.code()).isEqualTo(7);
        assertThat(e.getMessage()).contains("10.0.0.5 is outside the range 10.0.0.100-end of 10.0.0.0/24");
        e = refused("{\"ranges\": [[{\"subnet\": \"10.0.0.0/24\"}]]}", "{\"ips\": [\"fd00::5\"]}");
        assertThat(e.getMessage()).contains("no range of that family");
        e = refused("{\"subnet\": \"10.0.0.0/24\"}", "{\"portMappings\": [{\"hostPort\": 80, \"containerPort\": 80, \"hostIP\": \"fd00::1\"}]}");
        assertThat(e.code()).isEqualTo(7);
        assertThat(e.getMessage()).contains("hostIP fd00::1");
        assertThat(NetConf.parse(json("{\"name\": \"n\", \"ipam\": {\"subnet\": \"10.0.0.0/24\"}, \"runtimeConfig\": {\"portMappings\": "
                + "[{\"hostPort\": 80, \"containerPort\": 8080, \"hostIP\": \"192.0.2.1\"}]}}")).portMappings())
                .containsExactly(new NetConf.PortMap(80, 8080, "tcp", IpAddresses.parse("192.0.2.1")));
    }

    @Test
    void resultsBefore100CarryTheIpVersionAndChainOntoPrevResult() {
        JsonObject prev = json("{\"cniVersion\": \"0.4.0\", \"interfaces\": [{\"name\": \"x\"}], \"ips\": [], \"routes\": []}");
        JsonObject r = Results.add("0.4.0", prev, List.of(new Results.Iface("br", MacAddress.parse("02:00:00:00:00:01"), null, 0),
                        new Results.Iface("eth0", MacAddress.parse("02:00:00:00:00:02"), "/run/netns/c", 1500)),
                List.of(new Results.Ip(IpPrefix.parse("10.0.0.2/24"), IpAddresses.parse("10.0.0.1"))),
                List.of(new Results.Ip(IpPrefix.parse("0.0.0.0/0"), IpAddresses.parse("10.0.0.1"))), null);
        assertThat(Json.write(r)).isEqualTo("{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"x\"},{\"name\":\"br\","
                + "\"mac\":\"02:00:00:00:00:01\"},{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:02\",\"sandbox\":\"/run/netns/c\"}],"
                + "\"ips\":[{\"version\":\"4\",\"interface\":2,\"address\":\"10.0.0.2/24\",\"gateway\":\"10.0.0.1\"}],"
                + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"10.0.0.1\"}],\"dns\":{}}");
    }

    @Test
    void hostInterfaceNamesAreStableValidAndDistinct() {
        String a = Attachments.hostInterface("0123456789abcdef", "eth0");
        assertThat(a).matches("nkc[0-9a-f]{12}").hasSize(15).isEqualTo(Attachments.hostInterface("0123456789abcdef", "eth0"));
        assertThat(Attachments.hostInterface("0123456789abcdef", "eth1")).isNotEqualTo(a);
    }

    @Test
    void daemonWireFormat() {
        Map<String, String> env = new HashMap<>();
        byte[] req = "NKCNI1\0CNI_COMMAND=ADD\0CNI_ARGS=A=1;B=2\0\0{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int body = CniDaemon.parseEnv(req, env);
        assertThat(env).containsEntry("CNI_COMMAND", "ADD").containsEntry("CNI_ARGS", "A=1;B=2");
        assertThat(new String(req, body, req.length - body, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(CniDaemon.parseEnv("HTTP/1.1".getBytes(java.nio.charset.StandardCharsets.UTF_8), new HashMap<>())).isEqualTo(-1);
        assertThat(CniDaemon.parseEnv("NKCNI1\0CNI_COMMAND=ADD".getBytes(java.nio.charset.StandardCharsets.UTF_8), new HashMap<>())).isEqualTo(-1);
    }
}
