/**
 * The netlink wire format: {@link io.netkit.netlink.codec.NlMsgWriter} appends messages and (nested)
 * attributes to a reusable native-order buffer; {@link io.netkit.netlink.codec.NlMsgReader} and
 * {@link io.netkit.netlink.codec.NlAttrReader} walk received messages as bounded views that check every
 * length and throw {@link io.netkit.netlink.codec.MalformedMessageException} for bad input. The
 * {@code *Constants} classes carry the kernel's names and values from the uapi headers they cite.
 *
 * <p>This package knows nothing about sockets or namespaces; {@code io.netkit.netlink.NetlinkSocket} uses it.
 */
package io.netkit.netlink.codec;
