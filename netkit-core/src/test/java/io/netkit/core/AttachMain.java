package io.netkit.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A second process for {@link EndpointLifecycleTest}: adopts a network and attaches namespaces concurrently with
 * the test's own process. Arguments: HOST-NAMESPACE BRIDGE COUNT NAME-PREFIX. Prints "ready", waits for a line on
 * stdin, then prints one "NAME ADDRESS" line per attach.
 */
public final class AttachMain {
    private AttachMain() {}

    public static void main(String[] args) throws Exception {
        try (Host host = Host.namespace(args[0])) {
            Network net = Network.open(host, args[1]);
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            int n = Integer.parseInt(args[2]);
            for (int i = 0; i < n; i++) {
                Endpoint e = net.attach(args[3] + i);
                System.out.println(e.name() + " " + e.address().getHostAddress());
            }
        }
        System.out.flush();
        System.exit(0);
    }
}
