package io.netkit.netlink.codec;

/**
 * A netlink message or attribute that does not fit its buffer or declares an impossible length.
 * The decoder throws this for every kind of bad input; it never reads out of bounds and never loops.
 */
public class MalformedMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * @param message what was wrong
     * @param offset byte offset in the received buffer where the bad header or value starts
     */
    public MalformedMessageException(String message, int offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    /** Byte offset in the received buffer where the bad header or value starts. */
    public int offset() {
        return offset;
    }
}
