package io.netkit.core;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * A second process for {@link PublishRaceTest}: adopts a network and tries to publish host ports FIRST.. of one
 * endpoint while the test's process publishes the same host ports on another network. Arguments: HOST-NAMESPACE BRIDGE
 * ENDPOINT FIRST-PORT COUNT. Prints "ready", waits for a line on stdin, then prints "won PORT" or "refused PORT: MESSAGE"
 * for each port, then "done".
 */
public final class PublishRaceMain {
    private PublishRaceMain() {}

    public static void main(String[] args) throws Exception {
        try (Host host = Host.namespace(args[0])) {
            Network net = Network.open(host, args[1]);
            Endpoint ep = net.endpoint(args[2]).orElseThrow();
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            int first = Integer.parseInt(args[3]);
            for (int i = 0; i < Integer.parseInt(args[4]); i++) {
                try {
                    ep.publish(first + i, 80);
                    System.out.println("won " + (first + i));
                } catch (IllegalArgumentException e) {
                    System.out.println("refused " + (first + i) + ": " + e.getMessage());
                }
            }
            System.out.println("done");
        }
        System.out.flush();
        System.exit(0);
    }
}
