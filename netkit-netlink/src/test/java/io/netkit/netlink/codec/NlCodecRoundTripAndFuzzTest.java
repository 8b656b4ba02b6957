package io.netkit.netlink.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Round trips of random attribute trees, the fast cursor checked against a slow reference decoder on
 * random input, and a fuzz loop over truncated and corrupted messages.
 */
class NlCodecRoundTripAndFuzzTest {

    /** A random attribute tree. */
    sealed interface Node permits Leaf, Nest {}

    record Leaf(int type, byte[] payload) implements Node {
        @Override public boolean equals(Object o) {
            return o instanceof Leaf l && l.type == type && Arrays.equals(l.payload, payload);
        }
        @Override public int hashCode() {
            return Objects.hash(type, Arrays.hashCode(payload));
        }
        @Override public String toString() {
            return type + ":" + payload.length;
        }
    }

    record Nest(int type, List<Node> kids) implements Node {}

    private static List<Node> randomTree(SplittableRandom rnd, int depth) {
        List<Node> out = new ArrayList<>();
        int n = rnd.nextInt(0, 6);
        for (int i = 0; i < n; i++) {
            int type = rnd.nextInt(0, 0x4000);   // below the flag bits
            if (depth < 4 && rnd.nextInt(4) == 0) {
                out.add(new Nest(type, randomTree(rnd, depth + 1)));
            } else {
                byte[] p = new byte[rnd.nextInt(0, 40)];
                rnd.nextBytes(p);
                out.add(new Leaf(type, p));
            }
        }
        return out;
    }

    private static void write(NlMsgWriter w, List<Node> nodes) {
        for (Node n : nodes) {
            if (n instanceof Leaf l) {
                w.attrBytes(l.type(), l.payload());
            } else {
                Nest nest = (Nest) n;
                w.beginNested(nest.type(), true);
                write(w, nest.kids());
                w.endNested();
            }
        }
    }

    private static List<Node> read(NlAttrReader a) {
        List<Node> out = new ArrayList<>();
        while (a.next()) {
            if (a.nestedFlag()) {
                out.add(new Nest(a.type(), read(a.nested())));
            } else {
                out.add(new Leaf(a.type(), a.bytes()));
            }
        }
        return out;
    }

    @Test
    void randomTreesRoundTrip() {
        SplittableRandom rnd = new SplittableRandom(42);
        NlMsgWriter w = new NlMsgWriter(64);
        for (int i = 0; i < 2000; i++) {
            w.reset();
            List<List<Node>> msgs = new ArrayList<>();
            int count = rnd.nextInt(1, 4);
            for (int m = 0; m < count; m++) {
                List<Node> tree = randomTree(rnd, 0);
                msgs.add(tree);
                w.beginMessage(0x10 + m, 0x5, i, 0);
                w.ifInfoMsg(0, 0, m, 0, 0);
                write(w, tree);
                w.endMessage();
            }
            NlMsgReader r = new NlMsgReader(w.buffer());
            for (int m = 0; m < count; m++) {
                assertThat(r.next()).isTrue();
                assertThat(r.type()).isEqualTo(0x10 + m);
                assertThat(r.seq()).isEqualTo(i);
                assertThat(r.s32(4)).isEqualTo(m);
                assertThat(read(r.attributes(RtnetlinkConstants.IFINFOMSG_LEN))).isEqualTo(msgs.get(m));
            }
            assertThat(r.next()).isFalse();
        }
    }

    /** Slow, obviously-correct reference: returns "type/len" entries or "ERR@offset". */
    private static List<String> reference(byte[] b, int start, int end) {
        List<String> out = new ArrayList<>();
        int p = start;
        while (p < end) {
            if (end - p < 4) {
                out.add("ERR@" + p);
                return out;
            }
            int len = (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
            int type = ((b[p + 2] & 0xFF) | (b[p + 3] & 0xFF) << 8) & 0x3FFF;
            if (len < 4 || len > end - p) {
                out.add("ERR@" + p);
                return out;
            }
            out.add(type + "/" + (len - 4));
            p += (len + 3) / 4 * 4;
        }
        return out;
    }

    private static List<String> fast(ByteBuffer buf, int start, int end) {
        List<String> out = new ArrayList<>();
        NlAttrReader a = new NlAttrReader(buf, start, end);
        try {
            while (a.next()) {
                out.add(a.type() + "/" + a.payloadLength());
            }
        } catch (MalformedMessageException e) {
            out.add("ERR@" + e.offset());
        }
        return out;
    }

    @Test
    void fastCursorAgreesWithSlowReferenceOnRandomInput() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[rnd.nextInt(0, 64)];
            rnd.nextBytes(b);
            // Bias lengths towards plausible values so both valid and invalid paths are exercised.
            for (int p = 0; p + 1 < b.length; p += 4 * rnd.nextInt(1, 4)) {
                if (rnd.nextBoolean()) {
                    b[p] = (byte) rnd.nextInt(0, 24);
                    b[p + 1] = 0;
                }
            }
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            int start = b.length == 0 ? 0 : rnd.nextInt(0, Math.min(4, b.length));
            assertThat(fast(buf, start, b.length)).as("input %s", Arrays.toString(b)).isEqualTo(reference(b, start, b.length));
        }
    }

    /** Walks everything the way a careless decoder would; only MalformedMessageException may escape. */
    private static long walk(NlMsgReader r) {
        long sum = 0;
        while (r.next()) {
            sum += r.type() + r.flags() + r.seq() + r.portId() + r.payloadLength();
            try {
                sum += r.errorCode();
                String ext = r.extAckMessage();
                sum += ext == null ? 0 : ext.length();
            } catch (MalformedMessageException expected) {
                sum++;
            }
            for (int hdr : new int[] {0, 1, 8, 12, 16}) {
                try {
                    sum += walkAttrs(r.attributes(hdr), 0);
                } catch (MalformedMessageException expected) {
                    sum++;
                }
            }
        }
        return sum;
    }

    private static long walkAttrs(NlAttrReader a, int depth) {
        long sum = 0;
        while (a.next()) {
            sum += a.type() + a.rawType() + a.payloadLength() + a.offset();
            sum += a.string().length() + a.bytes().length;
            try {
                sum += a.u8() + a.u16() + a.be16() + a.u32() + a.be32() + a.u64();
            } catch (MalformedMessageException expected) {
                sum++;
            }
            if (depth < 8) {
                try {
                    sum += walkAttrs(a.nested(), depth + 1);
                    sum += walkAttrs(a.nested(16, new NlAttrReader()), depth + 1);
                } catch (MalformedMessageException expected) {
                    sum++;
                }
            }
        }
        return sum;
    }

    @Test
    void fuzzTruncatedAndCorruptedMessages() {
        // each input under the watchdog of io.netkit.testing.Fuzz: a hang fails with the input instead of blocking
        io.netkit.testing.Fuzz.Result r = io.netkit.testing.Fuzz.run("codec walk", 50_000, 20261126, rnd -> {
            NlMsgWriter w = new NlMsgWriter();
            int count = rnd.nextInt(1, 4);
            for (int m = 0; m < count; m++) {
                w.beginMessage(rnd.nextInt(1, 40), rnd.nextInt(0, 0x1000), rnd.nextInt(), 0);
                w.ifInfoMsg(0, 0, 0, 0, 0);
                write(w, randomTree(rnd, 0));
                w.endMessage();
            }
            byte[] bytes = w.toByteArray();
            int mode = rnd.nextInt(6);
            if (mode == 0) {                       // truncate
                bytes = Arrays.copyOf(bytes, rnd.nextInt(0, bytes.length + 1));
            } else if (mode == 1) {                // flip random bytes
                for (int k = rnd.nextInt(1, 8); k > 0; k--) {
                    bytes[rnd.nextInt(bytes.length)] ^= (byte) rnd.nextInt(1, 256);
                }
            } else if (mode == 2) {                // overwrite a 16-bit length-like field
                int p = rnd.nextInt(bytes.length - 1) & ~1;
                int v = rnd.nextInt(8) == 0 ? 0xFFFF : rnd.nextInt(0, 0x10000);
                bytes[p] = (byte) v;
                bytes[p + 1] = (byte) (v >>> 8);
            } else if (mode == 3) {                // pure garbage
                bytes = new byte[rnd.nextInt(0, 200)];
                rnd.nextBytes(bytes);
            } else if (mode == 4 && bytes.length >= 4) {   // nlmsg_len 0x7FFFFFFF / 0xFFFFFFFF / 0xFFFF
                int[] lies = {0x7FFFFFFF, 0xFFFFFFFF, 0xFFFF, 0x10000};
                ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putInt(0, lies[rnd.nextInt(lies.length)]);
            }                                      // mode 5: valid
            return bytes;
        }, bytes -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
            buf.put(bytes).flip();
            try {
                walk(new NlMsgReader(buf));
            } catch (MalformedMessageException e) {
                assertThat(e.offset()).isBetween(0, bytes.length);
                throw e;
            }
        }, e -> e instanceof MalformedMessageException);
        assertThat(r.rejected()).isPositive();
    }
}
