package io.netkit.examples;

/** Small helpers the example mains share. */
final class Examples {

    private Examples() {}

    /** {@code first} followed by {@code rest}: an example's main passes its own name on to {@link Main}. */
    static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
