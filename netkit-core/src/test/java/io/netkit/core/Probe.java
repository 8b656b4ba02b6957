package io.netkit.core;

import io.netkit.netlink.NetNamespace;
import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Real traffic and independent witnesses ({@code ip -j}, {@code iptables-save}) for the tests. */
final class Probe {
    private Probe() {}

    /** A TCP server socket created inside {@code ns}, bound to {@code address} on an ephemeral port. */
    static ServerSocket listen(NetNamespace ns, InetAddress address) {
        return ns.call(() -> {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(address, 0), 64);
            return s;
        });
    }

    /** Accepts one connection in the background; completes with the client's address as the server saw it. */
    static CompletableFuture<InetAddress> acceptOne(ServerSocket server) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                server.setSoTimeout(10_000);
                try (Socket s = server.accept()) {
                    return s.getInetAddress();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Connects from Java code running inside {@code ep}'s namespace; returns whether the TCP handshake completed. */
    static boolean connects(Endpoint ep, InetAddress to, int port, int timeoutMs) {
        return ep.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(to, port), timeoutMs);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Full round trip: server in {@code serverNs} on {@code address}, client in {@code client}; the client address the server saw. */
    static InetAddress roundTrip(Endpoint client, NetNamespace serverNs, InetAddress address) throws Exception {
        try (ServerSocket server = listen(serverNs, address)) {
            CompletableFuture<InetAddress> seen = acceptOne(server);
            if (!connects(client, address, server.getLocalPort(), 3000)) {
                seen.cancel(true);
                throw new AssertionError(client + " could not connect to " + address.getHostAddress());
            }
            return seen.get(5, TimeUnit.SECONDS);
        }
    }

    static boolean hasPing() {
        return Files.isExecutable(Path.of("/usr/bin/ping")) || Files.isExecutable(Path.of("/bin/ping"));
    }

    /** {@code ip -n NS -j ARGS...}, parsed. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ip(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "-n", ns, "-j", "-d"));
        argv.addAll(List.of(args));
        String out = Cmd.run(argv.toArray(String[]::new)).trim();
        if (out.isEmpty()) {
            return List.of();
        }
        return (List<Map<String, Object>>) IpJson.parse(out);
    }

    /** Names of the links in {@code ns}. */
    static List<String> linkNames(String ns) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> l : ip(ns, "link", "show")) {
            out.add((String) l.get("ifname"));
        }
        return out;
    }

    /**
     * Names of the links in {@code ns} but a veth pair's host end made ahead of time ({@link SpareVeths}: a veth named
     * {@code nkv} and 8 hex digits in no bridge, the default group, without alias), which waits there while its
     * network lives.
     */
    static List<String> linkNamesButWaiting(String ns) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> l : ip(ns, "link", "show")) {
            Object info = l.get("linkinfo");
            boolean veth = info instanceof Map<?, ?> m && "veth".equals(m.get("info_kind"));
            String name = (String) l.get("ifname");
            if (!(veth && name.matches("nkv[0-9a-f]{8}") && l.get("master") == null && "default".equals(String.valueOf(l.get("group"))) && l.get("ifalias") == null)) {
                out.add((String) l.get("ifname"));
            }
        }
        return out;
    }

    /** {@code ip netns exec NS iptables-save}. */
    static String iptablesSave(String ns) {
        return Cmd.run("ip", "netns", "exec", ns, "iptables-save").lines()
                .filter(l -> !l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
    }

    /**
     * netkit's firewall rules in {@code ns} whichever backend holds them: {@code iptables-save} (comment lines dropped)
     * followed by {@code nft list table inet netkit} when that table exists. A backend-neutral witness for checks such as
     * "the network's comment {@code netkit:BR@ID} is there / gone" or "nothing changed".
     */
    static String firewallRules(String ns) {
        Cmd.Result nft = Cmd.result("ip", "netns", "exec", ns, "nft", "list", "table", "inet", "netkit");
        return iptablesSave(ns) + "\n" + (nft.ok() ? nft.stdout() : "");
    }

    /** The sandbox's host pinned to the iptables backend, for tests about that backend's rules ({@code iptables-save}). */
    static Host ipt(Sandbox sb) {
        return sb.host().firewall(FirewallBackend.IPTABLES);
    }

    /** {@code ip netns exec NS cat /proc/sys/KEY} (KEY with slashes). */
    static String sysctl(String ns, String key) {
        return Cmd.run("ip", "netns", "exec", ns, "cat", "/proc/sys/" + key).trim();
    }

    /** Waits up to {@code millis} for {@code condition}. */
    static boolean eventually(long millis, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }

    /** Names and addresses of the root namespace's links, and its routes (not counters or states). */
    @SuppressWarnings("unchecked")
    static String rootState() {
        List<Map<String, Object>> l = (List<Map<String, Object>>) IpJson.parse(Cmd.run("ip", "-j", "link", "show"));
        List<Map<String, Object>> a = (List<Map<String, Object>>) IpJson.parse(Cmd.run("ip", "-j", "-4", "addr", "show"));
        String routes = Cmd.run("ip", "-j", "route", "show", "table", "all");
        return l.stream().map(m -> m.get("ifname") + "/" + m.get("master")).sorted().collect(java.util.stream.Collectors.toList())
                + "\n" + a.stream().map(m -> m.get("ifname") + " " + m.get("addr_info")).sorted().collect(java.util.stream.Collectors.toList())
                + "\n" + routes;
    }

    /** After a test class: the root namespace as before, no namespace of this run, no netkit rule in the root. */
    static void assertNothingLeft(String prefix, String rootBefore) {
        org.assertj.core.api.Assertions.assertThat(rootState()).as("root namespace links, addresses, routes").isEqualTo(rootBefore);
        org.assertj.core.api.Assertions.assertThat(io.netkit.netlink.NetNamespace.list()).as("namespaces left by this suite")
                .noneMatch(n -> n.startsWith(prefix + "-"));
        org.assertj.core.api.Assertions.assertThat(Cmd.run("iptables-save")).as("root iptables").doesNotContain("netkit:");
        org.assertj.core.api.Assertions.assertThat(Cmd.run("nft", "list", "tables")).as("root nftables")
                .doesNotContain("inet netkit");
    }
}
