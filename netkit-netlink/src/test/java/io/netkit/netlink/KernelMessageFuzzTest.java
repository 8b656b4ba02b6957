package io.netkit.netlink;

import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETADDR;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETNEIGH;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETROUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Corrupts REAL kernel messages (a link/address/route/neighbour dump of a namespace holding a bridge, veths, a
 * vxlan, a macvlan, IPv4 and IPv6 addresses, neighbours and FDB entries, and a real extended-ack error) and feeds
 * them to every public decoder. Only {@link MalformedMessageException} may ever escape: no IndexOutOfBounds,
 * NegativeArraySize, IllegalArgument from InetAddress, no hang, no huge allocation.
 */
@Privileged
class KernelMessageFuzzTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private static final List<Function<NlMsgReader, ?>> DECODERS = List.of(Links::decode, Addresses::decode,
            Routes::decode, Neighbors::decode);

    @Test
    void corruptedKernelMessagesOnlyEverFailWithMalformedMessageException() throws Exception {
        List<byte[]> seeds = captureSeeds();
        assertThat(seeds.size()).isGreaterThan(20);
        // each input under the watchdog of io.netkit.testing.Fuzz: a hang fails with the input, never blocks the build
        long[] decoded = {0};
        io.netkit.testing.Fuzz.Result r = io.netkit.testing.Fuzz.run("live kernel messages", 60_000, 0x5eed,
                rnd -> mutate(seeds, rnd), b -> {
                    decoded[0] += decodeAll(b);
                }, e -> e instanceof MalformedMessageException);
        assertThat(decoded[0]).as("decoded").isPositive();
        assertThat(r.rejected()).as("malformed").isPositive();
    }

    @Test
    void accessorArgumentsThatOverflowAreRejectedNotMisread() {
        byte[] b = new byte[40];
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, 40).putShort(16, (short) 8).putShort(18, (short) 1);
        NlMsgReader m = new NlMsgReader(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()));
        assertThat(m.next()).isTrue();
        assertThatThrownBy(() -> m.s32(Integer.MAX_VALUE)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> m.u64(Integer.MAX_VALUE - 4)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> m.bytes(0, -1)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> m.bytes(4, Integer.MAX_VALUE)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> m.attributes(Integer.MAX_VALUE)).isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> m.attributes(Integer.MAX_VALUE - 2)).isInstanceOf(MalformedMessageException.class);
        NlAttrReader a = m.attributes(0);
        assertThat(a.next()).isTrue();
        assertThatThrownBy(() -> a.nested(Integer.MAX_VALUE, new NlAttrReader()))
                .isInstanceOf(MalformedMessageException.class);
        assertThatThrownBy(() -> a.nested(Integer.MAX_VALUE - 2, new NlAttrReader()))
                .isInstanceOf(MalformedMessageException.class);
    }

    private List<byte[]> captureSeeds() {
        NetNamespace host = namespaces.create("fz");
        NetNamespace c1 = namespaces.create("fzc");
        RtNetlink h = host.netlink();
        h.links().setUp("lo");
        h.links().create(LinkSpec.bridge("br0").up());
        h.links().create(LinkSpec.veth("v1", "eth0").peerNamespace(c1).master("br0").alias("a").up());
        h.links().create(LinkSpec.veth("u0", "u1").up());
        h.links().create(LinkSpec.vxlan("vx0", 7).local(IpAddresses.parse("10.9.0.1")).device("u0").master("br0"));
        h.links().create(LinkSpec.macvlan("mv0", "u1", LinkSpec.MacvlanMode.BRIDGE));
        h.addresses().add("br0", IpPrefix.parse("10.8.0.1/24"));
        h.addresses().add("br0", IpPrefix.parse("fd00:8::1/64"), AddressOptions.defaults().noDad());
        h.routes().add(RouteSpec.to(IpPrefix.parse("10.7.0.0/16")).via(IpAddresses.parse("10.8.0.2")).table(100));
        h.neighbors().add("br0", IpAddresses.parse("10.8.0.9"), MacAddress.parse("02:00:00:00:00:09"));
        h.neighbors().addFdb("vx0", MacAddress.parse("00:00:00:00:00:00"), IpAddresses.parse("10.9.0.2"));
        NetlinkSocket s = h.socket();
        List<byte[]> seeds = new ArrayList<>();
        Function<NlMsgReader, byte[]> copy = m -> {
            byte[] out = new byte[m.length()];
            m.buffer().get(m.offset(), out);
            return out;
        };
        seeds.addAll(s.dump("seed links", RTM_GETLINK, w -> w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0), copy));
        seeds.addAll(s.dump("seed addrs", RTM_GETADDR, w -> w.ifAddrMsg(AF_UNSPEC, 0, 0, 0, 0), copy));
        seeds.addAll(s.dump("seed routes", RTM_GETROUTE, w -> w.rtMsg(AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0), copy));
        seeds.addAll(s.dump("seed neigh", RTM_GETNEIGH, w -> w.ndMsg(AF_UNSPEC, 0, 0, 0, 0), copy));
        seeds.addAll(s.dump("seed fdb", RTM_GETNEIGH, w -> w.ndMsg(Neighbor.AF_BRIDGE, 0, 0, 0, 0), copy));
        return seeds;
    }

    private static byte[] mutate(List<byte[]> seeds, SplittableRandom rnd) {
        byte[] b = seeds.get(rnd.nextInt(seeds.size())).clone();
        switch (rnd.nextInt(6)) {
            case 0 -> {                                    // flip a few bytes after the header
                for (int k = rnd.nextInt(1, 6); k > 0; k--) {
                    b[16 + rnd.nextInt(b.length - 16)] ^= (byte) rnd.nextInt(1, 256);
                }
            }
            case 1 -> {                                    // a 16-bit field (nla_len/type) rewritten
                int p = 16 + (rnd.nextInt(b.length - 17) & ~1);
                int v = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(0, 0x10000);
                b[p] = (byte) v;
                b[p + 1] = (byte) (v >>> 8);
            }
            case 2 -> b = Arrays.copyOf(b, rnd.nextInt(16, b.length + 1));          // truncated
            case 3 -> {                                    // nlmsg_len lies (shorter or huge)
                int len = rnd.nextBoolean() ? rnd.nextInt(0, b.length + 64) : rnd.nextInt();
                ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, len);
            }
            case 4 -> {                                    // family byte / prefix length corrupted
                b[16] = (byte) rnd.nextInt(256);
                b[17] = (byte) rnd.nextInt(256);
            }
            default -> { }                                 // valid
        }
        // fix nlmsg_len to the (possibly truncated) size half the time, so decoders see the damage
        if (rnd.nextBoolean()) {
            ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, b.length);
        }
        return b;
    }

    /** Every public decoder over the input; only MalformedMessageException may escape. */
    private static long decodeAll(byte[] b) {
        ByteBuffer buf = ByteBuffer.allocateDirect(b.length).order(ByteOrder.nativeOrder());
        buf.put(b).flip();
        long decoded = 0;
        MalformedMessageException malformed = null;
        for (Function<NlMsgReader, ?> d : DECODERS) {
            try {
                NlMsgReader r = new NlMsgReader(buf);
                while (r.next()) {
                    d.apply(r);
                    decoded++;
                    walk(r);
                }
            } catch (MalformedMessageException e) {
                assertThat(e.offset()).isBetween(0, b.length);
                malformed = e;
            }
        }
        try {
            RtNetlink.decode(buf);
        } catch (MalformedMessageException e) {
            malformed = e;
        }
        if (malformed != null && decoded == 0) {
            throw malformed;
        }
        return decoded;
    }

    private static void walk(NlMsgReader r) {
        for (int hdr : new int[] {16, 8, 12}) {
            try {
                walkAttrs(r.attributes(hdr), 0);
            } catch (MalformedMessageException expected) {
                // fine
            }
        }
    }

    private static void walkAttrs(NlAttrReader a, int depth) {
        while (a.next()) {
            a.string();
            a.bytes();
            if (depth < 6) {
                try {
                    walkAttrs(a.nested(), depth + 1);
                } catch (MalformedMessageException expected) {
                    // fine
                }
            }
        }
    }
}
