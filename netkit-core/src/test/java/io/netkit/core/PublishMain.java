package io.netkit.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A second process for {@link PublishTest}: adopts a network and publishes ports of one endpoint concurrently with
 * the test's own process. Arguments: HOST-NAMESPACE BRIDGE ENDPOINT FIRST-PORT COUNT. Prints "ready", waits for a
 * line on stdin, publishes FIRST-PORT.. (host port = container port) and prints "done".
 */
public final class PublishMain {
    private PublishMain() {}

    public static void main(String[] args) throws Exception {
        try (Host host = Host.namespace(args[0])) {
            Network net = Network.open(host, args[1]);
            Endpoint ep = net.endpoint(args[2]).orElseThrow();
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            int first = Integer.parseInt(args[3]);
            for (int i = 0; i < Integer.parseInt(args[4]); i++) {
                ep.publish(first + i, first + i);
            }
            System.out.println("done");
        }
        System.out.flush();
        System.exit(0);
    }
}
