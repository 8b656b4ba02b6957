package io.netkit.netlink;

/**
 * Receives the events of an {@link RtWatch}, one at a time, on the watch's own thread, in kernel order. It should
 * return soon: while it runs, notifications queue in the socket's receive buffer, and when that overflows the watch
 * delivers an {@link RtEvent.Resynced}. An exception it throws is logged and the watch goes on.
 */
@FunctionalInterface
public interface RtListener {
    /** Called for every event. */
    void onEvent(RtEvent event);
}
