package io.netkit.core.internal;

import io.netkit.netlink.Conntrack;
import io.netkit.netlink.ConntrackEntry;
import io.netkit.netlink.ConntrackFilter;
import io.netkit.netlink.ConntrackTuple;
import io.netkit.netlink.NetNamespace;
import java.net.InetAddress;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts live flows whose NAT decision no longer holds, in the host namespace's conntrack table over ctnetlink: after
 * a port is unpublished, an endpoint detached or an address handed out again, a flow's conntrack entry would keep
 * its old DNAT (UDP above all: a client that keeps sending never starts a new connection), and could reach the next
 * holder of the address. Deleting the entries makes the next packet meet the current rules. CNI's portmap plugin
 * and kube-proxy do the same with {@code conntrack -D}. Not for use outside netkit.
 */
public final class Flows {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Flows.class);
    }

    private Flows() {}

    /**
     * Deletes every entry in which {@code address} appears (original or reply, source or destination): the flows of
     * an endpoint that is gone, or of the previous holder of an address. Returns how many were deleted; a failure is
     * logged, never thrown (the rules are already right; only old flows survive). Equivalent to
     * {@code conntrack -D -s ADDR; conntrack -D -d ADDR; conntrack -D -r ADDR; conntrack -D -q ADDR} in the host.
     */
    public static int forget(NetNamespace host, InetAddress address, String op) {
        return delete(host, ConntrackFilter.all().involving(address), op);
    }

    /**
     * Deletes the entries of the published port {@code protocol hostPort -> container}: flows that were translated
     * to the container for that host port. Equivalent to
     * {@code conntrack -D -p PROTO --orig-port-dst HOSTPORT -r CONTAINER} in the host.
     */
    public static int cut(NetNamespace host, boolean tcp, int hostPort, InetAddress container, String op) {
        return delete(host, ConntrackFilter.all().protocol(tcp ? ConntrackTuple.TCP : ConntrackTuple.UDP)
                .originalDestinationPort(hostPort).replySource(container), op);
    }

    /**
     * Deletes, in one dump, every entry naming an address {@code stale} accepts (in either tuple, as source or
     * destination). Returns whether the sweep completed (then no such entry is left, but for ones born meanwhile); a
     * failure is logged, never thrown. Equivalent to {@code conntrack -D -s/-d/-r/-q ADDR} for each such address.
     */
    public static boolean sweep(NetNamespace host, Predicate<InetAddress> stale, String op) {
        try (Conntrack ct = Conntrack.shared(host)) {
            if (ct.count() == 0) {
                return true;
            }
            int n = 0;
            for (ConntrackEntry e : ct.list()) {
                ConntrackTuple o = e.original();
                ConntrackTuple r = e.reply();
                if ((stale.test(o.source()) || stale.test(o.destination()) || stale.test(r.source())
                        || stale.test(r.destination())) && ct.delete(e)) {
                    n++;
                }
            }
            if (n > 0) {
                Log.LOG.debug("{}: deleted {} conntrack entr{} of addresses no endpoint holds", op, n,
                        n == 1 ? "y" : "ies");
            }
            return true;
        } catch (RuntimeException e) {
            Log.LOG.warn("{}: could not delete the conntrack entries of the network's free addresses in the host "
                    + "namespace,"
                    + " so flows of their previous holders may keep their translation until they time out: {}", op, e.toString());
            return false;
        }
    }

    private static int delete(NetNamespace host, ConntrackFilter filter, String op) {
        try (Conntrack ct = Conntrack.shared(host)) {
            if (ct.count() == 0) {
                return 0;   // nothing to delete: spare the dump (it walks the whole host-wide hash)
            }
            int n = ct.delete(filter);
            if (n > 0) {
                Log.LOG.debug("{}: deleted {} conntrack entr{} ({})", op, n, n == 1 ? "y" : "ies", filter);
            }
            return n;
        } catch (RuntimeException e) {
            Log.LOG.warn("{}: could not delete the conntrack entries ({}) in the host namespace, so flows started "
                    + "before"
                    + " may keep their old translation until they time out: {}", op, filter, e.toString());
            return 0;
        }
    }
}
