package io.netkit.netlink;

/**
 * One connection tracking entry, as {@code conntrack -L} lists it.
 *
 * @param family {@code AF_INET} (2) or {@code AF_INET6} (10)
 * @param original the original direction ({@code CTA_TUPLE_ORIG}): the first packet as it arrived, before NAT
 * @param reply the reply direction ({@code CTA_TUPLE_REPLY}): what replies look like; after a DNAT its
 *     source is the translated destination (the container)
 * @param id {@code CTA_ID}, the kernel's id of this entry (unsigned 32 bits)
 * @param status {@code CTA_STATUS}: {@code IPS_*} bits ({@link #STATUS_SEEN_REPLY}, {@link #STATUS_DST_NAT}, ...)
 * @param timeoutSeconds {@code CTA_TIMEOUT}: seconds left before the entry expires
 * @param mark {@code CTA_MARK}
 * @param zone {@code CTA_ZONE}, 0 for the default zone
 * @param tcpState {@code CTA_PROTOINFO_TCP_STATE} (e.g. 3 ESTABLISHED), -1 when the entry is not TCP
 */
public record ConntrackEntry(int family, ConntrackTuple original, ConntrackTuple reply, long id, int status,
                             long timeoutSeconds, int mark, int zone, int tcpState) {
    /** {@code IPS_SEEN_REPLY}: packets were seen in both directions. */
    public static final int STATUS_SEEN_REPLY = 1 << 1;
    /** {@code IPS_ASSURED}. */
    public static final int STATUS_ASSURED = 1 << 2;
    /** {@code IPS_SRC_NAT}. */
    public static final int STATUS_SRC_NAT = 1 << 4;
    /** {@code IPS_DST_NAT}. */
    public static final int STATUS_DST_NAT = 1 << 5;

    /** The IP protocol number of the connection. */
    public int protocol() {
        return original.protocol();
    }

    /** As {@code conntrack -L} prints the entry (without counters). */
    @Override
    public String toString() {
        return "proto=" + original.protocol() + " " + original + ((status & STATUS_SEEN_REPLY) == 0 ? " [UNREPLIED] " : " ")
                + reply + " id=" + id + (zone != 0 ? " zone=" + zone : "");
    }
}
