package io.netkit.netlink;

import java.util.List;

/**
 * What a kernel refusal of a link operation means, in the words of {@link Links}: a missing link becomes a
 * {@link LinkNotFoundException}, {@code EOPNOTSUPP} and {@code EEXIST} on creation get a hint what to do.
 */
final class LinkFailures {
    private LinkFailures() {
    }

    /** The failure {@code e} of an operation on {@code spec}, with what it means and what to do. */
    static NetlinkException translate(NetlinkException e, LinkSpec spec) {
        if (e.errno() == Errno.EOPNOTSUPP && "create link".equals(e.operation())) {
            return NetlinkException.withDetail("create link", e.target(), e.errno(), unsupported(e.extAck(), spec), e);
        }
        if (e.errno() == Errno.EEXIST && "create link".equals(e.operation())) {
            LinkSpec.Fields f = spec.f;
            return e.withHint("a link named \"" + f.name + "\" already exists"
                    + (f.peerName != null ? " (or the peer name \"" + f.peerName + "\" is taken in the peer's namespace)" : "")
                    + ": delete it first or choose another name");
        }
        return notFound(e);
    }

    /**
     * What an {@code EOPNOTSUPP} from creating {@code spec} really means. The kernel answers a kind it has no
     * driver for with the ext-ack text "Unknown device type"; a master that cannot take ports (no
     * {@code ndo_add_slave}: a veth, a vxlan, ...) with no text at all; a setting the driver does not implement
     * (e.g. bridge STP in a namespace) with its own text.
     */
    static String unsupported(String extAck, LinkSpec spec) {
        String kind = spec.kind();
        String master = spec.f.masterName != null ? spec.f.masterName
                : spec.f.masterIndex > 0 ? "#" + spec.f.masterIndex : null;
        String said = extAck != null ? "; kernel says: " + extAck : "";
        if (extAck != null && extAck.toLowerCase(java.util.Locale.ROOT).contains("unknown device type")
                || extAck == null && master == null) {
            return "link kind \"" + kind + "\" is not supported by this kernel (driver not built in and module not"
                    + " loadable)" + said;
        }
        if (extAck == null) {
            return "the master \"" + master + "\" cannot take ports (only a bridge, bond or team can be a master;"
                    + " the \"" + kind + "\" link itself is supported): give a bridge as master";
        }
        return "this kernel's \"" + kind + "\" driver does not support a setting of this link" + said
                + (master != null ? " (or the master \"" + master + "\" cannot take ports)" : "");
    }

    static NetlinkException notFound(NetlinkException e) {
        if (e.errno() == Errno.ENODEV && !(e instanceof LinkNotFoundException)) {
            NetlinkException nf = new LinkNotFoundException(e);
            String t = e.target();
            if (t != null && !t.isEmpty() && !t.contains(" ")) {
                return nf.withHint(t.startsWith("#")
                        ? "no link with index " + t.substring(1) + " in this network namespace"
                        : "no link named \"" + t + "\" in this network namespace (check the name: ip link show)");
            }
            return nf;
        }
        return e;
    }

    /** (For {@link Links#createAll}) Executes {@code batch}, whose request k belongs to {@code specs.get(owners.get(k))}; records first failures. */
    static void runBatch(NetlinkBatch batch, List<Integer> owners, List<LinkSpec> specs,
                                 NetlinkException[] failed) {
        if (batch.size() == 0) {
            return;
        }
        try {
            batch.execute();
        } catch (NetlinkBatchException e) {
            for (int k = 0; k < e.failures().size(); k++) {
                int i = owners.get(e.failedIndices().get(k));
                if (failed[i] == null) {
                    failed[i] = translate(e.failures().get(k), specs.get(i));
                }
            }
        }
    }

    /** Throws the failures of a {@link Links#createAll} ({@code failed[i]}: that of spec i, or null), if any. */
    static void throwIfAny(NetlinkException[] failed) {
        List<NetlinkException> failures = new java.util.ArrayList<>();
        List<Integer> failedIndices = new java.util.ArrayList<>();
        for (int i = 0; i < failed.length; i++) {
            if (failed[i] != null) {
                failures.add(failed[i]);
                failedIndices.add(i);
            }
        }
        if (!failures.isEmpty()) {
            throw new NetlinkBatchException(failures, failedIndices, failed.length);
        }
    }
}
