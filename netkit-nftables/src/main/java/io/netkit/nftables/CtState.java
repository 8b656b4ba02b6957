package io.netkit.nftables;

/** Connection-tracking states of {@code ct state} (bits of the kernel's {@code NF_CT_STATE_*} mask). */
public enum CtState {
    /** {@code invalid} */
    INVALID(1),
    /** {@code established} */
    ESTABLISHED(2),
    /** {@code related} */
    RELATED(4),
    /** {@code new} */
    NEW(8),
    /** {@code untracked} */
    UNTRACKED(64);

    private final int bit;

    CtState(int bit) {
        this.bit = bit;
    }

    /** The state's bit in the kernel's mask. */
    public int bit() {
        return bit;
    }
}
