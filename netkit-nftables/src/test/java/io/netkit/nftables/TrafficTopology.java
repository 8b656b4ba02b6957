package io.netkit.nftables;

import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.LinkSpec;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.RouteSpec;
import io.netkit.testing.TestNamespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A container behind a bridge in a "host" namespace and an "internet" namespace on the host's uplink, built with
 * netkit-netlink only; servers and clients are Java sockets opened inside the namespaces (no process).
 *
 * <pre>
 *  container 172.16.0.2 --eth0/v1-- br0 172.16.0.1 [host] uplink0 203.0.113.2 --eth0-- 203.0.113.1 internet
 * </pre>
 */
final class TrafficTopology {
    static final InetAddress CONTAINER = IpAddresses.parse("172.16.0.2");
    static final InetAddress UPLINK = IpAddresses.parse("203.0.113.2");
    static final InetAddress INTERNET = IpAddresses.parse("203.0.113.1");

    static final InetAddress CONTAINER6 = IpAddresses.parse("fd00:16::2");
    static final InetAddress UPLINK6 = IpAddresses.parse("2001:db8::2");
    static final InetAddress INTERNET6 = IpAddresses.parse("2001:db8::1");

    final NetNamespace host;
    final NetNamespace inet;
    final NetNamespace c1;

    TrafficTopology(TestNamespaces namespaces) {
        host = namespaces.create("host");
        inet = namespaces.create("inet");
        c1 = namespaces.create("c1");
        host.netlink().links().setUp("lo");
        host.netlink().links().create(LinkSpec.bridge("br0").up());
        host.netlink().addresses().add("br0", IpPrefix.parse("172.16.0.1/24"));
        host.netlink().links().create(LinkSpec.veth("v1", "eth0").peerNamespace(c1).master("br0").up().peerUp());
        c1.netlink().links().setUp("lo");
        c1.netlink().addresses().add("eth0", IpPrefix.parse("172.16.0.2/24"));
        c1.netlink().routes().add(RouteSpec.defaultVia(IpAddresses.parse("172.16.0.1")));
        host.netlink().links().create(LinkSpec.veth("uplink0", "eth0").peerNamespace(inet).up().peerUp());
        host.netlink().addresses().add("uplink0", IpPrefix.parse("203.0.113.2/24"));
        inet.netlink().links().setUp("lo");
        inet.netlink().addresses().add("eth0", IpPrefix.parse("203.0.113.1/24"));
        // The internet can route to the container subnet (so only the firewall stops unpublished ports).
        inet.netlink().routes().add(RouteSpec.to(IpPrefix.parse("172.16.0.0/24")).via(UPLINK));
        host.sysctl().set("net.ipv4.ip_forward", "1");
    }

    /** Adds the IPv6 side: fd00:16::/64 behind br0, 2001:db8::/64 on the uplink, forwarding on in the host. */
    TrafficTopology withIpv6() {
        io.netkit.netlink.AddressOptions nodad = io.netkit.netlink.AddressOptions.defaults().noDad();
        host.netlink().addresses().add("br0", IpPrefix.parse("fd00:16::1/64"), nodad);
        c1.netlink().addresses().add("eth0", IpPrefix.parse("fd00:16::2/64"), nodad);
        c1.netlink().routes().add(RouteSpec.defaultVia(IpAddresses.parse("fd00:16::1")));
        host.netlink().addresses().add("uplink0", IpPrefix.parse("2001:db8::2/64"), nodad);
        inet.netlink().addresses().add("eth0", IpPrefix.parse("2001:db8::1/64"), nodad);
        inet.netlink().routes().add(RouteSpec.to(IpPrefix.parse("fd00:16::/64")).via(UPLINK6));
        host.sysctl().set("net.ipv6.conf.all.forwarding", "1");
        return this;
    }

    static ServerSocket listen(InetAddress address, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, port));
        s.setSoTimeout(10_000);
        return s;
    }

    /** Starts a server in {@code serverNs}, connects from {@code clientNs}; returns the client address the server saw. */
    static InetAddress peerSeenByServer(NetNamespace serverNs, InetAddress listenOn, int port,
                                        NetNamespace clientNs, InetAddress connectTo, int connectPort) throws Exception {
        try (ServerSocket server = serverNs.call(() -> listen(listenOn, port))) {
            CompletableFuture<InetAddress> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = in.readNBytes(5);
                    OutputStream out = s.getOutputStream();
                    out.write(buf);
                    out.flush();
                    return s.getInetAddress();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String echoed = clientNs.call(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(connectTo, connectPort), 5000);
                    s.setSoTimeout(5000);
                    s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII);
                }
            });
            if (!"hello".equals(echoed)) {
                throw new AssertionError("echo was \"" + echoed + "\"");
            }
            return seen.get(10, TimeUnit.SECONDS);
        }
    }

    /** Whether a TCP connection from {@code clientNs} to {@code address:port} is refused by silence (a drop). */
    static boolean connectTimesOut(NetNamespace clientNs, InetAddress address, int port) {
        return clientNs.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), 700);
                return false;
            } catch (java.net.SocketTimeoutException e) {
                return true;
            }
        });
    }
}
