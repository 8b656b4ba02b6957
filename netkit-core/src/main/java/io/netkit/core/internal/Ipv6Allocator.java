package io.netkit.core.internal;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which addresses of one IPv6 subnet are allocated, by offset from the network address, keyed by the host-side
 * interface of each endpoint: the IPv6 counterpart of {@link SubnetAllocator}. An IPv6 subnet (a /64 has 2^64
 * addresses) cannot be a bitmap, so the used offsets are a sorted set and the next free one is found by walking it
 * from offset 1 (the gaps a detach leaves are reused first, as in IPv4). Offset 0 (the subnet-router anycast address)
 * and the gateway are never handed out. Pure bookkeeping, under the caller's lock. Not for use outside netkit.
 */
public final class Ipv6Allocator {
    private final BigInteger size;
    private final TreeSet<BigInteger> used = new TreeSet<>();
    private BigInteger first = BigInteger.ONE; // the allocation range (CNI rangeStart/rangeEnd)
    private BigInteger last;
    private final Map<String, BigInteger> byInterface = new HashMap<>();
    private final Map<Long, String> inodes = new HashMap<>();
    private final Map<String, Long> inodeByInterface = new HashMap<>();

    /**
     * @param prefixLength  {@link Ipv6#MIN_PREFIX}..{@link Ipv6#MAX_PREFIX}
     * @param gatewayOffset the gateway's offset, reserved
     */
    public Ipv6Allocator(int prefixLength, BigInteger gatewayOffset) {
        if (prefixLength < Ipv6.MIN_PREFIX || prefixLength > Ipv6.MAX_PREFIX) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range " + Ipv6.MIN_PREFIX
                    + ".." + Ipv6.MAX_PREFIX);
        }
        this.size = BigInteger.ONE.shiftLeft(128 - prefixLength);
        this.last = size.subtract(BigInteger.ONE);
        used.add(BigInteger.ZERO);
        used.add(gatewayOffset);
    }

    /** Whether {@code offset} is a host offset of the subnet (not the anycast address 0). */
    public boolean inRange(BigInteger offset) {
        return offset.signum() > 0 && offset.compareTo(size) < 0;
    }

    /** Confines {@link #firstFree()} to offsets {@code first..last} (both host offsets of the subnet). */
    public void limit(BigInteger first, BigInteger last) {
        if (!inRange(first) || !inRange(last) || first.compareTo(last) > 0) {
            throw new IllegalArgumentException("range " + first + ".." + last + " outside the subnet's host range");
        }
        this.first = first;
        this.last = last;
    }

    /** The lowest free offset of the allocation range, or {@code null} if it is exhausted. */
    public BigInteger firstFree() {
        BigInteger next = first;
        for (BigInteger u : used.tailSet(first)) {
            if (u.compareTo(next) > 0) {
                break;
            }
            next = u.add(BigInteger.ONE);
        }
        return next.compareTo(last) <= 0 ? next : null;
    }

    /** Whether {@code offset} is taken (or reserved). */
    public boolean isUsed(BigInteger offset) {
        return used.contains(offset);
    }

    /** The host interface of the endpoint holding namespace {@code inode} (as given to the 3-argument allocate), or null. */
    public String holderOf(long inode) {
        return inodes.get(inode);
    }

    /** Records that {@code hostIf} (namespace {@code inode}) holds {@code offset}: an IPv6-only network's bookkeeping. */
    public void allocate(BigInteger offset, String hostIf, long inode) {
        allocate(offset, hostIf);
        if (inode != 0) {
            inodes.put(inode, hostIf);
            inodeByInterface.put(hostIf, inode);
        }
    }

    /** Records that {@code hostIf} holds {@code offset}. */
    public void allocate(BigInteger offset, String hostIf) {
        if (!inRange(offset)) {
            throw new IllegalArgumentException("offset " + offset + " outside the subnet's host range");
        }
        used.add(offset);
        byInterface.put(hostIf, offset);
    }

    /** Frees what {@code hostIf} held. */
    public void release(String hostIf) {
        BigInteger off = byInterface.remove(hostIf);
        if (off != null && !byInterface.containsValue(off)) {
            used.remove(off);
        }
        Long ino = inodeByInterface.remove(hostIf);
        if (ino != null) {
            inodes.remove(ino, hostIf);
        }
    }
}
