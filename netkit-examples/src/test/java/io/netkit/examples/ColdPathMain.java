package io.netkit.examples;

/**
 * Run by {@link FirstAttachTest} in a JVM of its own: {@link FirstAttach}'s program with a line {@code attached} on
 * stdout between the first attach and the close, so that the JVM's class-loading log (also on stdout) shows what
 * loaded before it.
 */
public final class ColdPathMain {
    private ColdPathMain() {}

    public static void main(String[] args) {
        String prefix = "nkcp-" + ProcessHandle.current().pid();
        try (io.netkit.netlink.NetNamespace host = io.netkit.netlink.NetNamespace.create(prefix + "-host");
             io.netkit.core.Network net = io.netkit.core.Network.bridge("br0").on(io.netkit.core.Host.of(host))
                     .subnet("172.31.0.0/24").create()) {
            net.attach(prefix + "-c1");
            System.out.println("attached");
        } finally {
            for (String ns : new String[] {prefix + "-c1", prefix + "-host"}) {
                if (io.netkit.netlink.NetNamespace.exists(ns)) io.netkit.netlink.NetNamespace.delete(ns);
            }
        }
    }
}
