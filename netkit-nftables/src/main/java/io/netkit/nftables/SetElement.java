package io.netkit.nftables;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * An element of a set (a key) or a map (a key and its value):
 * {@code nft add element inet netkit published '{ 8080 : 172.16.0.2 . 80 }'}.
 *
 * @param key the key's bytes (as long as the set's key type)
 * @param value the map value's bytes; empty in a set
 */
public record SetElement(Data key, Optional<Data> value) {
    /** Validates the arguments. */
    public SetElement {
        Objects.requireNonNull(key, "key == null");
        Objects.requireNonNull(value, "value == null (use Optional.empty() in a set)");
    }

    /** A set element. */
    public static SetElement of(Data key) {
        return new SetElement(key, Optional.empty());
    }

    /** A port, as a key of an {@link SetType#INET_SERVICE} set or map. */
    public static SetElement port(int port) {
        return of(portData(port));
    }

    /**
     * A published port: {@code PORT : ADDRESS . TARGETPORT} in a map of {@link SetType#INET_SERVICE} to
     * {@link SetType#IPV4_ADDR_SERVICE}.
     */
    public static SetElement portToIpv4(int port, InetAddress address, int targetPort) {
        byte[] a = Objects.requireNonNull(address, "address == null").getAddress();
        if (a.length != 4) {
            throw new IllegalArgumentException("address " + address.getHostAddress() + " is not IPv4");
        }
        Data target = portData(targetPort);
        byte[] v = {a[0], a[1], a[2], a[3], (byte) target.get(0), (byte) target.get(1), 0, 0};
        return new SetElement(portData(port), Optional.of(Data.of(v)));
    }

    private static Data portData(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1..65535");
        }
        return Data.of((byte) (port >>> 8), (byte) port);
    }
}
