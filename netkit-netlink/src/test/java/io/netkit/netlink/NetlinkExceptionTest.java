package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkExceptionTest {

    @Test
    void messageNamesOperationTargetErrnoAndKernelText() {
        NetlinkException e = new NetlinkException("create link", "veth1", -17, "Device already exists");
        assertThat(e).hasMessage("create link veth1: EEXIST (File exists): kernel says: Device already exists");
        assertThat(e.errno()).isEqualTo(17);
        assertThat(e.errnoName()).isEqualTo("EEXIST");
        assertThat(e.strerror()).isEqualTo("File exists");
        assertThat(e.extAck()).isEqualTo("Device already exists");
        assertThat(new NetlinkException("list links", null, 19, null)).hasMessage("list links: ENODEV (No such device)");
    }

    @Test
    void permissionErrorsSayWhatIsNeeded() {
        assertThat(new NetlinkException("create link", "br0", Errno.EPERM, null).getMessage())
                .startsWith("create link br0: EPERM (Operation not permitted)").contains("CAP_NET_ADMIN").contains("root");
        assertThat(new NetlinkException("create namespace", "x", Errno.EACCES, null).getMessage()).contains("CAP_NET_ADMIN");
    }

    @Test
    void errnoTable() {
        assertThat(Errno.name(95)).isEqualTo("EOPNOTSUPP");
        assertThat(Errno.name(11)).isEqualTo("EAGAIN");
        assertThat(Errno.name(-2)).isEqualTo("ENOENT");
        assertThat(Errno.text(2)).isEqualTo("No such file or directory");
        assertThat(Errno.name(4000)).isEqualTo("E4000");
        assertThat(Errno.text(4000)).isEqualTo("Unknown error 4000");
    }

    @Test
    void subclassesKeepTheFields() {
        NetlinkException base = new NetlinkException("get link", "eth9", Errno.ENODEV, null);
        LinkNotFoundException nf = new LinkNotFoundException(base);
        assertThat(nf).hasMessage(base.getMessage()).hasCause(base);
        assertThat(nf.errnoName()).isEqualTo("ENODEV");
        assertThat(nf.target()).isEqualTo("eth9");
        NetlinkBatchException b = new NetlinkBatchException(List.of(base), List.of(4), 9);
        assertThat(b).hasMessageContaining("1 of 9 batched request(s) failed").hasMessageContaining("[4] get link eth9: ENODEV");
        assertThat(b.failures()).containsExactly(base);
        DumpInterruptedException d = new DumpInterruptedException("list links", 5);
        assertThat(d).hasMessage("list links: dump interrupted by concurrent changes (NLM_F_DUMP_INTR) on all 5 attempts (EINTR)");
    }
}
