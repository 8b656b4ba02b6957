package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.internal.LibC;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The receive path against datagrams that do not come from the kernel: another socket (root may unicast to any
 * netlink port) floods the handle with garbage, truncated headers, and forged acks, errors and NLMSG_DONE that
 * carry the sequence numbers the handle is about to use. Every answer must still be the kernel's.
 */
@Privileged
class ForeignDatagramTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    @Test
    void forgedAndGarbageDatagramsFromUserSpaceAreIgnored() {
        NetNamespace ns = namespaces.create("fd");
        RtNetlink rt = ns.netlink();
        rt.links().create(LinkSpec.bridge("fb0"));
        int victim = rt.socket().portId();
        int fd = ns.call(() -> LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0));
        assertThat(fd).isNotNegative();
        try {
            byte[] self = new byte[12];
            ByteBuffer.wrap(self).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK);
            assertThat(LibC.bind(fd, self, 12)).isZero();
            byte[] dest = new byte[12];
            ByteBuffer.wrap(dest).order(ByteOrder.nativeOrder()).putShort((short) LibC.AF_NETLINK).putShort((short) 0)
                    .putInt(victim);
            Random rnd = new Random(7);
            Memory mem = new Memory(4096);
            for (int round = 0; round < 200; round++) {
                byte[] d;
                if (round % 3 == 0) {
                    d = new byte[1 + rnd.nextInt(63)];
                    rnd.nextBytes(d);
                } else {
                    // a well-formed NLMSG_ERROR (EPERM) or NLMSG_DONE for a guessed upcoming sequence number
                    d = new byte[36];
                    ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.nativeOrder());
                    b.putInt(36).putShort((short) (round % 3 == 1 ? NetlinkConstants.NLMSG_ERROR : NetlinkConstants.NLMSG_DONE))
                            .putShort((short) 0).putInt(round).putInt(victim).putInt(-1);
                }
                mem.write(0, d, 0, d.length);
                assertThat(LibC.sendto(fd, mem, d.length, 0, dest, 12)).as("sent to port %d: errno %d", victim, LibC.errno()).isEqualTo(d.length);
                if (round % 10 == 0) {
                    assertThat(rt.links().get("fb0").name()).isEqualTo("fb0");
                    assertThat(rt.links().list()).extracting(Link::name).containsExactly("lo", "fb0");
                    rt.links().setUp("fb0");
                    rt.links().setDown("fb0");
                }
            }
            assertThat(rt.links().list()).hasSize(2);
        } finally {
            LibC.close(fd);
        }
    }
}
