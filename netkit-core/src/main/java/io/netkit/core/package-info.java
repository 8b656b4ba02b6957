/**
 * Container networks in-process: a bridge with a subnet and gateway ({@link io.netkit.core.Network}), namespaces
 * attached to it by veth pairs ({@link io.netkit.core.Endpoint}), IP forwarding and NAT, on the current namespace or
 * any namespace acting as the host ({@link io.netkit.core.Host}), and a disposable test playground
 * ({@link io.netkit.core.Sandbox}).
 *
 * <pre>{@code
 * try (Network net = Network.bridge("br0").subnet("172.16.0.0/24").masquerade().create()) {
 *     Endpoint c1 = net.attach("container1");      // netns + veth + 172.16.0.2 + default route
 *     c1.exec("ping", "-c1", "172.16.0.1");        // a process inside the container's namespace
 * }                                                // everything netkit made is gone again
 * }</pre>
 *
 * <p>Every type names its {@code ip}/{@code iptables} equivalent. Errors: bad arguments throw
 * {@link java.lang.IllegalArgumentException} quoting them; a missing privilege {@link java.lang.SecurityException};
 * a failed kernel step {@link io.netkit.core.NetkitException} naming the step, after undoing what the call did.
 */
package io.netkit.core;
