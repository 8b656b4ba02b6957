package io.netkit.netlink;

import io.netkit.netlink.codec.NetlinkConstants;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import java.nio.ByteBuffer;

/**
 * The kernel's extended acknowledgement ({@code NETLINK_EXT_ACK}, {@code struct nlmsgerr} attributes of
 * {@code include/uapi/linux/netlink.h}) of an error, decoded to the text a {@link NetlinkException} carries.
 */
final class ExtAcks {
    private ExtAcks() {
    }

    /**
     * The kernel's extended ack of the error {@code r} is on, as text: {@code NLMSGERR_ATTR_MSG}, the attribute
     * at {@code NLMSGERR_ATTR_OFFS} (looked up in the request, which starts at {@code requestStart} of
     * {@code request}), and {@code NLMSGERR_ATTR_MISS_TYPE}/{@code MISS_NEST} (newer kernels name a missing
     * attribute without any text). Null when the kernel sent none of these.
     */
    static String extAck(NlMsgReader r, NlMsgWriter request, int requestStart) {
        String msg = r.extAckMessage();
        long offs = r.extAckU32(NetlinkConstants.NLMSGERR_ATTR_OFFS);
        long missType = r.extAckU32(NetlinkConstants.NLMSGERR_ATTR_MISS_TYPE);
        long missNest = r.extAckU32(NetlinkConstants.NLMSGERR_ATTR_MISS_NEST);
        StringBuilder sb = new StringBuilder(msg == null ? "" : msg);
        if (offs >= 0) {
            sb.append(sb.length() > 0 ? " " : "").append("(offending attribute: ").append(attributeAt(request,
                    requestStart, offs)).append(')');
        }
        if (missType >= 0) {
            sb.append(sb.length() > 0 ? "; " : "").append("missing attribute type ").append(missType);
            if (missNest >= 0) {
                sb.append(" inside ").append(attributeAt(request, requestStart, missNest));
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** "type T at byte O of the request" for the attribute header at {@code offs} of the request, as far as known. */
    private static String attributeAt(NlMsgWriter request, int requestStart, long offs) {
        ByteBuffer b = request.rawBuffer();
        long at = requestStart + offs;
        if (offs >= NetlinkConstants.NLMSG_HDRLEN && at + 4 <= request.length()) {
            int type = b.getShort((int) at + 2) & NetlinkConstants.NLA_TYPE_MASK;
            return "type " + type + " at byte " + offs + " of the request";
        }
        return "byte " + offs + " of the request";
    }
}
