package io.netkit.examples;

/** One example program: builds its network in the sandbox, shows and verifies it, and tears it down. */
interface Walkthrough {

    /**
     * Runs the example. Every namespace it makes is one of {@code names}; unless {@code keep}, it removes
     * everything it made before it returns, also when a step fails.
     */
    void run(Narrator say, SandboxNames names, boolean keep) throws Exception;
}
