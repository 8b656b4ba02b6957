package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netkit.netlink.codec.ConntrackConstants;
import io.netkit.netlink.codec.MalformedMessageException;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.testing.Cmd;
import io.netkit.testing.Privileged;
import io.netkit.testing.TestNamespaces;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ctnetlink against the real kernel, with the {@code conntrack} tool (conntrack-tools) as the independent
 * witness: a UDP flow through a DNAT and a ping create entries, {@link Conntrack#list} shows what
 * {@code conntrack -L} shows, {@link Conntrack#delete} removes exactly what {@code conntrack -D} with the same
 * options would, and corrupted real messages only ever fail with {@link MalformedMessageException}.
 */
@Privileged
class ConntrackKernelTest {
    @RegisterExtension
    final TestNamespaces namespaces = new TestNamespaces();

    private NetNamespace a;
    private NetNamespace b;
    private String aName;

    /** a (10.78.0.1) -- veth -- b (10.78.0.2, UDP echo on :53); a DNATs 10.78.0.9:5353 to 10.78.0.2:53. */
    private void topology() throws Exception {
        a = namespaces.create("cta");
        b = namespaces.create("ctb");
        aName = a.name().orElseThrow();
        a.netlink().links().setUp("lo");
        a.netlink().links().create(LinkSpec.veth("a0", "b0").up().peerNamespace(b).peerUp());
        a.netlink().addresses().add("a0", IpPrefix.parse("10.78.0.1/24"));
        b.netlink().addresses().add("b0", IpPrefix.parse("10.78.0.2/24"));
        Cmd.run("ip", "netns", "exec", aName, "iptables", "-t", "nat", "-A", "OUTPUT", "-d", "10.78.0.9/32", "-p", "udp",
                "--dport", "5353", "-j", "DNAT", "--to-destination", "10.78.0.2:53");
    }

    /** Sends one datagram from a (source port {@code sport}) to {@code dst:dport} and waits for b's echo. */
    private void udp(int sport, String dst, int dport, DatagramSocket echo) throws Exception {
        Thread responder = new Thread(() -> {
            try {
                DatagramPacket p = new DatagramPacket(new byte[64], 64);
                echo.receive(p);
                echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (Exception ignored) {
                // the assertion on the reply below reports it
            }
        });
        responder.start();
        String got = a.call(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("10.78.0.1", sport))) {
                s.setSoTimeout(5000);
                byte[] m = "ping".getBytes(StandardCharsets.US_ASCII);
                s.send(new DatagramPacket(m, m.length, new InetSocketAddress(dst, dport)));
                DatagramPacket r = new DatagramPacket(new byte[64], 64);
                s.receive(r);
                return r.getAddress().getHostAddress() + ":" + r.getPort() + " " + new String(r.getData(), 0, r.getLength(),
                        StandardCharsets.US_ASCII);
            }
        });
        responder.join(5000);
        assertThat(got).isEqualTo(dst + ":" + dport + " ping");
    }

    private String witness(String... options) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", aName, "conntrack", "-L"));
        argv.addAll(List.of(options));
        Cmd.Result r = Cmd.result(argv.toArray(String[]::new));
        return r.stdout();
    }

    @Test
    void listShowsWhatConntrackListsAndDeleteRemovesExactlyTheSelectedFlows() throws Exception {
        topology();
        DatagramSocket echo = b.call(() -> new DatagramSocket(new InetSocketAddress("10.78.0.2", 53)));
        try (echo; Conntrack ct = Conntrack.open(a)) {
            udp(40001, "10.78.0.9", 5353, echo);        // through the DNAT
            udp(40002, "10.78.0.2", 53, echo);          // plain
            Cmd.run("ip", "netns", "exec", aName, "ping", "-c1", "-W2", "10.78.0.2");
            Cmd.run("ip", "netns", "exec", aName, "conntrack", "-I", "-s", "fd00::1", "-d", "fd00::2", "-p", "udp",
                    "--sport", "1", "--dport", "2", "-t", "120", "-w", "5");

            List<ConntrackEntry> all = ct.list();
            String tool = witness();   // conntrack -L lists both families
            assertThat(all).hasSize((int) tool.lines().filter(l -> l.contains("src=")).count());
            ConntrackEntry dnat = ct.list(ConntrackFilter.all().protocol(ConntrackTuple.UDP).originalDestinationPort(5353))
                    .get(0);
            assertThat(dnat.family()).isEqualTo(2);
            assertThat(dnat.original()).isEqualTo(new ConntrackTuple(17, ip("10.78.0.1"), ip("10.78.0.9"), 40001, 5353, 0, 0, 0));
            assertThat(dnat.reply()).isEqualTo(new ConntrackTuple(17, ip("10.78.0.2"), ip("10.78.0.1"), 53, 40001, 0, 0, 0));
            assertThat(dnat.status() & ConntrackEntry.STATUS_DST_NAT).isNotZero();
            assertThat(dnat.status() & ConntrackEntry.STATUS_SEEN_REPLY).isNotZero();
            assertThat(dnat.timeoutSeconds()).isBetween(1L, 180L);
            assertThat(tool).contains(dnat.original().toString()).contains(dnat.reply().toString());
            ConntrackEntry v6 = ct.list(ConntrackFilter.all().originalSource(ip("fd00::1"))).get(0);
            assertThat(v6.zone()).isEqualTo(5);
            assertThat(v6.family()).isEqualTo(10);
            ConntrackEntry icmp = ct.list(ConntrackFilter.all().protocol(ConntrackTuple.ICMP)).get(0);
            assertThat(icmp.original().isIcmp()).isTrue();
            assertThat(icmp.original().icmpType()).isEqualTo(8);

            // conntrack -D -p udp --orig-port-dst 5353: the DNATed flow only
            assertThat(ct.delete(ConntrackFilter.all().protocol(ConntrackTuple.UDP).originalDestinationPort(5353))).isEqualTo(1);
            assertThat(witness("-p", "udp")).doesNotContain("dport=5353").contains("dport=53 ");
            // conntrack -D -r 10.78.0.2 (reply source: the plain UDP flow and the ping), not the IPv6 entry
            assertThat(ct.delete(ConntrackFilter.all().replySource(ip("10.78.0.2")))).isEqualTo(2);
            assertThat(witness()).doesNotContain("10.78.0.");
            assertThat(witness("-f", "ipv6")).contains("zone=5");
            // an entry deleted meanwhile is reported as not deleted, not as an error
            assertThat(ct.delete(dnat)).isFalse();
            // IPv6 and a zone: delete by any address
            assertThat(ct.delete(ConntrackFilter.all().involving(ip("fd00::2")))).isEqualTo(1);
            assertThat(ct.list()).isEmpty();
            assertThat(witness("-f", "ipv6")).doesNotContain("src=");

            // the next DNATed datagram after the flush makes a fresh entry
            udp(40001, "10.78.0.9", 5353, echo);
            assertThat(ct.list(ConntrackFilter.all().originalDestination(ip("10.78.0.9")))).hasSize(1);
        }
    }

    @Test
    void countIsTheNamespacesOwnNumberOfEntriesAsConntrackCountsThem() throws Exception {
        a = namespaces.create("ctc");
        aName = a.name().orElseThrow();
        try (Conntrack ct = Conntrack.open(a)) {
            assertThat(ct.count()).isZero();
            assertThat(ct.delete(ConntrackFilter.all())).isZero(); // an empty table: no dump, nothing deleted
            for (int port = 1; port <= 3; port++) {
                Cmd.run("ip", "netns", "exec", aName, "conntrack", "-I", "-s", "10.79.0.1", "-d", "10.79.0.2", "-p", "udp",
                        "--sport", String.valueOf(port), "--dport", "53", "-t", "120");
            }
            assertThat(ct.count()).isEqualTo(3)
                    .isEqualTo(Long.parseLong(Cmd.run("ip", "netns", "exec", aName, "conntrack", "-C").trim()));
            assertThat(ct.delete(ConntrackFilter.all().involving(ip("10.79.0.2")))).isEqualTo(3);
            assertThat(ct.count()).isZero();
        }
    }

    @Test
    void corruptedConntrackMessagesOnlyEverFailWithMalformedMessageException() throws Exception {
        topology();
        List<byte[]> seeds;
        try (Conntrack ct = Conntrack.open(a)) {
            Cmd.run("ip", "netns", "exec", aName, "conntrack", "-I", "-s", "10.1.1.1", "-d", "10.1.1.2", "-p", "tcp",
                    "--sport", "1", "--dport", "2", "--state", "ESTABLISHED", "-t", "120");
            Cmd.run("ip", "netns", "exec", aName, "conntrack", "-I", "-s", "fd00::1", "-d", "fd00::2", "-p", "udp",
                    "--sport", "1", "--dport", "2", "-t", "120", "-w", "5");
            Cmd.run("ip", "netns", "exec", aName, "ping", "-c1", "-W2", "10.78.0.2");
            Function<NlMsgReader, byte[]> copy = m -> {
                byte[] out = new byte[m.length()];
                m.buffer().get(m.offset(), out);
                return out;
            };
            seeds = ct.socket().dump("seed", ConntrackConstants.ctnetlinkType(ConntrackConstants.IPCTNL_MSG_CT_GET),
                    w -> w.u8(0).u8(0).u16(0), copy);
            assertThat(ct.list()).extracting(e -> e.tcpState()).contains(3, -1);
        }
        assertThat(seeds).hasSize(3);
        SplittableRandom rnd = new SplittableRandom(7);
        int decoded = 0, malformed = 0;
        for (int round = 0; round < 30_000; round++) {
            byte[] m = seeds.get(rnd.nextInt(seeds.size())).clone();
            switch (rnd.nextInt(4)) {
                case 0 -> { for (int k = rnd.nextInt(1, 5); k > 0; k--) m[16 + rnd.nextInt(m.length - 16)] ^= (byte) rnd.nextInt(1, 256); }
                case 1 -> m = Arrays.copyOf(m, rnd.nextInt(16, m.length + 1));
                case 2 -> {
                    int p = 20 + (rnd.nextInt(m.length - 21) & ~1);
                    int v = rnd.nextInt(0, 0x10000);
                    m[p] = (byte) v;
                    m[p + 1] = (byte) (v >>> 8);
                }
                default -> { }
            }
            ByteBuffer.wrap(m).order(ByteOrder.nativeOrder()).putInt(0, m.length);
            ByteBuffer buf = ByteBuffer.allocateDirect(m.length).order(ByteOrder.nativeOrder());
            buf.put(m).flip();
            try {
                NlMsgReader r = new NlMsgReader(buf);
                while (r.next()) {
                    Conntrack.decode(r);
                    decoded++;
                }
            } catch (MalformedMessageException e) {
                malformed++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("unexpected " + e + " for " + Arrays.toString(m), e);
            }
        }
        assertThat(decoded).isPositive();
        assertThat(malformed).isPositive();
    }

    @Test
    void filtersValidateTheirArguments() {
        assertThatThrownBy(() -> ConntrackFilter.all().protocol(256)).hasMessageContaining("256");
        assertThatThrownBy(() -> ConntrackFilter.all().originalDestinationPort(70000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> ConntrackFilter.all().replySource(null)).hasMessageContaining("reply source == null");
        assertThat(ConntrackFilter.all().protocol(17).originalDestinationPort(5353).toString())
                .isEqualTo("-p 17 --orig-port-dst 5353");
    }

    private static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }
}
