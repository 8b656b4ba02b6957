package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The unsolicited neighbour advertisement's bytes (RFC 4861 4.4, RFC 4443 2.3), checked field by field. */
class NeighborAdvertisementTest {
    @Test
    void packetIsAnOverrideAdvertisementToAllNodesWithAValidChecksum() {
        byte[] mac = {0x02, 0x42, (byte) 0xac, 0x10, 0x00, 0x02};
        byte[] ip = IpAddresses.parse("fd00:16::2").getAddress();
        byte[] p = NeighborAdvertisement.packet(mac, ip);
        ByteBuffer b = ByteBuffer.wrap(p);
        assertThat(p).hasSize(40 + 32);
        assertThat(b.getInt(0) >>> 28).isEqualTo(6);                 // version
        assertThat(b.getShort(4)).isEqualTo((short) 32);              // payload length
        assertThat(p[6]).isEqualTo((byte) 58);                        // next header: ICMPv6
        assertThat(p[7] & 0xff).isEqualTo(255);                       // hop limit, required by receivers
        assertThat(java.util.Arrays.copyOfRange(p, 8, 24)).isEqualTo(ip);
        assertThat(java.util.Arrays.copyOfRange(p, 24, 40)).isEqualTo(IpAddresses.parse("ff02::1").getAddress());
        assertThat(p[40] & 0xff).isEqualTo(136);                      // neighbour advertisement
        assertThat(b.getInt(44)).isEqualTo(0x20000000);               // override, not solicited, not router
        assertThat(java.util.Arrays.copyOfRange(p, 48, 64)).isEqualTo(ip);
        assertThat(p[64]).isEqualTo((byte) 2);                        // target link-layer address option
        assertThat(p[65]).isEqualTo((byte) 1);
        assertThat(java.util.Arrays.copyOfRange(p, 66, 72)).isEqualTo(mac);
        // The checksum over pseudo-header + message (with the checksum in place) is 0 (one's complement 0xffff).
        byte[] msg = java.util.Arrays.copyOfRange(p, 40, 72);
        assertThat(NeighborAdvertisement.checksum(ip, java.util.Arrays.copyOfRange(p, 24, 40), msg)).isZero();
    }
}
