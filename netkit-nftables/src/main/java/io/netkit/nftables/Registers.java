package io.netkit.nftables;

/** Register numbers as the kernel accepts them: 0 (verdict), 1..4 (16-byte), 8..23 (4-byte). */
final class Registers {
    private Registers() {}

    static void check(String what, int reg) {
        if (reg < 0 || reg > 23 || (reg > 4 && reg < 8)) {
            throw new IllegalArgumentException(what + " register " + reg + " invalid: use 0..4 or 8..23");
        }
    }
}
