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
    void errorsCarryTheSpecsCodes() {
        assertThatThrownBy(() -> NetConf.parse(json("{\"name\": \"n\", \"ipam\": {\"subnet\": \"10.0.0.0/24\", \"rangeStart\": \"10.0.0.5\"}}")))
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

    @Test
    void resultsBefore100CarryTheIpVersionAndChainOntoPrevResult() {
        JsonObject prev = json("{\"cniVersion\": \"0.4.0\", \"interfaces\": [{\"name\": \"x\"}], \"ips\": [], \"routes\": []}");
        JsonObject r = Results.add("0.4.0", prev, List.of(new Results.Iface("br", MacAddress.parse("02:00:00:00:00:01"), null, 0),
                        new Results.Iface("eth0", MacAddress.parse("02:00:00:00:00:02"), "/run/netns/c", 1500)),
                IpPrefix.parse("10.0.0.2/24"), IpAddresses.parse("10.0.0.1"), List.of(IpPrefix.parse("0.0.0.0/0")), null);
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
