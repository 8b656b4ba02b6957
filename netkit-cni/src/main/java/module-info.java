/**
 * netkit-cni: netkit as a CNI plugin of type {@code netkit} — {@link io.netkit.cni.CniPlugin} (the request handler),
 * {@link io.netkit.cni.CniDaemon} (the warm daemon on a root-only Unix socket) and {@link io.netkit.cni.Main}.
 * Only {@code io.netkit.cni} is exported.
 */
module io.netkit.cni {
    requires transitive io.netkit.core;
    requires com.google.gson;
    requires org.slf4j;

    exports io.netkit.cni;
}
