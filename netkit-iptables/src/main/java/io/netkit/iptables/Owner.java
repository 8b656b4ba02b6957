package io.netkit.iptables;

import io.netkit.iptables.internal.Validation;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Who a set of rules belongs to (a network, an endpoint). Ownership is written into the kernel's own state so
 * it can be proven and garbage-collected later by any process:
 * <ul>
 *   <li>every rule carries the comment {@code "netkit:ID"} (optionally followed by a blank and a note);</li>
 *   <li>every chain is named {@code NETKIT-TAG-HASH} where HASH is 8 hex digits of SHA-256(ID), so even an
 *       empty chain can be attributed.</li>
 * </ul>
 * <pre>{@code
 * Owner o = Owner.of("mynet");
 * o.comment()          // "netkit:mynet"
 * o.chain("POST")      // "NETKIT-POST-" + 8 hex digits, at most 28 characters
 * }</pre>
 *
 * @param id 1..64 characters: letters, digits and {@code _ . : / = @ + -}
 */
public record Owner(String id) {
    /** Comment prefix of every rule netkit writes. */
    public static final String COMMENT_PREFIX = "netkit:";
    /** Prefix of every chain netkit creates. */
    public static final String CHAIN_PREFIX = "NETKIT-";
    /** Longest chain tag: 28 - "NETKIT-".length() - "-".length() - 8. */
    public static final int MAX_TAG = 12;

    public Owner {
        Validation.requireNonNull("owner id", id);
        if (id.isEmpty() || id.length() > 64) {
            throw new IllegalArgumentException("owner id \"" + Validation.printable(id) + "\" must be 1..64 characters");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "_.:/=@+".indexOf(c) >= 0 || (c == '-' && i > 0);
            if (!ok) {
                throw new IllegalArgumentException("owner id \"" + Validation.printable(id) + "\" contains '"
                        + Validation.printable(String.valueOf(c)) + "' at index " + i
                        + ": allowed are letters, digits and _ . : / = @ + - (not first)");
            }
        }
    }

    /** The owner called {@code id}. */
    public static Owner of(String id) {
        return new Owner(id);
    }

    /** The ownership comment: {@code "netkit:ID"}. */
    public String comment() {
        return COMMENT_PREFIX + id;
    }

    /** 8 lower-case hex digits of SHA-256(id): the suffix of this owner's chain names. */
    public String hash() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4; i++) {   // not String.format: its Formatter costs a fresh JVM's first create
                sb.append(Character.forDigit((d[i] >> 4) & 0xf, 16)).append(Character.forDigit(d[i] & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The name of this owner's chain for {@code tag}: {@code NETKIT-TAG-HASH} (at most 28 characters).
     *
     * @param tag 1..12 characters: letters, digits, '_'
     */
    public String chain(String tag) {
        Validation.requireNonNull("chain tag", tag);
        if (!tag.matches("[A-Za-z0-9_]{1," + MAX_TAG + "}")) {
            throw new IllegalArgumentException("chain tag \"" + Validation.printable(tag) + "\" must be 1.." + MAX_TAG
                    + " letters, digits or '_'");
        }
        return CHAIN_PREFIX + tag + "-" + hash();
    }

    /** Whether {@code chain} is named like one of this owner's chains ({@code NETKIT-*-HASH}). */
    public boolean ownsChain(String chain) {
        return chain.startsWith(CHAIN_PREFIX) && chain.endsWith("-" + hash())
                && chain.length() > CHAIN_PREFIX.length() + 9;
    }

    /** The owner named by a rule comment {@code "netkit:ID[ NOTE]"}, if it is one. */
    public static Optional<Owner> fromComment(String comment) {
        if (comment == null || !comment.startsWith(COMMENT_PREFIX)) return Optional.empty();
        int end = comment.indexOf(' ');
        String id = comment.substring(COMMENT_PREFIX.length(), end < 0 ? comment.length() : end);
        try {
            return Optional.of(new Owner(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    // equals and hashCode written out: a record's generated ones bootstrap ObjectMethods (invokedynamic) at first
    // use, method-handle spinning in a fresh JVM's first create.
    @Override
    public boolean equals(Object o) {
        return o instanceof Owner other && id.equals(other.id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
    }
}
