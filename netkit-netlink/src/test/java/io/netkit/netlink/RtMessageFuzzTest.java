package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.RtnetlinkConstants;
import io.netkit.testing.Fuzz;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link RtNetlink#decode(ByteBuffer)} (and with it every rtnetlink decoder) with mutations of real kernel
 * messages: link, address, route, neighbour and FDB dumps and the notifications of all four, captured once from a
 * test namespace into {@code src/test/resources/io/netkit/netlink/fuzz/} ({@link FuzzSeedCapture}), so this test
 * needs no privilege. Mutations: bit flips; 16- and 32-bit fields set to 0, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF and their
 * neighbours; truncation; lying {@code nlmsg_len}; family, prefix length and message type swapped (so a link body
 * is decoded as a route); messages grown past 64 KiB; whole dump buffers and spliced messages; deep nesting. Each
 * input runs under a watchdog ({@link Fuzz}): a hang fails with the input. Only {@link MalformedMessageException}
 * may come out.
 */
class RtMessageFuzzTest {
    /** Inputs per run; {@code -Dnetkit.fuzz.inputs=N} changes it. */
    private static final long INPUTS = Long.getLong("netkit.fuzz.inputs", 1_000_000L);
    private static final long SEED = Long.getLong("netkit.fuzz.seed", 0x5eed_10L);
    private static final String[] FILES = {"links.bin", "addresses.bin", "routes.bin", "neighbors.bin", "fdb.bin",
        "bridge-links.bin", "events.bin"};
    private static final int[] RTM_TYPES = {RtnetlinkConstants.RTM_NEWLINK, RtnetlinkConstants.RTM_DELLINK,
        RtnetlinkConstants.RTM_NEWADDR, RtnetlinkConstants.RTM_DELADDR, RtnetlinkConstants.RTM_NEWROUTE,
        RtnetlinkConstants.RTM_DELROUTE, RtnetlinkConstants.RTM_NEWNEIGH, RtnetlinkConstants.RTM_DELNEIGH};
    private static final int[] U16 = {0, 1, 2, 3, 4, 5, 8, 0x7FFF, 0x8000, 0xFFFB, 0xFFFC, 0xFFFF};
    private static final int[] U32 = {0, 1, 4, 16, 0xFFFF, 0x10000, 0x10010, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0,
        0xFFFFFFFF};
    private static final int[] FAMILIES = {0, 2, 7, 10, 17, 129, 255};
    private static final int[] PREFIX_LENGTHS = {0, 1, 31, 32, 33, 64, 127, 128, 129, 255};

    private static final Map<String, byte[]> FILE_BYTES = new java.util.LinkedHashMap<>();
    private static final List<byte[]> MESSAGES = new ArrayList<>();

    @BeforeAll
    static void loadSeeds() {
        for (String f : FILES) {
            byte[] b = resource(f);
            FILE_BYTES.put(f, b);
            NlMsgReader r = new NlMsgReader(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()));
            while (r.next()) {
                byte[] m = new byte[r.length()];
                r.buffer().get(r.offset(), m);
                MESSAGES.add(m);
            }
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = RtMessageFuzzTest.class.getResourceAsStream("fuzz/" + name)) {
            assertThat(in).as("seed resource fuzz/" + name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<RtMessage> decode(byte[] b) {
        return RtNetlink.decode(ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()));
    }

    @Test
    void everySeedDecodesIntoItsTypedValueWithItsAttributesRead() {
        assertThat(decode(FILE_BYTES.get("links.bin"))).allSatisfy(m -> assertThat(m).isInstanceOf(RtMessage.NewLink.class))
                .extracting(m -> ((RtMessage.NewLink) m).link().kind())
                .contains("bridge", "veth", "vxlan", "macvlan", "ifb", "tun");
        assertThat(decode(FILE_BYTES.get("addresses.bin")))
                .allSatisfy(m -> assertThat(m).isInstanceOf(RtMessage.NewAddress.class))
                .extracting(m -> ((RtMessage.NewAddress) m).address().prefix().toString())
                .contains("10.9.0.1/24", "fd00:8::1/64");
        assertThat(decode(FILE_BYTES.get("routes.bin")))
                .allSatisfy(m -> assertThat(m).isInstanceOf(RtMessage.NewRoute.class))
                .extracting(m -> ((RtMessage.NewRoute) m).route())
                .anySatisfy(r -> assertThat(r.table()).isEqualTo(100))
                .anySatisfy(r -> assertThat(r.family()).isEqualTo(10))
                .anySatisfy(r -> assertThat(r.type()).isEqualTo(Route.TYPE_UNREACHABLE));
        assertThat(decode(FILE_BYTES.get("neighbors.bin"))).allSatisfy(m -> assertThat(m).isInstanceOf(RtMessage.NewNeighbor.class))
                .extracting(m -> ((RtMessage.NewNeighbor) m).neighbor().family()).contains(2, 10);
        assertThat(decode(FILE_BYTES.get("fdb.bin"))).allSatisfy(m -> assertThat(m).isInstanceOfSatisfying(
                RtMessage.NewNeighbor.class, n -> assertThat(n.neighbor().isFdb()).isTrue()));
        assertThat(decode(FILE_BYTES.get("bridge-links.bin")))   // AF_BRIDGE port info: not links, kept raw
                .allSatisfy(m -> assertThat(m).isInstanceOf(RtMessage.Other.class));
        List<RtMessage> events = decode(FILE_BYTES.get("events.bin"));
        assertThat(FILE_BYTES.get("events.bin").length).as("a dump buffer past 64 KiB").isGreaterThan(65536);
        assertThat(events).hasAtLeastOneElementOfType(RtMessage.NewLink.class)
                .hasAtLeastOneElementOfType(RtMessage.DelLink.class)
                .hasAtLeastOneElementOfType(RtMessage.NewAddress.class)
                .hasAtLeastOneElementOfType(RtMessage.DelAddress.class)
                .hasAtLeastOneElementOfType(RtMessage.NewRoute.class)
                .hasAtLeastOneElementOfType(RtMessage.DelRoute.class)
                .hasAtLeastOneElementOfType(RtMessage.NewNeighbor.class)
                .hasAtLeastOneElementOfType(RtMessage.DelNeighbor.class)
                .hasAtLeastOneElementOfType(RtMessage.Other.class);
        assertThat(events).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(RtMessage.NewRoute.class,
                r -> assertThat(r.replaced()).isTrue()));
        assertThat(events).anySatisfy(m -> assertThat(m).isInstanceOfSatisfying(RtMessage.DelLink.class,
                l -> assertThat(l.link().name()).isEqualTo("mv1")));
    }

    @Test
    void aMillionMutatedKernelMessagesOnlyEverFailWithMalformedMessageException() {
        AtomicLongArray kinds = new AtomicLongArray(10);
        Fuzz.Result r = Fuzz.run("rtnetlink decode", INPUTS, SEED, RtMessageFuzzTest::mutate, in -> {
            ByteBuffer buf = wrap(in);
            for (RtMessage m : RtNetlink.decode(buf)) {
                kinds.incrementAndGet(kind(m));
                if ((in.length & 15) == 0) {
                    m.toString();   // record toString formats addresses, names, raw attributes
                }
            }
        }, e -> e instanceof MalformedMessageException mme && mme.offset() >= 0);
        System.out.printf("rtnetlink fuzz: %d inputs (%d malformed) in %.1f s; decoded %s%n", r.inputs(), r.rejected(),
                r.nanos() / 1e9, kinds);
        assertThat(r.inputs()).isEqualTo(INPUTS);
        assertThat(r.rejected()).as("malformed inputs").isPositive();
        for (int k = 0; k < 9; k++) {
            assertThat(kinds.get(k)).as("decoded messages of variant " + k + " (the decoders walked them)")
                    .isGreaterThan(INPUTS / 1000);
        }
    }

    private static int kind(RtMessage m) {
        if (m instanceof RtMessage.NewLink) {
            return 0;
        } else if (m instanceof RtMessage.DelLink) {
            return 1;
        } else if (m instanceof RtMessage.NewAddress) {
            return 2;
        } else if (m instanceof RtMessage.DelAddress) {
            return 3;
        } else if (m instanceof RtMessage.NewRoute) {
            return 4;
        } else if (m instanceof RtMessage.DelRoute) {
            return 5;
        } else if (m instanceof RtMessage.NewNeighbor) {
            return 6;
        } else if (m instanceof RtMessage.DelNeighbor) {
            return 7;
        }
        return 8;
    }

    /** Heap or direct, at position 0 or behind some bytes: the decoder must honour position and limit. */
    private static ByteBuffer wrap(byte[] in) {
        int mode = in.length % 3;
        if (mode == 0) {
            return ByteBuffer.wrap(in).order(ByteOrder.nativeOrder());
        }
        int pad = mode == 1 ? 0 : 4;
        ByteBuffer b = ByteBuffer.allocateDirect(in.length + pad + 3).order(ByteOrder.nativeOrder());
        b.position(pad);
        b.put(in);
        b.flip().position(pad);
        return b;
    }

    // ---- mutations

    static byte[] mutate(SplittableRandom rnd) {
        int pick = rnd.nextInt(128);
        byte[] b;
        if (pick == 0 && rnd.nextInt(8) == 0) {
            b = FILE_BYTES.get(FILES[rnd.nextInt(FILES.length)]).clone();   // a whole dump buffer (events: > 64 KiB)
        } else if (pick < 8) {
            b = splice(rnd);
        } else {
            b = MESSAGES.get(rnd.nextInt(MESSAGES.size())).clone();
        }
        int rounds = rnd.nextInt(8) == 0 ? rnd.nextInt(2, 5) : 1;
        for (int i = 0; i < rounds; i++) {
            b = mutateOnce(rnd, b, pick < 8);
        }
        return b;
    }

    private static byte[] splice(SplittableRandom rnd) {
        int n = rnd.nextInt(2, 6);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            out.writeBytes(MESSAGES.get(rnd.nextInt(MESSAGES.size())));
        }
        return out.toByteArray();
    }

    private static byte[] mutateOnce(SplittableRandom rnd, byte[] b, boolean several) {
        if (b.length < 20) {
            return b;
        }
        ByteBuffer v = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        switch (rnd.nextInt(12)) {
            case 0 -> {
                for (int k = rnd.nextInt(1, 9); k > 0; k--) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> v.putShort(16 + (rnd.nextInt(b.length - 17) & ~1), (short) pick(rnd, U16));   // nla_len/nla_type
            case 2 -> v.putInt((rnd.nextInt(b.length - 3)) & ~3, pick(rnd, U32));                    // any 32-bit field
            case 3 -> b = Arrays.copyOf(b, rnd.nextInt(0, b.length));                                // truncated
            case 4 -> v.putInt(0, rnd.nextBoolean() ? pick(rnd, U32) : rnd.nextInt(0, b.length + 64)); // nlmsg_len lies
            case 5 -> b[16] = (byte) pick(rnd, FAMILIES);                                            // family
            case 6 -> b[17] = (byte) pick(rnd, PREFIX_LENGTHS);                                      // prefix length
            case 7 -> v.putShort(4, (short) (rnd.nextInt(8) == 0 ? rnd.nextInt(0x10000) : pick(rnd, RTM_TYPES)));
            case 8 -> b = rnd.nextInt(8) == 0 ? grow(rnd, b) : b;                                    // past 64 KiB
            case 9 -> b = nest(rnd, b);                                                              // deep nesting
            case 10 -> {                                                                             // an attribute copied over another
                int from = 16 + (rnd.nextInt(b.length - 16) & ~3);
                int to = 16 + (rnd.nextInt(b.length - 16) & ~3);
                int len = Math.min(rnd.nextInt(4, 64), Math.min(b.length - from, b.length - to));
                System.arraycopy(b.clone(), from, b, to, len);
            }
            default -> { }                                                                           // unchanged
        }
        if (!several && b.length >= 4 && rnd.nextBoolean()) {
            ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, b.length);   // the damage is inside the message
        }
        return b;
    }

    private static int pick(SplittableRandom rnd, int[] values) {
        return rnd.nextInt(6) == 0 ? rnd.nextInt() : values[rnd.nextInt(values.length)] + rnd.nextInt(-1, 2);
    }

    /** Repeats the message's attributes (or adds one of 0xFFFF bytes) until it is past 64 KiB; nlmsg_len follows. */
    private static byte[] grow(SplittableRandom rnd, byte[] b) {
        int body = Math.min(b.length, 16 + 16 + 12);
        int target = 65536 + rnd.nextInt(-8, 4096);
        ByteBuffer out = ByteBuffer.allocate(b.length + target + 0x10000 + 8).order(ByteOrder.nativeOrder());
        out.put(b);
        if (rnd.nextBoolean() && b.length > body + 4) {
            while (out.position() < target) {
                int n = Math.min(b.length - body, out.remaining());
                out.put(b, body, n);
            }
        } else {
            int len = rnd.nextBoolean() ? 0xFFFF : 0xFFFC;
            out.putShort((short) len).putShort((short) rnd.nextInt(0x10000));
            out.position(out.position() + len - 4);
            while (out.position() % 4 != 0) {
                out.put((byte) 0);
            }
        }
        byte[] r = Arrays.copyOf(out.array(), out.position());
        ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).putInt(0, rnd.nextInt(4) == 0 ? pick(rnd, U32) : r.length);
        return r;
    }

    /** Appends an attribute nested 1 to 64 levels deep, with NLA_F_NESTED set or not. */
    private static byte[] nest(SplittableRandom rnd, byte[] b) {
        int depth = rnd.nextInt(1, 65);
        int start = (b.length + 3) & ~3;
        ByteBuffer out = ByteBuffer.allocate(start + depth * 4 + 8).order(ByteOrder.nativeOrder());
        out.put(b).position(start);
        int total = depth * 4 + 8;
        for (int d = 0; d < depth; d++) {
            out.putShort((short) (total - d * 4)).putShort((short) ((rnd.nextInt(1, 60)) | (rnd.nextBoolean() ? 0x8000 : 0)));
        }
        out.putShort((short) 8).putShort((short) 3).putInt(rnd.nextInt());
        byte[] r = out.array();
        ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).putInt(0, r.length);
        return r;
    }
}
