package io.netkit.cluster;

import io.etcd.jetcd.Client;
import io.netkit.netlink.IpAddresses;
import io.netkit.netlink.IpPrefix;
import io.netkit.netlink.MacAddress;
import java.time.Duration;

/**
 * Runs in the lab namespace (where etcd listens): another host leases SUBNET of cluster CLUSTER (CIDR, /24 subnets)
 * for the underlay address UNDERLAY, prints {@code TAKEN SUBNET} (or {@code ERROR MESSAGE}), holds it until its input
 * ends, then revokes the lease. args: STORE CLUSTER CIDR SUBNET UNDERLAY
 */
public final class TakeSubnetMain {
    private TakeSubnetMain() {}

    public static void main(String[] args) throws Exception {
        try (Client c = Client.builder().endpoints(args[0]).build()) {
            SubnetLeases leases = new SubnetLeases(c, args[1], IpPrefix.parse(args[2]), 24, Duration.ofSeconds(10));
            SubnetLeases.Leased l = leases.acquire(IpAddresses.parse(args[4]), MacAddress.random(), 30, IpPrefix.parse(args[3]));
            System.out.println("TAKEN " + l.subnet());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the subnet until the test closes our input
            }
            c.getLeaseClient().revoke(l.leaseId()).get();
        } catch (RuntimeException e) {
            System.out.println("ERROR " + e.getMessage());
        }
        System.out.flush();
        System.exit(0);
    }
}
