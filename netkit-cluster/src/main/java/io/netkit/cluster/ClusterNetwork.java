package io.netkit.cluster;

import io.etcd.jetcd.Client;
import io.netkit.core.Host;
import io.netkit.core.Overlay;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.Link;
import io.netkit.netlink.MacAddress;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Joins a host to a named VXLAN overlay cluster whose membership lives in etcd: flannel's design as a library.
 * The host leases a subnet of the cluster CIDR (an etcd lease kept alive, taken in a compare-and-swap transaction),
 * publishes its underlay address and VTEP MAC under the subnet's key, builds its part of the {@link Overlay}, and
 * programs every other host it finds (initial list, then a watch from that revision, so no change is missed).
 *
 * <pre>{@code
 * try (ClusterMember m = ClusterNetwork.vxlan("pods").cidr("10.244.0.0/16")
 *         .store("http://192.168.50.254:2379").on(host).underlay("192.168.50.1").join()) {
 *     m.subnet();                        // 10.244.37.0/24 (a random free /24), or this host's earlier one
 *     Endpoint web = m.attach("web");     // 10.244.37.2, reachable from the containers of every other host
 * }                                       // revokes the lease: the other hosts drop this one at once
 * }</pre>
 *
 * <p>Keys (etcd v3): {@code /netkit/clusters/NAME/config} ({@code cidr= len= vni= port=}, written by the first host,
 * checked by the others) and {@code /netkit/clusters/NAME/hosts/10.244.1.0-24} ({@code underlay=IP mac=MAC}, attached
 * to the host's lease). {@code etcdctl get --prefix /netkit/clusters/NAME/} shows them.
 */
public final class ClusterNetwork {
    private ClusterNetwork() {}

    /**
     * Starts describing membership in the cluster {@code name} (letters, digits, {@code . _ -}; 1..64 characters).
     *
     * @throws IllegalArgumentException quoting the name if it is not such a name
     */
    public static Builder vxlan(String name) {
        Objects.requireNonNull(name, "cluster name == null");
        if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("invalid cluster name \"" + name
                    + "\": expected 1..64 letters, digits, '.', '_' or '-'");
        }
        return new Builder(name);
    }

    /** The settings of one host's membership; {@link #cidr}, {@link #store} and {@link #underlay} are required. */
    public static final class Builder {
        final String name;
        IpPrefix cidr;
        int subnetLength = 24;
        List<URI> endpoints = new ArrayList<>();
        Host host = Host.current();
        InetAddress underlay;
        int vni = 1;
        int port = Overlay.DEFAULT_PORT;
        String device = "nkvx0";
        String bridge = "nkov0";
        Duration leaseTtl = Duration.ofSeconds(30);
        Duration joinTimeout = Duration.ofSeconds(60);
        Duration requestTimeout = Duration.ofSeconds(5);
        Duration resyncInterval = Duration.ofSeconds(10);

        private Builder(String name) {
            this.name = name;
        }

        /** The cluster CIDR, e.g. "10.244.0.0/16"; every host of the cluster must give the same. */
        public Builder cidr(String cidr) {
            Objects.requireNonNull(cidr, "cidr == null");
            IpPrefix p;
            try {
                p = IpPrefix.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid cluster CIDR \"" + cidr + "\": expected an IPv4 CIDR like "
                        + "10.244.0.0/16 (" + e.getMessage() + ")", e);
            }
            if (!p.isIpv4() || !p.network().equals(p)) {
                throw new IllegalArgumentException("invalid cluster CIDR \"" + cidr
                        + "\": expected an IPv4 CIDR with zero host bits, like 10.244.0.0/16");
            }
            this.cidr = p;
            return this;
        }

        /** The prefix length of each host's subnet (default 24, as flannel's SubnetLen); 8..28. */
        public Builder subnetLength(int length) {
            if (length < 8 || length > 28) {
                throw new IllegalArgumentException("subnet length " + length + " out of range: expected 8..28");
            }
            this.subnetLength = length;
            return this;
        }

        /** The etcd client URLs, e.g. "http://10.0.0.5:2379" (etcd's {@code --advertise-client-urls}). */
        public Builder store(String... endpoints) {
            Objects.requireNonNull(endpoints, "endpoints == null");
            List<URI> out = new ArrayList<>();
            for (String e : endpoints) {
                Objects.requireNonNull(e, "endpoint == null");
                URI u;
                try {
                    u = URI.create(e);
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("invalid etcd endpoint \"" + e + "\": expected a URL like "
                            + "http://10.0.0.5:2379", bad);
                }
                if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
                    throw new IllegalArgumentException("invalid etcd endpoint \"" + e + "\": expected http://HOST:PORT "
                            + "(TLS is not supported yet)");
                }
                out.add(u);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("no etcd endpoint given: call store(\"http://HOST:2379\")");
            }
            this.endpoints = out;
            return this;
        }

        /** The host (namespace) to join; {@link Host#current()} by default. */
        public Builder on(Host host) {
            this.host = Objects.requireNonNull(host, "host == null");
            return this;
        }

        /** This host's underlay address (a link of the host holds it); it also identifies the host in the store. */
        public Builder underlay(String address) {
            this.underlay = IpAddresses.parse(Objects.requireNonNull(address, "underlay == null"));
            return this;
        }

        /** The VXLAN network identifier (default 1). */
        public Builder vni(int vni) {
            this.vni = vni;
            return this;
        }

        /** The VXLAN UDP port (default 4789). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The VXLAN device's name on the host (default "nkvx0"). */
        public Builder device(String device) {
            this.device = Objects.requireNonNull(device, "device == null");
            return this;
        }

        /** The container bridge's name on the host (default "nkov0"). */
        public Builder bridge(String bridge) {
            this.bridge = Objects.requireNonNull(bridge, "bridge == null");
            return this;
        }

        /**
         * How long the host's subnet outlives its agent (default 30 s; at least 2 s, etcd's minimum): after a crash,
         * the other hosts drop this one when it runs out; a restart within it gets the same subnet back.
         */
        public Builder leaseTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl == null");
            if (ttl.toSeconds() < 2) {
                throw new IllegalArgumentException("lease TTL " + ttl + " too short: etcd grants at least 2 s");
            }
            this.leaseTtl = ttl;
            return this;
        }

        /** How long {@link #join()} keeps trying while the store is unreachable (default 60 s). */
        public Builder joinTimeout(Duration timeout) {
            this.joinTimeout = Objects.requireNonNull(timeout, "timeout == null");
            return this;
        }

        /** How often the member compares the whole store with the kernel, besides the watch (default 10 s). */
        public Builder resyncInterval(Duration interval) {
            this.resyncInterval = Objects.requireNonNull(interval, "interval == null");
            return this;
        }

        /**
         * Joins: records or checks the cluster's settings, leases a subnet (this host's earlier one while its lease
         * lives), builds or adopts the host's overlay with it, programs the other hosts and keeps watching.
         * While the store cannot be reached, it retries until the join timeout.
         *
         * @throws IllegalArgumentException for missing settings or an underlay address no link holds
         * @throws ClusterException when the store stays unreachable, disagrees on the settings, or has no free subnet
         */
        public ClusterMember join() {
            String op = "join cluster " + name + " from " + host;
            if (cidr == null) {
                throw new IllegalArgumentException(op + ": no cluster CIDR given; call cidr(\"10.244.0.0/16\")");
            }
            if (endpoints.isEmpty()) {
                throw new IllegalArgumentException(op + ": no store given; call store(\"http://HOST:2379\")");
            }
            if (underlay == null) {
                throw new IllegalArgumentException(op + ": no underlay address given; call underlay(\"192.168.50.1\")");
            }
            if (subnetLength < cidr.prefixLength()) {
                throw new IllegalArgumentException(op + ": subnet length /" + subnetLength + " is shorter than the cluster CIDR "
                        + cidr);
            }
            if (subnetLength - cidr.prefixLength() > 16) {
                throw new IllegalArgumentException(op + ": " + cidr + " split into /" + subnetLength
                        + " subnets makes more than 65536 of them; use a longer cluster prefix or a shorter subnet length");
            }
            requireUnderlay(op);
            MacAddress mac = existingMac().orElseGet(MacAddress::random);
            return ClusterMember.join(this, this::client, mac);
        }

        /**
         * A new etcd client. Members make a fresh one when the store stays unreachable: a new gRPC channel connects
         * at once, where the old one would wait out its reconnect backoff (up to two minutes).
         */
        Client client() {
            return Client.builder().endpoints(endpoints.toArray(URI[]::new))
                    .connectTimeout(requestTimeout).waitForReady(false).build();
        }

        private void requireUnderlay(String op) {
            boolean held = host.netns().netlink().addresses().list().stream()
                    .anyMatch(a -> a.prefix().address().equals(underlay));
            if (!held) {
                throw new IllegalArgumentException(op + ": no link on " + host + " holds the underlay address "
                        + IpAddresses.format(underlay) + " (give the address of the link that connects the hosts)");
            }
        }

        private Optional<MacAddress> existingMac() {
            Optional<Link> l = host.netns().netlink().links().find(device);
            return l.filter(x -> "vxlan".equals(x.kind())).map(Link::mac);
        }
    }
}
