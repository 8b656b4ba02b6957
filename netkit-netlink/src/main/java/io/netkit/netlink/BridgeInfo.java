package io.netkit.netlink;

/**
 * The settings of a bridge ({@code ip -d link show BR} prints {@code bridge forward_delay 1500 hello_time 200
 * max_age 2000 ageing_time 30000 stp_state 0 priority 32768 vlan_filtering 0 ...}). Times are in hundredths of
 * a second, as {@code ip} prints and takes them.
 *
 * @param forwardDelay {@code IFLA_BR_FORWARD_DELAY}
 * @param helloTime {@code IFLA_BR_HELLO_TIME}
 * @param maxAge {@code IFLA_BR_MAX_AGE}
 * @param ageingTime {@code IFLA_BR_AGEING_TIME}: how long learned FDB entries live
 * @param stpState {@code IFLA_BR_STP_STATE}: 0 off, 1 kernel STP, 2 user-space STP
 * @param priority {@code IFLA_BR_PRIORITY}
 * @param vlanFiltering {@code IFLA_BR_VLAN_FILTERING}
 * @param vlanProtocol {@code IFLA_BR_VLAN_PROTOCOL}: 0x8100 (802.1Q) or 0x88a8 (802.1ad); 0 when the kernel did
 *     not say
 * @param defaultPvid {@code IFLA_BR_VLAN_DEFAULT_PVID}, 0 when the kernel did not say
 * @param multicastSnooping {@code IFLA_BR_MCAST_SNOOPING}
 */
public record BridgeInfo(long forwardDelay, long helloTime, long maxAge, long ageingTime, int stpState, int priority,
                         boolean vlanFiltering, int vlanProtocol, int defaultPvid, boolean multicastSnooping)
        implements LinkInfo {
    /** "bridge". */
    @Override
    public String kind() {
        return "bridge";
    }

    /** True when STP runs ({@code stp_state} 1 or 2). */
    public boolean stp() {
        return stpState != 0;
    }
}
