package io.netkit.core;

import io.netkit.core.internal.Privileges;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.NetNamespace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A netkit program for {@link NoIptablesTest}, run where no iptables binary can be found. Arguments: HOST-NAMESPACE
 * INTERNET-NAMESPACE INTERNET-ADDRESS UPLINK-ADDRESS C1 C2. Prints what it finds on PATH ("iptables-on-path N", and
 * "found FILE" for each), the chosen backend, then what servers saw: "bridged A", "masquerade A", "publish A",
 * "hairpin A" (or "failed WHAT"), then "ready"; waits for a line on stdin, closes the network and prints "closed".
 */
public final class NoIptablesMain {
    private NoIptablesMain() {}

    public static void main(String[] args) throws Exception {
        // The child's PATH resolution: every directory of PATH and the ones netkit also searches (/usr/sbin, /sbin,
        // /usr/bin, /bin): no executable iptables*, ip6tables*, xtables* anywhere.
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        List<Path> found = new ArrayList<>();
        for (String d : dirs) {
            if (d.isEmpty() || !Files.isDirectory(Path.of(d))) {
                continue;
            }
            try (Stream<Path> files = Files.list(Path.of(d))) {
                files.filter(p -> p.getFileName().toString().matches("(ip6?tables|xtables|iptables).*"))
                        .filter(Files::isExecutable).forEach(found::add);
            }
        }
        System.out.println("path " + System.getenv("PATH"));
        System.out.println("iptables-on-path " + found.size());
        found.forEach(p -> System.out.println("found " + p));
        System.out.println("iptables-restore " + Privileges.findProgram("iptables-restore"));

        InetAddress internet = IpAddresses.parse(args[2]);
        InetAddress uplink = IpAddresses.parse(args[3]);
        try (Host host = Host.namespace(args[0]);
             NetNamespace inet = NetNamespace.open(args[1]);
             Network net = Network.bridge("br0").on(host).subnet("172.16.0.0/24").masquerade().create()) {
            System.out.println("backend " + net.firewall());
            Endpoint c1 = net.attach(args[4]);
            Endpoint c2 = net.attach(args[5]);
            try (ServerSocket server = PublishTest.listen(c1, 80)) {
                report("bridged", ForeignForwardTest.reach(c2.namespace(), server, c1.address(), 80));
                try (ServerSocket out = Probe.listen(inet, internet)) {
                    report("masquerade", ForeignForwardTest.reach(c1.namespace(), out, internet, out.getLocalPort()));
                }
                c1.publish(8080, 80);
                report("publish", ForeignForwardTest.reach(inet, server, uplink, 8080));
                report("hairpin", ForeignForwardTest.reach(c2.namespace(), server, uplink, 8080));
            }
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        System.out.println("closed");
        System.out.flush();
        System.exit(0);
    }

    private static void report(String what, InetAddress seen) {
        System.out.println(seen == null ? "failed " + what : what + " " + seen.getHostAddress());
        System.out.flush();
    }
}
