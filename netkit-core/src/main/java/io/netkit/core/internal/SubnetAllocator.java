package io.netkit.core.internal;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Which addresses of one IPv4 subnet are allocated (by offset from the network address) and which namespaces (by
 * inode) hold them, keyed by the host-side interface of each endpoint. Pure bookkeeping: no kernel access, no locking
 * (the caller holds the network's lock). The network and broadcast addresses and the gateway are never handed out.
 * The subnet is validated before it gets here (prefix length 8..30), so the bitmap is at most 2^24 bits.
 *
 * <p>Not for use outside netkit.
 */
public final class SubnetAllocator {
    private final int base;
    private final int size;
    private int capacity;
    private int first = 1;            // the allocation range (CNI rangeStart/rangeEnd): offsets first..last
    private int last;
    private final BitSet used = new BitSet();
    private final Map<Long, String> inodes = new HashMap<>();
    private final Map<String, Integer> byInterface = new HashMap<>();
    private final Map<String, Long> inodeByInterface = new HashMap<>();

    /**
     * @param base          the subnet's network address as an int
     * @param prefixLength  8..30
     * @param gatewayOffset the gateway's offset, reserved
     */
    public SubnetAllocator(int base, int prefixLength, int gatewayOffset) {
        if (prefixLength < 8 || prefixLength > 30) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 8..30");
        }
        this.base = base;
        this.size = 1 << (32 - prefixLength);
        this.capacity = size - 3;
        this.last = size - 2;
        this.gatewayOffset = gatewayOffset;
        used.set(0);
        used.set(size - 1);
        used.set(gatewayOffset);
    }

    private final int gatewayOffset;

    /** Confines {@link #firstFree()} to offsets {@code first..last} (both host offsets of the subnet). */
    public void limit(int first, int last) {
        if (!inRange(first) || !inRange(last) || first > last) {
            throw new IllegalArgumentException("range " + first + ".." + last + " outside the subnet's host range");
        }
        this.first = first;
        this.last = last;
        this.capacity = last - first + 1 - (gatewayOffset >= first && gatewayOffset <= last ? 1 : 0);
    }

    /** The network address as an int. */
    public int base() {
        return base;
    }

    /** Number of addresses endpoints can get (without network, broadcast and gateway; within the range if limited). */
    public int capacity() {
        return capacity;
    }

    /** Whether {@code offset} is a usable host offset of the subnet (not network or broadcast). */
    public boolean inRange(int offset) {
        return offset > 0 && offset < size - 1;
    }

    /** The lowest free offset of the allocation range, or -1 if it is exhausted. */
    public int firstFree() {
        int off = used.nextClearBit(first);
        return off <= last ? off : -1;
    }

    /** Whether {@code offset} is taken (or reserved). */
    public boolean isUsed(int offset) {
        return used.get(offset);
    }

    /** The host interface of the endpoint holding namespace {@code inode}, or {@code null}. */
    public String holderOf(long inode) {
        return inodes.get(inode);
    }

    /** Whether {@code hostIf} holds an address here. */
    public boolean holds(String hostIf) {
        return byInterface.containsKey(hostIf);
    }

    /** Records that {@code hostIf} (namespace {@code inode}, 0 if unknown) holds {@code offset}. */
    public void allocate(int offset, String hostIf, long inode) {
        if (!inRange(offset)) {
            throw new IllegalArgumentException("offset " + offset + " outside the subnet's host range");
        }
        used.set(offset);
        byInterface.put(hostIf, offset);
        if (inode != 0) {
            inodes.put(inode, hostIf);
            inodeByInterface.put(hostIf, inode);
        }
    }

    /** Frees what {@code hostIf} held. */
    public void release(String hostIf) {
        Integer off = byInterface.remove(hostIf);
        if (off != null && !byInterface.containsValue(off)) {
            used.clear(off);
        }
        Long ino = inodeByInterface.remove(hostIf);
        if (ino != null) {
            inodes.remove(ino, hostIf);
        }
    }
}
