package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every bad-input class the issue lists: the error quotes the input, says what is wrong and what to do. */
@Privileged
class ErrorMessagesTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void badNamesMacsAndPrefixesAreRejectedBeforeAnythingIsSent() {
        Links l = namespaces.create("em").netlink().links();
        assertThatThrownBy(() -> l.create(LinkSpec.bridge("abcdefghijklmnop"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"abcdefghijklmnop\"").hasMessageContaining("longer than 15 bytes (16)")
                .hasMessageContaining("use 1 to 15 bytes");
        for (String bad : new String[] {"a/b", "a b", "a:b", "a\tb", "."}) {
            assertThatThrownBy(() -> l.create(LinkSpec.veth("ok0", bad))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid interface name \"" + bad + "\"").hasMessageContaining("use 1 to 15 bytes");
            assertThatThrownBy(() -> l.rename("lo", bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"");
        }
        for (String bad : new String[] {"02:42:ac:11:00", "02:42:ac:11:00:zz", "0242.ac11.0002", "2:42:ac:11:0:2"}) {
            assertThatThrownBy(() -> MacAddress.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"").hasMessageContaining("like 02:42:ac:11:00:02");
        }
        MacAddress multicast = MacAddress.parse("01:00:5e:00:00:01");
        assertThatThrownBy(() -> LinkSpec.bridge("b1").mac(multicast)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"01:00:5e:00:00:01\"").hasMessageContaining("unicast");
        assertThatThrownBy(() -> l.setMac("lo", MacAddress.parse("00:00:00:00:00:00")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not all zero");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.1/33")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"10.0.0.1/33\"").hasMessageContaining("0..32");
        assertThatThrownBy(() -> IpPrefix.parse("fd00::1/129")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"fd00::1/129\"").hasMessageContaining("0..128");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.1/-1")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> IpPrefix.of(IpAddresses.parse("10.0.0.1"), 40)).hasMessageContaining("0..32");
    }

    @Test
    void kernelRefusalsSayWhatHappenedAndWhatToDo() {
        NetNamespace ns = namespaces.create("ek");
        Links l = ns.netlink().links();
        l.create(LinkSpec.bridge("dup"));
        assertThatThrownBy(() -> l.create(LinkSpec.bridge("dup"))).isInstanceOf(NetlinkException.class)
                .hasMessageStartingWith("create link dup: EEXIST (File exists)")
                .hasMessageContaining("a link named \"dup\" already exists: delete it first or choose another name")
                .satisfies(e -> assertThat(((NetlinkException) e).errnoName()).isEqualTo("EEXIST"));
        l.create(LinkSpec.bridge("dup2").alias("x"));   // the batched path says the same
        assertThatThrownBy(() -> l.create(LinkSpec.bridge("dup2").alias("y")))
                .hasMessageContaining("a link named \"dup2\" already exists");
        assertThatThrownBy(() -> l.get("nope")).isInstanceOf(LinkNotFoundException.class)
                .hasMessage("get link nope: ENODEV (No such device): no link named \"nope\" in this network namespace"
                        + " (check the name: ip link show)");
        assertThatThrownBy(() -> l.delete("nope")).isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("no link named \"nope\"");
        assertThatThrownBy(() -> l.setMaster("dup", "nope")).isInstanceOf(LinkNotFoundException.class)
                .hasMessageContaining("\"nope\"");
        assertThatThrownBy(() -> ns.netlink().addresses().add("nope", IpPrefix.parse("10.0.0.1/24")))
                .isInstanceOf(LinkNotFoundException.class).hasMessageContaining("\"nope\"");
        assertThatThrownBy(() -> l.setMtu("dup", 70000)).isInstanceOf(NetlinkException.class)
                .hasMessageContaining("EINVAL").hasMessageContaining("kernel says: mtu greater than device maximum");
        assertThatThrownBy(() -> l.create(LinkSpec.of("nosuchkind", "x0")))
                .hasMessageContaining("link kind \"nosuchkind\" is not supported by this kernel");
        assertThat(new NetlinkException("create link", "x", Errno.EPERM, null).getMessage())
                .contains("EPERM").contains("needs CAP_NET_ADMIN");
    }

    @Test
    void sysctlErrorsSayWhatIsWrong() {
        NetNamespace ns = namespaces.create("es");
        // a read-only key refuses root too: no misleading "needs CAP_NET_ADMIN"
        assertThatThrownBy(() -> ns.sysctl().set("net.ipv4.tcp_available_congestion_control", "x"))
                .isInstanceOf(NetlinkException.class).hasMessageContaining("EACCES").hasMessageContaining("read-only")
                .hasMessageNotContaining("CAP_NET_ADMIN")
                .satisfies(e -> assertThat(((NetlinkException) e).errno()).isEqualTo(Errno.EACCES));
        assertThatThrownBy(() -> ns.sysctl().set("net.ipv4.conf.nope0.forwarding", "1"))
                .hasMessageContaining("no such key");
        assertThatThrownBy(() -> ns.sysctl().get("net/../../etc/passwd")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"net/../../etc/passwd\"");
        assertThatThrownBy(() -> ns.sysctl().set("net.ipv4.ip_forward", "1\n0"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
