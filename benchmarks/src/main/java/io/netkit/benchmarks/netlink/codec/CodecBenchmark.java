package io.netkit.benchmarks.netlink.codec;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_AF_SPEC;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_SLAVE_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_PROP_LIST;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_PROTINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_XDP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ACK;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_REQUEST;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;

import io.netkit.netlink.Link;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.Links;
import io.netkit.netlink.MacAddress;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.OperState;
import io.netkit.netlink.RawAttributes;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The rtnetlink codec on one thread, no privileges needed. Run with {@code -prof gc}: the report turns
 * {@code gc.alloc.rate.norm} into bytes allocated per operation.
 *
 * <ul>
 *   <li>{@code encodeVethCreate}: the {@code RTM_NEWLINK} that {@code Links.create(LinkSpec.veth("veth1a2b3c4d",
 *       "eth0").peerNamespace(ns).mtu(1500).group(7))} sends — written by netkit's own encoder
 *       ({@code Links.writeCreate}, package-private, reached through a method handle; see the README's gaps) into a
 *       reused {@link NlMsgWriter}. Must allocate nothing.</li>
 *   <li>{@code decodeLink}: {@link Links#decode} on one message of a real link dump (resource
 *       {@code veth-link-dump.hex}: a veth that is a bridge port, up, with an alias; 1896 bytes, captured on kernel
 *       6.18 with a raw {@code AF_NETLINK} socket and {@code RTM_GETLINK}/{@code NLM_F_DUMP}). Must allocate only the
 *       {@link Link} it returns.</li>
 *   <li>{@code constructLinkOnly}: the reference for that: constructing the same {@link Link} (fresh name and alias
 *       strings, a {@link MacAddress}, the raw unknown attributes) from already decoded fields.</li>
 *   <li>{@code walkAttributes}: visits every attribute of that message, descending into the nested ones
 *       ({@code IFLA_LINKINFO}, {@code IFLA_AF_SPEC} and their children, ...), with reused cursors. Must allocate
 *       nothing.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class CodecBenchmark {
    private static final MethodHandle WRITE_CREATE;

    static {
        try {
            WRITE_CREATE = MethodHandles.privateLookupIn(Links.class, MethodHandles.lookup()).findStatic(Links.class,
                    "writeCreate", MethodType.methodType(void.class, NlMsgWriter.class, LinkSpec.class, int.class,
                            int.class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    NlMsgWriter writer;
    LinkSpec veth;
    int seq;

    ByteBuffer message;
    int messageLength;
    NlMsgReader reader;
    NlAttrReader[] cursors;

    // decoded once, for constructLinkOnly
    Link decoded;
    byte[] nameBytes;
    byte[] aliasBytes;
    byte[] macBytes;
    byte[] unknownBytes;

    @Setup
    public void setUp() {
        writer = new NlMsgWriter();
        veth = LinkSpec.veth("veth1a2b3c4d", "eth0").peerNamespace(NetNamespace.current()).mtu(1500).group(7);
        byte[] bytes = load("veth-link-dump.hex");
        message = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
        message.put(bytes).clear();
        messageLength = bytes.length;
        reader = new NlMsgReader();
        cursors = new NlAttrReader[4];
        for (int i = 0; i < cursors.length; i++) {
            cursors[i] = new NlAttrReader();
        }
        decoded = decodeLink();
        nameBytes = decoded.name().getBytes(StandardCharsets.UTF_8);
        aliasBytes = decoded.alias().getBytes(StandardCharsets.UTF_8);
        macBytes = decoded.mac().bytes();
        unknownBytes = decoded.unknown().toByteArray();
        if (!constructLinkOnly().equals(decoded)) {
            throw new IllegalStateException("reference Link differs from the decoded one: " + decoded);
        }
        if (walkAttributes() < 40) {
            throw new IllegalStateException("walked too few attributes");
        }
    }

    static byte[] load(String resource) {
        try (InputStream in = CodecBenchmark.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.startsWith("#")) {
                    hex.append(line.strip());
                }
            }
            byte[] out = new byte[hex.length() / 2];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** netkit's veth-create request, header included, into a reused writer; returns its length. */
    @Benchmark
    public int encodeVethCreate() throws Throwable {
        NlMsgWriter w = writer.reset();
        w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ++seq, 0);
        WRITE_CREATE.invokeExact(w, veth, 0, 0, 0);
        w.endMessage();
        return w.length();
    }

    /** {@code Links.decode} of one dumped link message. */
    @Benchmark
    public Link decodeLink() {
        NlMsgReader r = reader.reset(message, 0, messageLength);
        r.next();
        return Links.decode(r);
    }

    /** Reference: the same Link built from decoded fields (its strings, MacAddress and raw attributes fresh). */
    @Benchmark
    public Link constructLinkOnly() {
        Link d = decoded;
        return new Link(d.index(), new String(nameBytes, StandardCharsets.UTF_8), d.kind(), d.flags(), d.mtu(),
                MacAddress.of(macBytes), d.masterIndex(), new String(aliasBytes, StandardCharsets.UTF_8), d.group(),
                d.linkNetnsId(), d.linkIndex(), OperState.UP, d.txQueueLen(), d.type(),
                RawAttributes.of(unknownBytes));
    }

    /** Visits every attribute (nested ones included); returns a checksum of types and lengths. */
    @Benchmark
    public int walkAttributes() {
        NlMsgReader r = reader.reset(message, 0, messageLength);
        r.next();
        return walk(r.attributes(IFINFOMSG_LEN, cursors[0]), 0, 0);
    }

    private int walk(NlAttrReader a, int depth, int parentType) {
        int sum = 0;
        while (a.next()) {
            int type = a.type();
            sum += type + a.payloadLength();
            if (depth + 1 < cursors.length && isNested(a, depth, parentType, type)) {
                sum += walk(a.nested(cursors[depth + 1]), depth + 1, type);
            }
        }
        return sum;
    }

    /** Nested per the flag, or per rtnetlink's layout (the kernel does not flag most of these). */
    private static boolean isNested(NlAttrReader a, int depth, int parentType, int type) {
        if (a.nestedFlag()) {
            return true;
        }
        if (depth == 0) {
            return type == IFLA_LINKINFO || type == IFLA_AF_SPEC || type == IFLA_PROTINFO || type == IFLA_XDP
                    || type == IFLA_PROP_LIST;
        }
        if (depth == 1 && parentType == IFLA_LINKINFO) {
            return type == IFLA_INFO_DATA || type == IFLA_INFO_SLAVE_DATA;
        }
        return depth == 1 && parentType == IFLA_AF_SPEC; // AF_INET, AF_INET6, AF_BRIDGE, ... blocks
    }
}
