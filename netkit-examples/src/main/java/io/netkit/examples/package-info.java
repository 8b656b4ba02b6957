/**
 * The container-networking walkthrough as runnable programs, each in a sandbox of network namespaces of its own.
 *
 * <ul>
 *   <li>{@link io.netkit.examples.VethExample}: two namespaces joined by a veth pair (netkit-netlink on its own);</li>
 *   <li>{@link io.netkit.examples.BridgeExample}: three containers on a bridge ({@code Network}, {@code Endpoint});</li>
 *   <li>{@link io.netkit.examples.NatExample}: the same with {@code masquerade()}, reaching an "internet" namespace.</li>
 * </ul>
 *
 * {@link io.netkit.examples.Main} is the command line ({@code java -jar netkit-examples.jar [veth|bridge|nat]});
 * {@link io.netkit.examples.Main#runExample} runs one example and returns a {@link io.netkit.examples.DemoResult}
 * listing what it verified, which is what the tests assert on. {@link io.netkit.examples.Preflight} answers
 * whether the demo can run here, through probes that tests replace.
 */
package io.netkit.examples;
