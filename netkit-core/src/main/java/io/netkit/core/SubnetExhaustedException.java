package io.netkit.core;

/**
 * Every usable address of a network's subnet is allocated (the network address, the broadcast address and the
 * gateway are never handed out). Detach an endpoint, or create the network with a larger subnet.
 */
public final class SubnetExhaustedException extends NetkitException {
    /** Serialization version. */
    private static final long serialVersionUID = 1L;

    SubnetExhaustedException(String operation, String message) {
        super(operation, message);
    }
}
