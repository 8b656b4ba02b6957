package io.netkit.benchmarks.core;

import java.util.List;

/**
 * The walkthrough's steps as {@code ip} commands (the yardstick for netkit-core): what {@code Network.create()},
 * {@code attach} and {@code close()} do, typed by hand, with the bench host namespace as the "host".
 */
final class IpSteps {
    static final String BRIDGE = "nkbbr0";
    static final String GATEWAY = "172.16.0.1";
    static final String SUBNET_BITS = "/24";

    private IpSteps() {}

    /** {@code ip link add br type bridge; ip addr add GW/24 brd + dev br; ip link set br up}. */
    static List<String> createBridge(String host) {
        return List.of(
                "ip -n " + host + " link add " + BRIDGE + " type bridge",
                "ip -n " + host + " addr add " + GATEWAY + SUBNET_BITS + " brd + dev " + BRIDGE,
                "ip -n " + host + " link set " + BRIDGE + " up");
    }

    /**
     * Attach: a named namespace, the veth created with eth0 already inside it, host side on the bridge and up,
     * the address, eth0 and lo up, default route via the gateway (7 {@code ip} processes).
     */
    static List<String> attach(String host, String container, String hostVeth, int hostByte) {
        return List.of(
                "ip netns add " + container,
                "ip -n " + host + " link add " + hostVeth + " type veth peer name eth0 netns " + container,
                "ip -n " + host + " link set " + hostVeth + " master " + BRIDGE + " up",
                "ip -n " + container + " addr add 172.16.0." + hostByte + SUBNET_BITS + " brd + dev eth0",
                "ip -n " + container + " link set eth0 up",
                "ip -n " + container + " link set lo up",
                "ip -n " + container + " route add default via " + GATEWAY);
    }

    /** Detach: deleting the namespace takes the veth pair with it (its eth0 end lives there). */
    static List<String> detach(String container) {
        return List.of("ip netns del " + container);
    }

    static List<String> deleteBridge(String host) {
        return List.of("ip -n " + host + " link del " + BRIDGE);
    }
}
