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
 *
 * <h2>Crashes and tampering</h2>
 * Every operation marks its intent before its first kernel change (the lock file's dirty mark, an attach's intent
 * file), so a process killed at any moment leaves nothing a later {@link io.netkit.core.Network#open(Host, String)} cannot finish or undo;
 * {@link io.netkit.core.Host#leftovers()} collects what networks that no longer exist left. Records read back from the kernel are
 * untrusted: they are validated as strictly as {@link io.netkit.core.Network.Builder#create()} and {@link io.netkit.core.Network#attach(EndpointSpec)} check their
 * arguments, and a bad record is logged and ignored, never obeyed.
 *
 * <p>Instances are thread-safe; attach and detach may run concurrently from many threads, and from several
 * processes: the lock files live in {@code /run/netkit} (system property {@code netkit.lockDirectory} to move them;
 * every process working on one network must use the same directory), and each is removed with its network.
 *
 * <p>Namespaces that {@link io.netkit.core.Network#attach(String)} creates are bind mounts in {@code /run/netns}, as with
 * {@code ip netns add}: a process running in a private mount namespace (for example started by
 * {@code ip netns exec}) creates mounts that vanish with it. Run the JVM in the machine's mount namespace and choose
 * the host with {@link io.netkit.core.Network.Builder#on(Host)} / {@link io.netkit.core.Host#namespace(String)} instead.
 */
package io.netkit.core;
