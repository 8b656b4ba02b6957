package io.netkit.netlink;

import static io.netkit.netlink.LinkFailures.notFound;
import static io.netkit.netlink.LinkFailures.translate;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_ADDRESS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_EXT_MASK;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_GROUP;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFALIAS;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_IFNAME;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MASTER;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_MTU;
import static io.netkit.netlink.codec.IfLinkConstants.IFLA_NET_NS_FD;
import static io.netkit.netlink.codec.IfLinkConstants.IFF_UP;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_CREATE;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_ECHO;
import static io.netkit.netlink.codec.NetlinkConstants.NLM_F_EXCL;
import static io.netkit.netlink.codec.RtnetlinkConstants.AF_UNSPEC;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTEXT_FILTER_SKIP_STATS;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_DELLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_GETLINK;
import static io.netkit.netlink.codec.RtnetlinkConstants.RTM_NEWLINK;

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
        LinkEncoder.checkHairpin(f);
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
     * kernel without an echo). The alias (the kernel ignores one on creation), addressed by the echoed index, and a
     * same-namespace peer's "up" (looked up first, as {@link #setUp} does) follow only once the link exists: sent
     * along with the create, they would change an existing link of that name when the create fails with {@code EEXIST}. The kernel echoes
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
        try {
            if (f.alias != null || f.hairpin) {
                rt.socket().execute(LinkEncoder.followUpWhat(f), f.name, RTM_NEWLINK, 0, w -> {
                    w.ifInfoMsg(AF_UNSPEC, 0, index, 0, 0);
                    if (index == 0) {
                        w.attrString(IFLA_IFNAME, f.name);
                    }
                    LinkEncoder.writeFollowUp(w, f);
                });
            }
            if (peerHere) {   // looked up first, as setUp does
                rt.socket().executeAfterLookup("set link up", f.peerName, f.peerName, RTM_NEWLINK, 0, w -> {
                    w.ifInfoMsg(AF_UNSPEC, 0, 0, IFF_UP, IFF_UP);
                    w.attrString(IFLA_IFNAME, f.peerName);
                });
            }
        } catch (NetlinkException e) {
            throw translate(e, spec);
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
            LinkEncoder.checkHairpin(spec.f);
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
        LinkFailures.runBatch(batch, batched, specs, failed);

        // follow-ups, only for links that now exist
        List<Integer> followed = new ArrayList<>();
        List<Runnable> elsewhere = new ArrayList<>();
        List<Integer> elsewhereOf = new ArrayList<>();
        for (int i : batched) {
            if (failed[i] != null) {
                continue;
            }
            LinkSpec.Fields f = specs.get(i).f;
            if (f.alias != null || f.hairpin) {
                if (f.namespace == null) {
                    batch.add(LinkEncoder.followUpWhat(f), f.name, RTM_NEWLINK, 0, w -> {
                        w.ifInfoMsg(AF_UNSPEC, 0, 0, 0, 0);
                        w.attrString(IFLA_IFNAME, f.name);
                        LinkEncoder.writeFollowUp(w, f);
                    });
                    followed.add(i);
                } else {
                    elsewhere.add(() -> f.namespace.netlink().links().followUp(f));
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
        LinkFailures.runBatch(batch, followed, specs, failed);
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
        LinkFailures.throwIfAny(failed);
    }

    private int index(Map<String, Integer> cache, String name) {
        Integer i = cache.get(name);
        if (i == null) {
            i = index(name);
            cache.put(name, i);
        }
        return i;
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
        LinkEncoder.writeCreate(w, spec, masterIndex, parentIndex, deviceIndex);
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
            set("create link", f.name, f.up ? IFF_UP : 0, f.up ? IFF_UP : 0, w -> LinkEncoder.writeCommon(w, f, master));
        }
        if (f.alias != null || f.hairpin) {
            followUp(f);
        }
    }

    /** The alias and/or hairpin mode the kernel ignores on creation, in one request. */
    private void followUp(LinkSpec.Fields f) {
        set(LinkEncoder.followUpWhat(f), f.name, 0, 0, w -> LinkEncoder.writeFollowUp(w, f));
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

    /** Sets the link administratively up (looked up first, as {@code ip} does: see {@link #set}). Equivalent to: {@code ip link set NAME up}. */
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
     * Plugs the link into bridge {@code masterIndex} in ONE request: master, link group, alias, up (the reverse of
     * {@link #unplug}). Equivalent to: {@code ip link set NAME master BR group G alias TEXT up}.
     *
     * @throws LinkNotFoundException if there is no such link
     */
    public void plug(String name, int masterIndex, int group, String alias) {
        LinkSpec.checkAlias(alias);
        set("plug link", name, IFF_UP, IFF_UP, w -> {
            w.attrU32(IFLA_MASTER, masterIndex);
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
        set("set bridge port hairpin " + (on ? "on" : "off"), name, 0, 0, w -> LinkEncoder.writeHairpin(w, on));
    }

    /**
     * Sets the alias (as {@link #setAlias}) and the bridge port's hairpin mode (as {@link #setHairpin}) in ONE
     * request (the kernel sets the port's mode first: a refused mode leaves the alias as it was). Equivalent to: {@code ip link set NAME alias TEXT type bridge_slave hairpin
     * on|off}.
     *
     * @throws NetlinkException (for example {@code EOPNOTSUPP}) if the link is not a bridge port
     */
    public void setAliasAndHairpin(String name, String alias, boolean hairpin) {
        LinkSpec.checkAlias(alias);
        set("set link alias and bridge port hairpin " + (hairpin ? "on" : "off"), name, 0, 0, w -> {
            w.attrString(IFLA_IFALIAS, alias);
            LinkEncoder.writeHairpin(w, hairpin);
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

    /**
     * One change of the link {@code name}. A change that brings it up is preceded by a lookup of the link
     * ({@link NetlinkSocket#executeAfterLookup}): the kernel then sets up IPv6 on a just-made link in its link-watch
     * worker, as it does for {@code ip}, not inside this call.
     */
    private void set(String operation, String name, int flags, int change, Consumer<NlMsgWriter> attrs) {
        InterfaceNames.validateExisting(name);
        Consumer<NlMsgWriter> body = w -> {
            w.ifInfoMsg(AF_UNSPEC, 0, 0, flags, change);
            w.attrString(IFLA_IFNAME, name);
            if (attrs != null) {
                attrs.accept(w);
            }
        };
        try {
            if ((flags & IFF_UP) != 0) {
                rt.socket().executeAfterLookup(operation, name, name, RTM_NEWLINK, 0, body);
            } else {
                rt.socket().execute(operation, name, RTM_NEWLINK, 0, body);
            }
        } catch (NetlinkException e) {
            throw notFound(e);
        }
    }
    // ---------------------------------------------------------------- decode

    /**
     * Decodes the {@code RTM_NEWLINK} message {@code m} is positioned on (a reply or one message of a dump); unknown
     * attributes are kept raw in {@link Link#unknown()}, statistics and per-protocol state skipped.
     *
     * @throws io.netkit.netlink.codec.MalformedMessageException if the message is malformed
     */
    public static Link decode(NlMsgReader m) {
        return LinkDecoder.decode(m);
    }
}
