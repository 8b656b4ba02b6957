package io.netkit.core;

/**
 * Whether an endpoint is configured as its record says, read from the kernel inside its namespace
 * ({@code ip -n NS link show eth0; ip -n NS addr show dev eth0; ip -n NS route show default}). A process killed in
 * the middle of an attach can leave an endpoint half-configured (eth0 without its address, say);
 * {@link Network#open(Host, String)} undoes such attaches, and {@link Network#repair()} repairs what is found later.
 *
 * @param namespace whether the endpoint's namespace still exists (and is the same one, by inode)
 * @param link      whether the interface ({@code eth0}) exists in it
 * @param up        whether it is up
 * @param address   whether it carries the recorded address with the subnet's prefix length
 * @param route     whether the namespace has its default route via the network's gateway on that interface
 */
public record EndpointHealth(boolean namespace, boolean link, boolean up, boolean address, boolean route) {
    /** Whether everything is as recorded. */
    public boolean isHealthy() {
        return namespace && link && up && address && route;
    }

    @Override
    public String toString() {
        return isHealthy() ? "healthy" : "unhealthy:" + (namespace ? "" : " no namespace") + (link ? "" : " no interface")
                + (up ? "" : " down") + (address ? "" : " no address") + (route ? "" : " no default route");
    }
}
