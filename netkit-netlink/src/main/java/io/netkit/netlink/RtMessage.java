package io.netkit.netlink;

import java.util.Arrays;
import java.util.Objects;

/**
 * One rtnetlink message decoded into its typed value: what {@link RtNetlink#decode(java.nio.ByteBuffer)} returns for
 * each message of a reply, a dump or an event datagram. A {@code switch} over the variants covers every message:
 *
 * <pre>{@code
 * for (RtMessage m : RtNetlink.decode(buffer)) {
 *     switch (m) {                                       // Java 21 pattern switch; on 17 use instanceof
 *         case RtMessage.NewLink l -> System.out.println("link " + l.link().name());
 *         case RtMessage.DelLink l -> System.out.println("gone " + l.link().name());
 *         default -> { }
 *     }
 * }
 * }</pre>
 *
 * <p>The same messages {@code ip monitor} prints: {@code RTM_NEWLINK}/{@code RTM_DELLINK} ({@code ip monitor link}),
 * {@code RTM_NEWADDR}/{@code RTM_DELADDR}, {@code RTM_NEWROUTE}/{@code RTM_DELROUTE},
 * {@code RTM_NEWNEIGH}/{@code RTM_DELNEIGH} (with {@code AF_BRIDGE}: {@code bridge monitor fdb}). Everything else
 * (control messages, other families, cached route clones, bridge port notifications) is {@link Other}.
 */
public sealed interface RtMessage {
    /** The message's {@code nlmsg_type}. */
    int type();

    /** {@code RTM_NEWLINK}: a link exists in this state (created or changed). */
    record NewLink(Link link) implements RtMessage {
        /** Checks the link is non-null. */
        public NewLink {
            Objects.requireNonNull(link, "link == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
        }
    }

    /** {@code RTM_DELLINK}: the link was deleted (or left the namespace); {@code link} is its last state. */
    record DelLink(Link link) implements RtMessage {
        /** Checks the link is non-null. */
        public DelLink {
            Objects.requireNonNull(link, "link == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELLINK;
        }
    }

    /** {@code RTM_NEWADDR}: the address exists in this state. */
    record NewAddress(Address address) implements RtMessage {
        /** Checks the address is non-null. */
        public NewAddress {
            Objects.requireNonNull(address, "address == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWADDR;
        }
    }

    /** {@code RTM_DELADDR}: the address was removed. */
    record DelAddress(Address address) implements RtMessage {
        /** Checks the address is non-null. */
        public DelAddress {
            Objects.requireNonNull(address, "address == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELADDR;
        }
    }

    /**
     * {@code RTM_NEWROUTE}: the route exists; {@code replaced} when the kernel flagged it {@code NLM_F_REPLACE} (it
     * took the place of the route with the same destination, table and metric).
     */
    record NewRoute(Route route, boolean replaced) implements RtMessage {
        /** Checks the route is non-null. */
        public NewRoute {
            Objects.requireNonNull(route, "route == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWROUTE;
        }
    }

    /** {@code RTM_DELROUTE}: the route was removed. */
    record DelRoute(Route route) implements RtMessage {
        /** Checks the route is non-null. */
        public DelRoute {
            Objects.requireNonNull(route, "route == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELROUTE;
        }
    }

    /** {@code RTM_NEWNEIGH}: the neighbour or FDB entry exists in this state. */
    record NewNeighbor(Neighbor neighbor) implements RtMessage {
        /** Checks the neighbour is non-null. */
        public NewNeighbor {
            Objects.requireNonNull(neighbor, "neighbor == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWNEIGH;
        }
    }

    /** {@code RTM_DELNEIGH}: the neighbour or FDB entry was removed. */
    record DelNeighbor(Neighbor neighbor) implements RtMessage {
        /** Checks the neighbour is non-null. */
        public DelNeighbor {
            Objects.requireNonNull(neighbor, "neighbor == null");
        }

        @Override
        public int type() {
            return io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELNEIGH;
        }
    }

    /**
     * Any other message, kept raw: control messages ({@code NLMSG_DONE}, {@code NLMSG_ERROR}), types netkit has no
     * value for, families it does not decode (e.g. {@code AF_BRIDGE} link notifications about bridge ports, as
     * {@code bridge monitor link} shows them) and cached route clones.
     *
     * @param type {@code nlmsg_type}
     * @param flags {@code nlmsg_flags}
     * @param bytes the whole message, header included (a copy)
     */
    record Other(int type, int flags, byte[] bytes) implements RtMessage {
        /** Copies the bytes. */
        public Other {
            bytes = Objects.requireNonNull(bytes, "bytes == null").clone();
        }

        /** A copy of the whole message. */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Other x && x.type == type && x.flags == flags && Arrays.equals(x.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * type + flags) + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Other[type=" + type + ", flags=0x" + Integer.toHexString(flags) + ", " + bytes.length + " bytes]";
        }
    }
}
