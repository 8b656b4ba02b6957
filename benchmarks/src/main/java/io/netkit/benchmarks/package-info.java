/** JMH benchmarks of netkit, each beside an iproute2 / iptables yardstick measured in the same run. */
package io.netkit.benchmarks;
