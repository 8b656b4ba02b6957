package io.netkit.examples;

import io.netkit.core.Sandbox;
import io.netkit.iptables.CommandRunner;
import io.netkit.iptables.Iptables;
import io.netkit.iptables.Owner;
import io.netkit.iptables.Ruleset;
import io.netkit.netlink.Link;
import io.netkit.netlink.NetNamespace;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's use of netkit's {@link Sandbox}: a namespace that plays the host and another that plays the
 * internet, joined by the host's uplink (203.0.113.2 on the host, 203.0.113.1 on the internet). Nothing of it
 * is in the machine's own namespace and no link leads there, so no packet can leave the machine.
 */
final class Sandboxes {

    private Sandboxes() {}

    /** Step: {@code Sandbox.create(prefix)}, narrated with its {@code ip} equivalent. */
    static Sandbox create(Narrator say, SandboxNames names, boolean keep) {
        String n = names.prefix() + "-xxxxxx";
        say.step("Create the sandbox: a \"host\" namespace (the machine the containers run on) and an \"internet\" behind its uplink",
                "ip netns add " + n + "-host; ip netns add " + n + "-inet",
                "ip -n " + n + "-host link add uplink0 type veth peer name eth0 netns " + n + "-inet",
                "ip -n " + n + "-inet addr add 203.0.113.1/24 dev eth0; ip -n " + n + "-inet link set eth0 up",
                "ip -n " + n + "-host addr add 203.0.113.2/24 dev uplink0; ip -n " + n + "-host link set uplink0 up",
                "ip -n " + n + "-host route add default via 203.0.113.1");
        Sandbox sandbox = Sandbox.create(names.prefix());
        if (keep) sandbox.keep();
        say.madeNamespace(sandbox.name("host"));
        say.madeNamespace(sandbox.name("inet"));
        say.fact("sandbox", sandbox.name());
        say.fact("uplink", sandbox.uplinkAddress().getHostAddress());
        say.result("xxxxxx = " + sandbox.name().substring(names.prefix().length() + 1) + ": host " + sandbox.name("host")
                + " (uplink0 " + sandbox.uplinkAddress().getHostAddress() + "/24), internet " + sandbox.name("inet")
                + " (eth0 " + sandbox.internetAddress().getHostAddress() + "/24)");
        return sandbox;
    }

    /** The host's links other than the sandbox's own ({@code lo}, the uplink): what a network put there. */
    static List<String> netkitLinks(Sandbox sandbox) {
        List<String> left = new ArrayList<>();
        for (Link l : sandbox.hostNamespace().netlink().links().list()) {
            if (!l.name().equals("lo") && !l.name().equals(Sandbox.UPLINK)) left.add(l.name());
        }
        return left;
    }

    /**
     * netkit's rules in {@code ns} whichever backend holds them: read back with netkit-iptables ({@code iptables-save},
     * parsed, and cut down to the chains and rules whose comments name a netkit owner) in {@code iptables-save} form,
     * then the native ones ({@link #nftRules}). Empty when there are none (or neither tool is installed).
     */
    static String netkitRules(NetNamespace ns) {
        return (iptablesRules(ns) + "\n" + nftRules(ns, l -> true)).strip();
    }

    /**
     * netkit's native rules in {@code ns}: the rule lines of {@code nft list table inet netkit} (each commented
     * {@code netkit:BRIDGE@ID ...}) passing {@code which}; "" without the table or the {@code nft} command.
     */
    static String nftRules(NetNamespace ns, java.util.function.Predicate<String> which) {
        if (new Preflight.SystemProbes().findCommand("nft").isEmpty()) return "";
        try {
            Process p = ns.start(new ProcessBuilder("nft", "list", "table", "inet", "netkit")
                    .redirectError(ProcessBuilder.Redirect.DISCARD));
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) return "";
            // "chain NAME" then its netkit rules, indented: only chains holding one (a base chain's hook line dropped).
            StringBuilder sb = new StringBuilder();
            String chain = null;
            for (String l : out.lines().map(String::strip).toList()) {
                if (l.startsWith("chain ")) {
                    chain = l.substring(6, l.length() - (l.endsWith("{") ? 1 : 0)).strip();
                } else if (l.contains("comment \"netkit:") && which.test(l)) {
                    if (chain != null) {
                        sb.append("chain ").append(chain).append('\n');
                        chain = null;
                    }
                    sb.append("  ").append(l).append('\n');
                }
            }
            return sb.toString().strip();
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String iptablesRules(NetNamespace ns) {
        if (new Preflight.SystemProbes().findCommand("iptables-save").isEmpty()) return "";
        Iptables iptables = Iptables.builder().runner(CommandRunner.starting(ns::start)).build();
        Ruleset all = iptables.read();
        StringBuilder sb = new StringBuilder();
        for (Owner owner : all.owners()) {
            sb.append(all.ownedBy(owner).render());
        }
        return sb.toString().strip();
    }

    /** netkit's IPv6 rules in {@code ns} ({@code ip6tables-save}, netkit's owners only), or "" without ip6tables. */
    static String netkitRules6(NetNamespace ns) {
        return (iptablesRules6(ns) + "\n" + nftRules(ns, l -> l.contains("ip6 "))).strip();
    }

    private static String iptablesRules6(NetNamespace ns) {
        if (new Preflight.SystemProbes().findCommand("ip6tables-save").isEmpty()) return "";
        Iptables iptables = Iptables.builder().runner(CommandRunner.starting(ns::start))
                .family(io.netkit.iptables.Family.IPV6).build();
        Ruleset all = iptables.read();
        StringBuilder sb = new StringBuilder();
        for (Owner owner : all.owners()) {
            sb.append(all.ownedBy(owner).render());
        }
        return sb.toString().strip();
    }

    /** Step: closes the sandbox and checks that none of the demo's namespaces is left. */
    static void remove(Narrator say, Sandbox sandbox, SandboxNames names) {
        say.step("Remove the sandbox: the host and the internet namespaces, and with them the uplink",
                "ip netns del " + sandbox.name("host") + "; ip netns del " + sandbox.name("inet"));
        sandbox.close();
        List<String> left = names.presentIn(NetNamespace.list());
        say.result(left.isEmpty() ? "no namespace of the demo is left (ip netns list)" : "still there: " + left);
        say.verify("nothing left: no namespace named " + names.prefix() + "-* remains", left.isEmpty(), String.join(", ", left));
    }

    /**
     * Removes what a demo run with this prefix left (a kept or interrupted run): each sandbox through
     * {@link Sandbox#remove(String)} (its networks, then its namespaces), then any other namespace of the demo.
     * Returns the namespaces that were there.
     */
    static List<String> removeLeftovers(SandboxNames names) {
        List<String> before = names.presentIn(NetNamespace.list());
        for (String sandbox : Sandbox.list()) {
            if (names.owns(sandbox)) Sandbox.remove(sandbox);
        }
        for (String ns : names.presentIn(NetNamespace.list())) {
            try {
                NetNamespace.delete(ns);
            } catch (RuntimeException e) {
                if (NetNamespace.exists(ns)) throw e;
            }
        }
        return before;
    }
}
