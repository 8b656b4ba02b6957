/**
 * Firewall rules as typed values, applied atomically through {@code iptables-restore}.
 *
 * <p>The walkthrough's {@code iptables -t nat -A POSTROUTING -s 172.16.0.0/24 -j MASQUERADE}, owned,
 * idempotent and removable:
 * <pre>{@code
 * Iptables ipt = Iptables.create(CommandRunner.local());      // or CommandRunner.starting(ns::start)
 * Owner owner = Owner.of("mynet");
 * OwnedRules rules = ContainerNetworkRules.builder(owner, "br0", "172.16.0.0/24")
 *         .masquerade().forwardAccept().build();
 * ipt.apply(rules);      // iptables-save, then ONE iptables-restore --noflush --wait
 * ipt.diff(rules);       // Diff[missing=[], unexpected=[]]
 * ipt.remove(owner);     // hooks deleted, NETKIT-*-11c844f9 chains flushed and deleted
 * }</pre>
 *
 * <ul>
 *   <li>{@link io.netkit.iptables.Rule} / {@link io.netkit.iptables.Target}: one rule, built with validation
 *       or parsed from {@code iptables-save}; renders in iptables-save's canonical form.</li>
 *   <li>{@link io.netkit.iptables.Ruleset}: a parsed {@code iptables-save} dump.</li>
 *   <li>{@link io.netkit.iptables.Owner} / {@link io.netkit.iptables.OwnedRules}: the complete desired state of
 *       one owner (its {@code NETKIT-TAG-HASH} chains and the hooks leading into them).</li>
 *   <li>{@link io.netkit.iptables.Iptables}: read, apply, diff, remove through a
 *       {@link io.netkit.iptables.CommandRunner}, which decides the network namespace.</li>
 *   <li>{@link io.netkit.iptables.ContainerNetworkRules}: Docker-like layouts for a bridge network.</li>
 * </ul>
 */
package io.netkit.iptables;
