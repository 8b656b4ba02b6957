package io.netkit.cluster;

import io.etcd.jetcd.Client;
import io.netkit.core.Host;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

/**
 * Runs in the lab namespace (where etcd listens): ROUNDS races of two hosts, each with its own etcd client, leasing a
 * subnet of a fresh cluster at the same moment ({@code RACE i SUBNET_A SUBNET_B}); then a cluster whose CIDR holds
 * one subnet, already leased, joined through the public API ({@code FULL MESSAGE}, {@code FULLCLEAN true|false}).
 * args: STORE ROUNDS UNDERLAY
 */
public final class LeaseRaceMain {
    private LeaseRaceMain() {}

    public static void main(String[] args) throws Exception {
        String store = args[0];
        int rounds = Integer.parseInt(args[1]);
        IpPrefix cidr = IpPrefix.parse("10.98.0.0/16");
        try (Client a = Client.builder().endpoints(store).build(); Client b = Client.builder().endpoints(store).build()) {
            for (int i = 0; i < rounds; i++) {
                String cluster = "race" + i;
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<SubnetLeases.Leased> fa = CompletableFuture.supplyAsync(() -> race(a, cluster, cidr, "10.0.0.1", start));
                CompletableFuture<SubnetLeases.Leased> fb = CompletableFuture.supplyAsync(() -> race(b, cluster, cidr, "10.0.0.2", start));
                SubnetLeases.Leased la = fa.get();
                SubnetLeases.Leased lb = fb.get();
                System.out.println("RACE " + i + " " + la.subnet() + " " + lb.subnet());
                a.getLeaseClient().revoke(la.leaseId()).get();
                b.getLeaseClient().revoke(lb.leaseId()).get();
            }
            SubnetLeases full = new SubnetLeases(a, "full", IpPrefix.parse("10.97.0.0/24"), 24, Duration.ofSeconds(5));
            SubnetLeases.Leased taken = full.acquire(IpAddresses.parse("10.0.0.9"), MacAddress.random(), 30, null);
            System.out.println("TAKEN " + taken.subnet());
            try {
                ClusterNetwork.vxlan("full").cidr("10.97.0.0/24").subnetLength(24).store(store).underlay(args[2])
                        .joinTimeout(Duration.ofSeconds(10)).join().close();
                System.out.println("FULL joined anyway");
            } catch (ClusterException e) {
                System.out.println("FULL " + e.getMessage());
            }
            System.out.println("FULLCLEAN " + Host.current().netns().netlink().links().find("nkvx0").isEmpty());
            a.getLeaseClient().revoke(taken.leaseId()).get();
        }
        System.out.flush();
        System.exit(0);
    }

    private static SubnetLeases.Leased race(Client c, String cluster, IpPrefix cidr, String underlay, CyclicBarrier start) {
        try {
            SubnetLeases l = new SubnetLeases(c, cluster, cidr, 24, Duration.ofSeconds(10));
            start.await();
            return l.acquire(IpAddresses.parse(underlay), MacAddress.random(), 30, null);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
