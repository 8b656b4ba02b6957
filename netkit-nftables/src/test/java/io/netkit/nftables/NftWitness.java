package io.netkit.nftables;

import io.netkit.testing.Cmd;
import io.netkit.testing.IpJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code nft -j} in a test namespace, parsed: the independent witness of what the kernel holds. */
final class NftWitness {
    private NftWitness() {}

    /** {@code ip netns exec NS nft -j list ruleset}: the "nftables" array's objects. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> ruleset(String ns) {
        String out = Cmd.run("ip", "netns", "exec", ns, "nft", "-j", "list", "ruleset").strip();
        Map<String, Object> root = (Map<String, Object>) IpJson.parse(out);
        return (List<Map<String, Object>>) root.get("nftables");
    }

    /** {@code ip netns exec NS nft -j list table FAMILY NAME}. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> table(String ns, Table t) {
        String out = Cmd.run("ip", "netns", "exec", ns, "nft", "-j", "list", "table", t.family().nftName(), t.name()).strip();
        Map<String, Object> root = (Map<String, Object>) IpJson.parse(out);
        return (List<Map<String, Object>>) root.get("nftables");
    }

    /** The objects of one kind ("chain", "rule", "set", "map", "table", "metainfo") in a listing. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> of(List<Map<String, Object>> listing, String kind) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> o : listing) {
            if (o.containsKey(kind)) {
                out.add((Map<String, Object>) o.get(kind));
            }
        }
        return out;
    }

    /** {@code nft -f -} in the namespace with {@code script} on stdin. */
    static Cmd.Result apply(String ns, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, "nft", "-f", "-");
        Process p = pb.start();
        try (var out = p.getOutputStream()) {
            out.write(script.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String stdout = new String(p.getInputStream().readAllBytes());
        String stderr = new String(p.getErrorStream().readAllBytes());
        return new Cmd.Result(p.waitFor(), stdout, stderr);
    }
}
