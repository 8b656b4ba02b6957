package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrivilegesTest {
    private static final long NET_ADMIN = 1L << 12;
    private static final long SYS_ADMIN = 1L << 21;

    @Test
    void withoutCapNetAdminTheMessageSaysRoot() {
        assertThatThrownBy(() -> Privileges.requireNetAdmin("create network br0", false, 0))
                .isInstanceOf(SecurityException.class)
                .hasMessageContaining("create network br0")
                .hasMessageContaining("root (CAP_NET_ADMIN");
        assertThatThrownBy(() -> Privileges.requireNetAdmin("attach c1", true, NET_ADMIN))
                .isInstanceOf(SecurityException.class).hasMessageContaining("CAP_SYS_ADMIN");
        assertThatCode(() -> Privileges.requireNetAdmin("attach c1", true, NET_ADMIN | SYS_ADMIN)).doesNotThrowAnyException();
        assertThatCode(() -> Privileges.requireNetAdmin("create", false, NET_ADMIN)).doesNotThrowAnyException();
    }

    @Test
    void missingIptablesNamesTheDebianPackage() {
        assertThatThrownBy(() -> Privileges.requireIptables("create network br0", "/nonexistent"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("iptables-restore")
                .hasMessageContaining("Debian package 'iptables'")
                .hasMessageContaining("apt-get install iptables");
    }

    @Test
    void missingIptablesForPublishingNamesTheFeatureAndThePackage() {
        assertThatThrownBy(() -> Privileges.requireIptables("publish 8080:80/tcp on endpoint c1", "publishing ports", "/nonexistent"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("publish 8080:80/tcp on endpoint c1")
                .hasMessageContaining("publishing ports needs iptables")
                .hasMessageContaining("Debian package 'iptables'");
    }

    @Test
    void recognisesASlaveRunNetns() {
        org.assertj.core.api.Assertions.assertThat(Privileges.isSlaveOnly(
                "65 45 254:0 /run/netns /run/netns rw,relatime master:1")).isTrue();
        org.assertj.core.api.Assertions.assertThat(Privileges.isSlaveOnly(
                "42 27 254:0 /run/netns /run/netns rw,relatime shared:1")).isFalse();
        org.assertj.core.api.Assertions.assertThat(Privileges.isSlaveOnly(null)).isFalse();
    }

    @Test
    void readsAStatusFieldWhereverItStands() throws Exception {
        String status = "Name:\tjava\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        org.assertj.core.api.Assertions.assertThat(Privileges.field(status, "Name:")).isEqualTo("java");
        org.assertj.core.api.Assertions.assertThat(Privileges.field(status, "CapEff:")).isEqualTo("000001ffffffffff");
        org.assertj.core.api.Assertions.assertThat(Privileges.field(status, "Uid:")).isEqualTo("0\t0\t0\t0");
        org.assertj.core.api.Assertions.assertThat(Privileges.field(status, "CapBnd:")).isNull();
        org.assertj.core.api.Assertions.assertThat(Privileges.field("CapEff:\t1f", "CapEff:")).isEqualTo("1f");
        // a key inside another line's value is not a field
        org.assertj.core.api.Assertions.assertThat(Privileges.field("Name:\tCapEff: x\n", "CapEff:")).isNull();
        // this process's own file: the same value as a line-by-line read
        String own = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status"));
        String byLines = null;
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) byLines = line.substring(7).trim();
        }
        org.assertj.core.api.Assertions.assertThat(Privileges.field(own, "CapEff:")).isNotNull().isEqualTo(byLines);
    }
}
