package io.netkit.netlink;

import static io.netkit.netlink.codec.IfLinkConstants.IFLA_ADDRESS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_EXT_MASK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFALIAS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_DATA;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_INFO_KIND;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINKINFO;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_LINK_NETNSID;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MACVLAN_MODE;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MASTER;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_NET_NS_FD;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_OPERSTATE;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_STATS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_STATS64;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_AF_SPEC;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_TXQLEN;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_GROUP6;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_ID;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LEARNING;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LINK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LOCAL;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_LOCAL6;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_PORT;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_VXLAN_TTL;
import static io.netkit.netlink.codec.IfLinkConstants.IFF_UP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ECHO;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.IFINFOMSG_LEN;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTEXT_FILTER_SKIP_STATS;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;
import static io.netkit.netlink.codec.VethConstants.VETH_INFO_PEER;

import io.netkit.netlink.codec.IfLinkConstants;
import io.netkit.netlink.codec.NlAttrReader;
import io.netkit.netlink.codec.NlMsgReader;
import io.netkit.netlink.codec.NlMsgWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Link operations of one {@link RtNetlink} handle, i.e. {@code ip link} in that handle's namespace.
 *
 * <pre>{@code
 * Links links = host.netlink().links();
 * links.create(LinkSpec.bridge("br0").up());                                   // ip link add br0 up type bridge
 * links.create(LinkSpec.veth("veth1", "eth0").peerNamespace(c1).master("br0").up());
 * links.get("veth1").masterIndex() == links.get("br0").index();                // true
 * }</pre>
 *
 * <p>Names and values are validated before anything is sent; a missing link is a {@link LinkNotFoundException},
 * every other kernel refusal a {@link NetlinkException} with the kernel's own text. Thread-safe.
 */
public final class Links {
    /** {@code IFLA_VLAN_ID} from {@code include/uapi/linux/if_link.h}. */
    private static final int IFLA_VLAN_ID = 1;

    private final RtNetlink rt;

    Links(RtNetlink rt) {
        this.rt = rt;
    }

    /**
     * Watches this namespace's links: a snapshot, then every change as an {@link RtEvent.LinkEvent}, with a
     * {@link RtEvent.Resynced} after an overrun. Shorthand for {@code watch(WatchSpec.of(RtTopic.LINKS), listener)};
     * see {@link RtNetlink#watch(WatchSpec, RtListener)}. Equivalent to: {@code ip monitor link}.
     */
    public RtWatch watch(RtListener listener) {
        return rt.watch(WatchSpec.of(RtTopic.LINKS), listener);
    }

    // ---------------------------------------------------------------- create

    /**
     * Creates the link {@code spec} describes and returns it as the kernel reports it. One {@code RTM_NEWLINK} with
     * {@code NLM_F_CREATE|NLM_F_EXCL}; a veth peer is created directly in its target namespace under its final name.
     * The alias and a same-namespace peer's "up" follow as a second request once the link exists (the kernel ignores
     * an alias on creation, and cannot open a veth peer before the pair exists: {@code ENOTCONN}); a peer in another
     * namespace is set up through that namespace's own handle. The result is the kernel's echo of the new link ({@code NLM_F_ECHO};
     * master and alias as this call set them), or, for a link made in another namespace, read back with {@link #get(String)}. tun/tap devices are made as {@code ip tuntap add} does ({@code TUNSETIFF} +
     * {@code TUNSETPERSIST} on {@code /dev/net/tun}) and then configured with one {@code RTM_NEWLINK}.
     *
     * <p>Equivalent to: {@code ip link add NAME [mtu N] [address MAC] [master BR] [group G] [up] type KIND ...}
     * (see {@link LinkSpec#toString()} for the exact command).
     *
     * @throws NetlinkException with errno {@code EEXIST} if a link of that name exists, {@code EOPNOTSUPP} with
     *     a message naming the kind if this kernel has no driver for it
     * @throws LinkNotFoundException if the master, parent or vxlan device does not exist
     */
    public Link create(LinkSpec spec) {
        Objects.requireNonNull(spec, "spec == null");
        LinkSpec.Fields f = spec.f;
        boolean tunTap = f.kind.equals("tun") || f.kind.equals("tap");
        if (!tunTap && f.namespace == null) {
            return createEchoed(spec);
        }
        try {
            createAll(List.of(spec));
        } catch (NetlinkBatchException e) {
            throw e.failures().get(0);
        }
        NetNamespace ns = spec.f.namespace;
        return ns == null ? get(spec.name()) : ns.netlink().links().get(spec.name());
    }

    /**
     * Links made in this handle's namespace, without a read-back request: the {@code RTM_NEWLINK} carries
     * {@code NLM_F_ECHO}, so the kernel (6.3 and later) sends the new link back before its ack. The echo goes to the
     * namespace the link lives in, which is this one (a veth peer made in another namespace is configured by the
     * kernel without an echo). The alias (the kernel ignores one on creation) and a same-namespace peer's "up" follow
     * in one more request batch, addressed by the echoed index, only once the link exists: sent along with the create,
     * they would change an existing link of that name when the create fails with {@code EEXIST}. The kernel echoes
     * before it joins the master and before the alias is set, so both are filled in from what it acknowledged.
     */
    private Link createEchoed(LinkSpec spec) {
        LinkSpec.Fields f = spec.f;
        Map<String, Integer> indexes = new HashMap<>();
        int master = f.masterName != null ? index(indexes, f.masterName) : f.masterIndex;
        int parent = f.parent != null ? index(indexes, f.parent) : 0;
        int device = f.device != null ? index(indexes, f.device) : 0;
        Link link;
        try {
            link = rt.socket().request("create link", f.name, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                    w -> writeCreate(w, spec, master, parent, device), Links::decode);
        } catch (NetlinkException e) {
            throw translate(e, spec);
        }
        int index = link != null ? link.index() : 0;   // kernels before 6.3 do not echo: then by name
        boolean peerHere = f.peerUp && f.peerNamespace == null;
        if (f.alias != null || peerHere) {
            NetlinkBatch batch = rt.socket().batch();
            if (f.alias != null) {
                batch.add("set link alias", f.name, RTM_NEWLINK, 0, w -> {
                    w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                    if (index == 0) {
                        w.attrString(IFLA_IFNAME, f.name);
                    }
                    w.attrString(IFLA_IFALIAS, f.alias);
                });
            }
            if (peerHere) {
                batch.add("set link up", f.peerName, RTM_NEWLINK, 0, w -> {
                    w.ifInfoMsg(AF_UNSPEC, 0, 0, IFF_UP, IFF_UP);
                    w.attrString(IFLA_IFNAME, f.peerName);
                });
            }
            try {
                batch.execute();
            } catch (NetlinkBatchException e) {
                throw translate(e.failures().get(0), spec);
            }
        }
        if (f.peerUp && !peerHere) {
            f.peerNamespace.netlink().links().setUp(f.peerName);
        }
        if (link == null) {
            return get(f.name);
        }
        if (master != 0 || f.alias != null) {
            link = new Link(link.index(), link.name(), link.kind(), link.flags(), link.mtu(), link.mac(),
                    master != 0 ? master : link.masterIndex(), f.alias != null ? f.alias : link.alias(), link.group(),
                    link.linkNetnsId(), link.linkIndex(), link.operState(), link.txQueueLen(), link.type(), link.unknown());
        }
        return link;
    }

    /**
     * Creates many links with as few system calls as possible: every {@code RTM_NEWLINK} goes out in one batch
     * (one {@code sendmsg}), then the alias and peer-up follow-ups of the links that were created in a second one.
     * Each failure is reported against its own link; links that were created stay created when others fail, and
     * nothing is changed on a link whose creation failed. Masters, parents and vxlan devices must exist before the
     * call (they are resolved to indexes first).
     *
     * <p>Equivalent to: {@code ip -batch FILE} with one {@code link add} line per spec.
     *
     * @throws NetlinkBatchException listing each failure; {@link NetlinkBatchException#failedIndices()} are
     *     positions in {@code specs}, {@link NetlinkBatchException#batchSize()} is {@code specs.size()}
     * @throws LinkNotFoundException (before anything is created) if a master, parent or vxlan device is missing
     */
    public void createAll(List<LinkSpec> specs) {
        Objects.requireNonNull(specs, "specs == null");
        for (LinkSpec spec : specs) {
            Objects.requireNonNull(spec, "spec == null");
        }
        // resolve names first, so that a missing master fails before anything is created
        Map<String, Integer> indexes = new HashMap<>();
        int[][] resolved = new int[specs.size()][];
        for (int i = 0; i < specs.size(); i++) {
            LinkSpec.Fields f = specs.get(i).f;
            if (f.kind.equals("tun") || f.kind.equals("tap")) {
                continue;
            }
            // the kernel resolves IFLA_MASTER in the namespace the link is created in, IFLA_LINK and the vxlan
            // device in this handle's namespace
            int master = f.masterName == null ? f.masterIndex
                    : f.namespace != null ? f.namespace.netlink().links().get(f.masterName).index()
                    : index(indexes, f.masterName);
            int parent = f.parent != null ? index(indexes, f.parent) : 0;
            int device = f.device != null ? index(indexes, f.device) : 0;
            resolved[i] = new int[] {master, parent, device};
        }

        NetlinkException[] failed = new NetlinkException[specs.size()];
        NetlinkBatch batch = rt.socket().batch();
        List<Integer> batched = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            if (resolved[i] == null) {
                continue;
            }
            LinkSpec spec = specs.get(i);
            int[] r = resolved[i];
            batch.add("create link", spec.name(), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                    w -> writeCreate(w, spec, r[0], r[1], r[2]));
            batched.add(i);
        }
        runBatch(batch, batched, specs, failed);

        // follow-ups, only for links that now exist
        List<Integer> followed = new ArrayList<>();
        List<Runnable> elsewhere = new ArrayList<>();
        List<Integer> elsewhereOf = new ArrayList<>();
        for (int i : batched) {
            if (failed[i] != null) {
                continue;
            }
            LinkSpec.Fields f = specs.get(i).f;
            if (f.alias != null) {
                if (f.namespace == null) {
                    batch.add("set link alias", f.name, RTM_NEWLINK, 0, w -> {
                        w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                        w.attrString(IFLA_IFNAME, f.name);
                        w.attrString(IFLA_IFALIAS, f.alias);
                    });
                    followed.add(i);
                } else {
                    elsewhere.add(() -> f.namespace.netlink().links().setAlias(f.name, f.alias));
                    elsewhereOf.add(i);
                }
            }
            if (f.peerUp) {
                NetNamespace peerNs = f.peerNamespace; // without one, the kernel puts the peer in this handle's namespace
                if (peerNs == null) {
                    batch.add("set link up", f.peerName, RTM_NEWLINK, 0, w -> {
                        w.ifInfoMsg(AF_UNSPEC, 0, 0, IFF_UP, IFF_UP);
                        w.attrString(IFLA_IFNAME, f.peerName);
                    });
                    followed.add(i);
                } else {
                    elsewhere.add(() -> peerNs.netlink().links().setUp(f.peerName));
                    elsewhereOf.add(i);
                }
            }
        }
        runBatch(batch, followed, specs, failed);
        for (int k = 0; k < elsewhere.size(); k++) {
            int i = elsewhereOf.get(k);
            if (failed[i] == null) {
                try {
                    elsewhere.get(k).run();
                } catch (NetlinkException e) {
                    failed[i] = e;
                }
            }
        }
        for (int i = 0; i < specs.size(); i++) {
            if (resolved[i] == null) {
                try {
                    createTunTap(specs.get(i), indexes);
                } catch (NetlinkException e) {
                    failed[i] = e;
                }
            }
        }
        List<NetlinkException> failures = new ArrayList<>();
        List<Integer> failedIndices = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            if (failed[i] != null) {
                failures.add(failed[i]);
                failedIndices.add(i);
            }
        }
        if (!failures.isEmpty()) {
            throw new NetlinkBatchException(failures, failedIndices, specs.size());
        }
    }

    /** Executes {@code batch}, whose request k belongs to {@code specs.get(owners.get(k))}; records first failures. */
    private static void runBatch(NetlinkBatch batch, List<Integer> owners, List<LinkSpec> specs,
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

    private int index(Map<String, Integer> cache, String name) {
        Integer i = cache.get(name);
        if (i == null) {
            i = index(name);
            cache.put(name, i);
        }
        return i;
    }

    /** The attributes any kind takes on creation (and a tun/tap takes right after it): mtu, MAC, txqueuelen, group, master. */
    private static void writeCommon(NlMsgWriter w, LinkSpec.Fields f, int masterIndex) {
        if (f.mtu != 0) {
            w.attrU32(IFLA_MTU, f.mtu);
        }
        if (f.mac != null) {
            w.attrBytes(IFLA_ADDRESS, f.mac.bytes());
        }
        if (f.txQueueLen >= 0) {
            w.attrU32(IFLA_TXQLEN, f.txQueueLen);
        }
        if (f.hasGroup) {
            w.attrU32(IFLA_GROUP, f.group);
        }
        if (masterIndex != 0) {
            w.attrU32(IFLA_MASTER, masterIndex);
        }
    }

    /**
     * Writes the payload ({@code struct ifinfomsg} and attributes) of the {@code RTM_NEWLINK} that creates
     * {@code spec}, for use as the body of {@link NetlinkSocket#execute} or {@link NetlinkBatch#add} with
     * {@code NLM_F_CREATE|NLM_F_EXCL}. Names are already resolved: {@code masterIndex}, {@code parentIndex}
     * (macvlan/vlan {@code IFLA_LINK}) and {@code deviceIndex} (vxlan) are interface indexes, 0 for none.
     * The alias and a veth peer's "up" are not part of it (see {@link #create}). For a veth without MAC addresses
     * it allocates nothing. Not for tun/tap.
     *
     * <pre>{@code
     * socket.execute("create link", "veth7", RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
     *         w -> Links.writeCreate(w, LinkSpec.veth("veth7", "eth0").up(), 0, 0, 0));
     * }</pre>
     */
    public static void writeCreate(NlMsgWriter w, LinkSpec spec, int masterIndex, int parentIndex, int deviceIndex) {
        LinkSpec.Fields f = spec.f;
        if (f.kind.equals("tun") || f.kind.equals("tap")) {
            throw new IllegalArgumentException("tun/tap links are not created with RTM_NEWLINK: " + spec);
        }
        int upFlags = f.up ? IFF_UP : 0;
        w.ifInfoMsg(AF_UNSPEC, 0, 0, upFlags, upFlags);
        w.attrString(IFLA_IFNAME, f.name);
        writeCommon(w, f, masterIndex);
        if (parentIndex != 0) {
            w.attrU32(IFLA_LINK, parentIndex);
        }
        if (f.namespace != null) {
            w.attrU32(IFLA_NET_NS_FD, f.namespace.fd());
        }
        w.beginNested(IFLA_LINKINFO);
        w.attrString(IFLA_INFO_KIND, f.kind);
        switch (f.kind) {
            case "veth":
                w.beginNested(IFLA_INFO_DATA);
                w.beginNested(VETH_INFO_PEER);
                w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                w.attrString(IFLA_IFNAME, f.peerName);
                if (f.peerNamespace != null) {
                    w.attrU32(IFLA_NET_NS_FD, f.peerNamespace.fd());
                }
                if (f.peerMtu != 0) {
                    w.attrU32(IFLA_MTU, f.peerMtu);
                }
                if (f.peerMac != null) {
                    w.attrBytes(IFLA_ADDRESS, f.peerMac.bytes());
                }
                w.endNested();
                w.endNested();
                break;
            case "vxlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU32(IFLA_VXLAN_ID, f.vni);
                if (f.remote != null) {
                    w.attrBytes(IpAddresses.isIpv4(f.remote) ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, f.remote.getAddress());
                }
                if (f.local != null) {
                    w.attrBytes(IpAddresses.isIpv4(f.local) ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, f.local.getAddress());
                }
                if (deviceIndex != 0) {
                    w.attrU32(IFLA_VXLAN_LINK, deviceIndex);
                }
                w.attrBe16(IFLA_VXLAN_PORT, f.port == 0 ? 4789 : f.port);
                if (f.learning != null) {
                    w.attrU8(IFLA_VXLAN_LEARNING, f.learning ? 1 : 0);
                }
                if (f.ttl >= 0) {
                    w.attrU8(IFLA_VXLAN_TTL, f.ttl);
                }
                w.endNested();
                break;
            case "macvlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU32(IFLA_MACVLAN_MODE, f.macvlanMode.value());
                w.endNested();
                break;
            case "vlan":
                w.beginNested(IFLA_INFO_DATA);
                w.attrU16(IFLA_VLAN_ID, f.vlanId);
                w.endNested();
                break;
            default:
                break;
        }
        w.endNested();
    }

    private void createTunTap(LinkSpec spec, Map<String, Integer> indexes) {
        LinkSpec.Fields f = spec.f;
        if (find(f.name).isPresent()) {
            throw new NetlinkException("create link", f.name, Errno.EEXIST, null);
        }
        int master = f.masterName != null ? index(indexes, f.masterName) : f.masterIndex;
        NetNamespace ns = rt.namespace();
        boolean tap = f.kind.equals("tap");
        if (ns != null) {
            ns.run(() -> TunTap.create(f.name, tap));
        } else {
            TunTap.create(f.name, tap);
        }
        boolean needsSet = f.mtu != 0 || f.mac != null || f.txQueueLen >= 0 || f.hasGroup || master != 0 || f.up;
        if (needsSet) {
            set("create link", f.name, f.up ? IFF_UP : 0, f.up ? IFF_UP : 0, w -> writeCommon(w, f, master));
        }
        if (f.alias != null) {
            setAlias(f.name, f.alias);
        }
    }

    private static NetlinkException translate(NetlinkException e, LinkSpec spec) {
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

    // ---------------------------------------------------------------- read

    /**
     * The link named {@code name}: one {@code RTM_GETLINK} with {@code IFLA_IFNAME} (no dump).
     * Equivalent to: {@code ip -d link show dev NAME}.
     *
     * @throws LinkNotFoundException if there is none
     */
    public Link get(String name) {
        InterfaceNames.validateExisting(name);
        try {
            return rt.socket().request("get link", name, RTM_GETLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
                w.attrString(IFLA_IFNAME, name);
            }, Links::decode);
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }

    /**
     * The interface index of the link named {@code name}: one {@code RTM_GETLINK} of which only the index is read
     * (see {@link NetlinkSocket#interfaceIndex(String)}; a miss never makes the kernel load a module).
     *
     * @throws LinkNotFoundException if there is none
     */
    public int index(String name) {
        int index = rt.socket().interfaceIndex(name);
        if (index == 0) {
            throw notFound(new NetlinkException("get link index", name, Errno.ENODEV, null));
        }
        return index;
    }

    /** The link named {@code name}, or empty. Equivalent to: {@code ip link show dev NAME} (without the error). */
    public Optional<Link> find(String name) {
        try {
            return Optional.of(get(name));
        } catch (LinkNotFoundException e) {
            return Optional.empty();
        }
    }

    /**
     * The link with interface index {@code index}. Equivalent to: {@code ip link show} filtered by index.
     *
     * @throws LinkNotFoundException if there is none
     */
    public Link get(int index) {
        if (index <= 0) {
            throw new IllegalArgumentException("index must be positive: " + index);
        }
        try {
            return rt.socket().request("get link", "#" + index, RTM_GETLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
            }, Links::decode);
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }

    /** All links of the namespace, in index order: one dump. Equivalent to: {@code ip -d link show}. */
    public List<Link> list() {
        return rt.socket().dump("list links", RTM_GETLINK, w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
            w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        }, Links::decode);
    }

    // ---------------------------------------------------------------- change

    /** Sets the link administratively up. Equivalent to: {@code ip link set NAME up}. */
    public void setUp(String name) {
        set("set link up", name, IFF_UP, IFF_UP, null);
    }

    /** Sets the link administratively down. Equivalent to: {@code ip link set NAME down}. */
    public void setDown(String name) {
        set("set link down", name, 0, IFF_UP, null);
    }

    /** Sets the MTU. Equivalent to: {@code ip link set NAME mtu N}. */
    public void setMtu(String name, int mtu) {
        if (mtu < 1) {
            throw new IllegalArgumentException("mtu must be positive: " + mtu);
        }
        set("set link mtu", name, 0, 0, w -> w.attrU32(IFLA_MTU, mtu));
    }

    /** Sets the MAC address. Equivalent to: {@code ip link set NAME address MAC}. */
    public void setMac(String name, MacAddress mac) {
        LinkSpec.requireUnicast(mac, "mac");
        set("set link address", name, 0, 0, w -> w.attrBytes(IFLA_ADDRESS, mac.bytes()));
    }

    /** Makes the link a port of the bridge {@code master}. Equivalent to: {@code ip link set NAME master BR}. */
    public void setMaster(String name, String master) {
        InterfaceNames.validateExisting(name);
        int masterIndex = index(master);
        set("set link master", name, 0, 0, w -> w.attrU32(IFLA_MASTER, masterIndex));
    }

    /** Removes the link from its bridge. Equivalent to: {@code ip link set NAME nomaster}. */
    public void setNoMaster(String name) {
        set("set link nomaster", name, 0, 0, w -> w.attrU32(IFLA_MASTER, 0));
    }

    /** Renames the link (it must be down). Equivalent to: {@code ip link set NAME name NEWNAME}. */
    public void rename(String name, String newName) {
        InterfaceNames.validateExisting(name);
        InterfaceNames.validate(newName);
        int index = index(name);
        try {
            rt.socket().execute("rename link", name + " to " + newName, RTM_NEWLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                w.attrString(IFLA_IFNAME, newName);
            });
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }

    /**
     * Sets the alias (at most 255 bytes); an empty alias removes it. Equivalent to: {@code ip link set NAME alias TEXT}.
     */
    public void setAlias(String name, String alias) {
        LinkSpec.checkAlias(alias);
        set("set link alias", name, 0, 0, w -> w.attrString(IFLA_IFALIAS, alias));
    }

    /**
     * Unplugs the link from its bridge in ONE request: out of the bridge, down, into link group {@code group}, alias
     * replaced by {@code alias}. From the moment the kernel acknowledges, no frame from the link reaches the bridge.
     * Equivalent to: {@code ip link set NAME nomaster down group G alias TEXT}.
     *
     * @throws LinkNotFoundException if there is no such link
     */
    public void unplug(String name, int group, String alias) {
        LinkSpec.checkAlias(alias);
        set("unplug link", name, 0, IFF_UP, w -> {
            w.attrU32(IFLA_MASTER, 0);
            w.attrU32(IFLA_GROUP, group);
            w.attrString(IFLA_IFALIAS, alias);
        });
    }

    /**
     * Switches hairpin mode of a bridge port on or off: with it on, the bridge may send a frame back out of the
     * port it came in on, which a container needs to reach itself through a DNAT on the host (its own published
     * port via a host address). Equivalent to: {@code ip link set NAME type bridge_slave hairpin on|off}
     * ({@code bridge link set dev NAME hairpin on|off}).
     *
     * @throws NetlinkException (for example {@code EOPNOTSUPP}) if the link is not a bridge port
     */
    public void setHairpin(String name, boolean on) {
        set("set bridge port hairpin " + (on ? "on" : "off"), name, 0, 0, w -> {
            w.beginNested(IFLA_LINKINFO);
            w.attrString(IfLinkConstants.IFLA_INFO_SLAVE_KIND, "bridge");
            w.beginNested(IfLinkConstants.IFLA_INFO_SLAVE_DATA);
            w.attrU8(IfLinkConstants.IFLA_BRPORT_MODE, on ? 1 : 0);
            w.endNested();
            w.endNested();
        });
    }

    /** Puts the link into link group {@code group} (0 = default). Equivalent to: {@code ip link set NAME group G}. */
    public void setGroup(String name, int group) {
        set("set link group", name, 0, 0, w -> w.attrU32(IFLA_GROUP, group));
    }

    /**
     * Moves the link into namespace {@code ns} (costs about 17 ms in the kernel; prefer creating veth peers
     * directly there with {@link LinkSpec#peerNamespace}). Equivalent to: {@code ip link set NAME netns NS}.
     */
    public void moveTo(String name, NetNamespace ns) {
        Objects.requireNonNull(ns, "ns == null");
        set("move link", name, 0, 0, w -> w.attrU32(IFLA_NET_NS_FD, ns.fd()));
    }

    /**
     * Deletes the link (a veth's peer goes with it; costs about 20 ms in the kernel, see {@link #deleteGroup}).
     * Equivalent to: {@code ip link del NAME}.
     *
     * @throws LinkNotFoundException if there is none
     */
    public void delete(String name) {
        InterfaceNames.validateExisting(name);
        try {
            rt.socket().execute("delete link", name, RTM_DELLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                w.attrString(IFLA_IFNAME, name);
            });
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }

    /**
     * Deletes every link of link group {@code group} with ONE {@code RTM_DELLINK} carrying {@code IFLA_GROUP}, so the
     * kernel's RCU wait (about 20 ms) is paid once for all of them: 1000 veth pairs in about 0.2 s instead of 19 s.
     * No error when the group is empty (the kernel's {@code ENODEV} is swallowed). Group 0 (the default group, which holds {@code lo}) is refused.
     * Equivalent to: {@code ip link del group G}.
     */
    public void deleteGroup(int group) {
        if (group == 0) {
            throw new IllegalArgumentException("group must not be 0: the default group holds every link, lo included");
        }
        try {
            rt.socket().execute("delete link group", Integer.toUnsignedString(group), RTM_DELLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                w.attrU32(IFLA_GROUP, group);
            });
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENODEV) { // the kernel's answer for an empty group
                throw e;
            }
        }
    }

    private void set(String operation, String name, int flags, int change, Consumer<NlMsgWriter> attrs) {
        InterfaceNames.validateExisting(name);
        try {
            rt.socket().execute(operation, name, RTM_NEWLINK, 0, w -> {
                w.ifInfoMsg(AF_UNSPEC, 0, 0, flags, change);
                w.attrString(IFLA_IFNAME, name);
                if (attrs != null) {
                    attrs.accept(w);
                }
            });
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }

    // ---------------------------------------------------------------- decode

    /** Per-thread cursors so that decoding allocates only the {@link Link} (and its strings/small arrays). */
    private static final class Scratch {
        final NlAttrReader attrs = new NlAttrReader();
        final NlAttrReader info = new NlAttrReader();
        final NlAttrReader data = new NlAttrReader();
        int[] unknown = new int[64];
        byte[] text = new byte[256];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final String[] KNOWN_KINDS = {"veth", "bridge", "vxlan", "macvlan", "tun", "dummy", "vlan",
        "ipvlan", "bond", "wireguard", "ifb", "macvtap", "ipip", "gre", "sit", "ip6tnl", "geneve", "vrf", "team",
        "netkit", "nlmon", "vcan", "veth"};

    /**
     * Decodes the {@code RTM_NEWLINK} message {@code m} is positioned on (a reply or one message of a dump).
     * Attributes other than those of {@link Link}'s fields are kept raw in {@link Link#unknown()}, except the
     * bulky statistics and per-protocol state ({@code IFLA_STATS}, {@code IFLA_STATS64}, {@code IFLA_AF_SPEC}).
     * Allocates the {@link Link}, its strings, its {@link MacAddress} and at most one array of raw attributes.
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if the message is malformed
     */
    public static Link decode(NlMsgReader m) {
        if (m.type() != RTM_NEWLINK) {
            return null;
        }
        Scratch s = SCRATCH.get();
        int type = m.u16(2);
        int index = m.s32(4);
        int flags = m.s32(8);
        NlAttrReader a = m.attributes(IFINFOMSG_LEN, s.attrs);
        String name = null;
        String kind = null;
        String alias = null;
        MacAddress mac = null;
        int mtu = 0;
        int master = 0;
        int group = 0;
        int netnsId = -1;
        int link = 0;
        int oper = 0;
        int txq = 0;
        LinkInfo linkInfo = null;
        int unknownCount = 0;
        int unknownBytes = 0;
        while (a.next()) {
            switch (a.type()) {
                case IFLA_IFNAME:
                    name = string(a, s);
                    break;
                case IFLA_MTU:
                    mtu = a.u32();
                    break;
                case IFLA_ADDRESS:
                    if (a.payloadLength() == 6) {
                        mac = MacAddress.of(a.buffer(), a.payloadOffset());
                    } else {
                        unknownBytes += (a.payloadLength() + 7) & ~3;
                        unknownCount = keep(s, unknownCount, a);
                    }
                    break;
                case IFLA_MASTER:
                    master = a.u32();
                    break;
                case IFLA_IFALIAS:
                    alias = string(a, s);
                    break;
                case IFLA_GROUP:
                    group = a.u32();
                    break;
                case IFLA_LINK_NETNSID:
                    netnsId = a.u32();
                    break;
                case IFLA_LINK:
                    link = a.u32();
                    break;
                case IFLA_OPERSTATE:
                    oper = a.u8();
                    break;
                case IFLA_TXQLEN:
                    txq = a.u32();
                    break;
                case IFLA_LINKINFO:
                    NlAttrReader info = a.nested(s.info);
                    int dataStart = -1;
                    int dataEnd = -1;
                    boolean more = false;
                    while (info.next()) {
                        if (info.type() == IFLA_INFO_KIND) {
                            kind = kindString(info);
                        } else if (info.type() == IFLA_INFO_DATA && dataStart < 0) {
                            dataStart = info.payloadOffset();
                            dataEnd = dataStart + info.payloadLength();
                        } else {
                            more = true;
                        }
                    }
                    if (LinkInfos.typed(kind)) {
                        linkInfo = dataStart < 0 ? LinkInfos.empty(kind)
                                : LinkInfos.decode(kind, s.data.reset(a.buffer(), dataStart, dataEnd));
                    } else if (dataEnd > dataStart) {
                        more = true;
                    }
                    if (more) {
                        unknownBytes += (a.payloadLength() + 7) & ~3;
                        unknownCount = keep(s, unknownCount, a);
                    }
                    break;
                case IFLA_STATS:
                case IFLA_STATS64:
                case IFLA_AF_SPEC:
                    break;
                default:
                    unknownBytes += (a.payloadLength() + 7) & ~3;
                    unknownCount = keep(s, unknownCount, a);
                    break;
            }
        }
        if (name == null) {
            throw new io.netkit.netlink.codec.MalformedMessageException("RTM_NEWLINK without IFLA_IFNAME", m.offset());
        }
        RawAttributes unknown = RawAttributes.EMPTY;
        if (unknownCount > 0) {
            byte[] raw = new byte[unknownBytes];
            int pos = 0;
            java.nio.ByteBuffer buf = m.buffer();
            for (int i = 0; i < unknownCount; i++) {
                int off = s.unknown[2 * i];
                int len = s.unknown[2 * i + 1];
                buf.get(off, raw, pos, len);
                int alignedLen = (len + 3) & ~3;
                // the padding of a message's last attribute may be missing; it stays zero in the copy
                pos += alignedLen;
            }
            unknown = RawAttributes.wrap(raw);
        }
        return new Link(index, name, kind, flags, mtu, mac, master, alias, group, netnsId, link, OperState.of(oper),
                txq, type, unknown, linkInfo);
    }

    /**
     * Records the current attribute as raw bytes to keep: as a new range, or by extending the previous range when
     * it ends right where this attribute starts (most unknown attributes are adjacent, so few copies are needed).
     *
     * @return the number of ranges
     */
    private static int keep(Scratch s, int ranges, NlAttrReader a) {
        int off = a.offset();
        int len = a.payloadLength() + 4;
        if (ranges > 0) {
            int last = 2 * (ranges - 1);
            if (s.unknown[last] + ((s.unknown[last + 1] + 3) & ~3) == off) {
                s.unknown[last + 1] = ((s.unknown[last + 1] + 3) & ~3) + len;
                return ranges;
            }
        }
        if (2 * ranges + 2 > s.unknown.length) {
            s.unknown = java.util.Arrays.copyOf(s.unknown, s.unknown.length * 2);
        }
        s.unknown[2 * ranges] = off;
        s.unknown[2 * ranges + 1] = len;
        return ranges + 1;
    }

    /** The NUL-terminated UTF-8 payload as a String, copied once (through a per-thread scratch array). */
    private static String string(NlAttrReader a, Scratch s) {
        java.nio.ByteBuffer buf = a.buffer();
        int p = a.payloadOffset();
        int n = a.payloadLength();
        int len = 0;
        while (len < n && buf.get(p + len) != 0) {
            len++;
        }
        if (s.text.length < len) {
            s.text = new byte[Math.max(len, 2 * s.text.length)];
        }
        buf.get(p, s.text, 0, len);
        return new String(s.text, 0, len, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The kind string, without allocating for the kinds the kernel commonly reports. */
    private static String kindString(NlAttrReader a) {
        java.nio.ByteBuffer buf = a.buffer();
        int p = a.payloadOffset();
        int n = a.payloadLength();
        while (n > 0 && buf.get(p + n - 1) == 0) {
            n--;
        }
        outer:
        for (String k : KNOWN_KINDS) {
            if (k.length() != n) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (buf.get(p + i) != k.charAt(i)) {
                    continue outer;
                }
            }
            return k;
        }
        return string(a, SCRATCH.get());
    }
}
