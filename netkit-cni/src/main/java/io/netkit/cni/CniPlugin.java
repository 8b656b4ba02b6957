package io.netkit.cni;

import com.google.gson.JsonObject;
import io.netkit.cni.internal.Attachments;
import io.netkit.cni.internal.Json;
import io.netkit.cni.internal.NetConf;
import io.netkit.cni.internal.Results;
import io.netkit.core.Host;
import io.netkit.core.NetkitException;
import io.netkit.netlink.InterfaceNames;
import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.NetlinkException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CNI plugin of type {@code netkit}: executes one CNI request (the {@code CNI_*} environment and the network
 * configuration from stdin) on netkit {@code Network}s of the caller's host namespace, and answers with the spec's
 * JSON and exit code. ADD attaches the container's namespace ({@code CNI_NETNS}) to the network's bridge
 * (created on first use: {@code Network.bridge(bridge).subnet(..)[.masquerade()].create()}), DEL detaches it, CHECK
 * compares the kernel with {@code prevResult}, GC detaches attachments not in {@code cni.dev/valid-attachments},
 * STATUS says whether ADD can succeed, VERSION lists the versions.
 *
 * <pre>{@code
 * CniPlugin plugin = new CniPlugin();
 * CniPlugin.Response r = plugin.execute(new CniPlugin.Request(System.getenv(), stdin, NetNamespace.current(), Path.of("/")));
 * System.out.print(r.stdout());          // {"cniVersion":"1.0.0","interfaces":[...],"ips":[...],"routes":[...]}
 * System.exit(r.exitCode());
 * }</pre>
 *
 * Host namespaces and their networks are cached by namespace inode between requests (the daemon's warm state) and
 * released after a minute without use. Thread-safe.
 */
public final class CniPlugin implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CniPlugin.class);
    private static final long IDLE_NANOS = 60_000_000_000L;

    private final Map<Long, HostEntry> hosts = new ConcurrentHashMap<>();
    private final boolean inProcess;

    /** A plugin for a long-running process (the daemon): DEL leaves the veth pair to netkit's background reaper. */
    public CniPlugin() {
        this(false);
    }

    /**
     * @param inProcess true for a process that serves one request and exits (the slow path): DEL deletes the veth pair
     *                  before answering, since the background reaper would not run
     */
    public CniPlugin(boolean inProcess) {
        this.inProcess = inProcess;
    }

    /**
     * One CNI request.
     *
     * @param env    the environment ({@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME},
     *               {@code CNI_ARGS}, {@code CNI_PATH}); other keys are ignored
     * @param stdin  the network configuration (JSON)
     * @param host   the namespace of the calling plugin process: the "host" side (ownership passes to the plugin)
     * @param root   the caller's root directory, through which {@code CNI_NETNS} is resolved ({@code /} in-process,
     *               {@code /proc/PID/root} for a daemon's caller in another mount namespace)
     */
    public record Request(Map<String, String> env, byte[] stdin, NetNamespace host, Path root) {
        /** Checks for nulls. */
        public Request {
            Objects.requireNonNull(env, "env == null");
            Objects.requireNonNull(stdin, "stdin == null");
            Objects.requireNonNull(host, "host == null");
            Objects.requireNonNull(root, "root == null");
        }
    }

    /** The answer: what to print on stdout and the exit code (0 success, 1 error). */
    public record Response(int exitCode, String stdout) {
    }

    private static final class HostEntry {
        final NetNamespace ns;
        final Attachments attachments;
        volatile long lastUse = System.nanoTime();
        int inUse; // guarded by CniPlugin.hosts' compute

        HostEntry(NetNamespace ns, boolean inProcess) {
            this.ns = ns;
            this.attachments = new Attachments(Host.of(ns), inProcess);
        }
    }

    /** Executes a request; never throws (errors become the spec's error document). */
    public Response execute(Request req) {
        String cmd = req.env().getOrDefault("CNI_COMMAND", "");
        String version = "1.1.0";
        HostEntry entry = null;
        long t0 = System.nanoTime();
        try {
            String text = new String(req.stdin(), StandardCharsets.UTF_8);
            if (cmd.isEmpty()) {
                throw new CniException(CniException.INVALID_ENVIRONMENT, "required environment variable CNI_COMMAND is missing",
                        "set CNI_COMMAND to ADD, DEL, CHECK, GC, STATUS or VERSION");
            }
            if ("VERSION".equals(cmd)) {
                req.host().close();
                if (!text.isBlank()) {
                    JsonObject o = Json.parseObject(text, "VERSION request");
                    String v = NetConf.SUPPORTED.contains(str(o)) ? str(o) : "1.1.0";
                    return ok(Results.version(v));
                }
                return ok(Results.version("1.1.0"));
            }
            JsonObject conf = Json.parseObject(text, "network configuration");
            version = NetConf.version(conf, "1.1.0");
            NetConf c = NetConf.parse(conf);
            entry = acquire(req.host());
            Attachments a = entry.attachments;
            switch (cmd) {
                case "ADD" -> {
                    String id = need(req, "CNI_CONTAINERID");
                    String netns = need(req, "CNI_NETNS");
                    String ifname = ifname(req);
                    try (NetNamespace cns = openNetns(req, netns, true)) {
                        JsonObject result = a.add(c, id, ifname, netns, cns);
                        LOG.info("ADD {} {} on {}: {} in {} ms", id, ifname, c.bridge(), Json.write(result.get("ips")),
                                String.format("%.1f", (System.nanoTime() - t0) / 1e6));
                        return ok(result);
                    }
                }
                case "DEL" -> {
                    String id = need(req, "CNI_CONTAINERID");
                    String ifname = ifname(req);
                    a.del(c, id, ifname); // CNI_NETNS is not needed: the attachment is found from the host side
                    LOG.info("DEL {} {} on {} in {} ms", id, ifname, c.bridge(), String.format("%.1f", (System.nanoTime() - t0) / 1e6));
                    return new Response(0, "");
                }
                case "CHECK" -> {
                    String id = need(req, "CNI_CONTAINERID");
                    String netns = need(req, "CNI_NETNS");
                    String ifname = ifname(req);
                    try (NetNamespace cns = openNetns(req, netns, true)) {
                        a.check(c, id, ifname, cns);
                    }
                    return new Response(0, "");
                }
                case "GC" -> {
                    List<String> removed = a.gc(c);
                    LOG.info("GC on {}: removed {}", c.bridge(), removed);
                    return new Response(0, "");
                }
                case "STATUS" -> {
                    a.status(c);
                    return new Response(0, "");
                }
                default -> throw new CniException(CniException.INVALID_ENVIRONMENT, "unknown CNI_COMMAND \"" + cmd + "\"",
                        "use ADD, DEL, CHECK, GC, STATUS or VERSION");
            }
        } catch (CniException e) {
            return error(version, cmd, e.code(), e.getMessage(), e.details(), e);
        } catch (io.netkit.core.SubnetExhaustedException e) {
            return error(version, cmd, CniException.SUBNET_EXHAUSTED, e.getMessage(), "remove containers or use a larger subnet", e);
        } catch (IllegalArgumentException e) {
            return error(version, cmd, CniException.INVALID_NETWORK_CONFIG, e.getMessage(),
                    "the request conflicts with the network's state (see msg); change the runtime configuration", e);
        } catch (NetkitException | NetlinkException e) {
            NetlinkException nl = netlinkCause(e);
            int code = nl != null && ("EAGAIN".equals(nl.errnoName()) || "EBUSY".equals(nl.errnoName()))
                    ? CniException.TRY_AGAIN_LATER : CniException.INTERNAL;
            return error(version, cmd, code, e.getMessage(), "nothing was left half-made; see the netkit log for the kernel's answer", e);
        } catch (RuntimeException e) {
            return error(version, cmd, CniException.INTERNAL, e.toString(), "a bug in netkit-cni: please report it with the log", e);
        } finally {
            if (entry != null) {
                release(entry);
            } else if (!"VERSION".equals(cmd)) {
                req.host().close();
            }
        }
    }

    private static String str(JsonObject o) {
        return o.has("cniVersion") && o.get("cniVersion").isJsonPrimitive() ? o.get("cniVersion").getAsString() : "";
    }

    private static NetlinkException netlinkCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NetlinkException n) {
                return n;
            }
        }
        return null;
    }

    private static String need(Request req, String key) {
        String v = req.env().get(key);
        if (v == null || v.isEmpty()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "required environment variable " + key + " is missing",
                    "the runtime must set " + key + " for CNI_COMMAND=" + req.env().get("CNI_COMMAND"));
        }
        return v;
    }

    private static String ifname(Request req) {
        String v = need(req, "CNI_IFNAME");
        try {
            return InterfaceNames.validate(v);
        } catch (IllegalArgumentException e) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "CNI_IFNAME \"" + v + "\" is not a valid interface name",
                    e.getMessage());
        }
    }

    /**
     * Opens {@code CNI_NETNS} as the caller sees it: through its root directory, or by the plain path when that is the
     * same namespace (so the endpoint's record carries the path every process can open).
     */
    private static NetNamespace openNetns(Request req, String path, boolean required) {
        Path p = Path.of(path);
        if (!p.isAbsolute()) {
            throw new CniException(CniException.INVALID_ENVIRONMENT, "CNI_NETNS \"" + path + "\" is not an absolute path",
                    "the runtime must pass the namespace file, e.g. /run/netns/NAME or /proc/PID/ns/net");
        }
        try {
            Path viaRoot = req.root().resolve(p.toString().substring(1));
            if (req.root().equals(Path.of("/"))) {
                return NetNamespace.openPath(p);
            }
            NetNamespace ns = NetNamespace.openPath(viaRoot);
            try {
                if (Files.exists(p)) {
                    NetNamespace plain = NetNamespace.openPath(p);
                    if (plain.inode() == ns.inode()) {
                        ns.close();
                        return plain;
                    }
                    plain.close();
                }
            } catch (RuntimeException e) {
                LOG.debug("{} not usable from the daemon's mount namespace: {}", p, e.toString());
            }
            return ns;
        } catch (NetlinkException e) {
            if (!required) {
                return null;
            }
            throw new CniException(CniException.UNKNOWN_CONTAINER, "the container's network namespace " + path + " does not exist",
                    e.getMessage() + "; the container is gone or CNI_NETNS is wrong — nothing to clean up", e);
        }
    }

    private HostEntry acquire(NetNamespace ns) {
        HostEntry[] out = new HostEntry[1];
        hosts.compute(ns.inode(), (k, cur) -> {
            HostEntry e = cur;
            if (e == null || e.ns.isClosed()) {
                e = new HostEntry(ns, inProcess);
            } else if (e.ns != ns) {
                ns.close();
            }
            e.inUse++;
            out[0] = e;
            return e;
        });
        return out[0];
    }

    private void release(HostEntry e) {
        e.lastUse = System.nanoTime();
        hosts.computeIfPresent(e.ns.inode(), (k, cur) -> {
            if (cur == e) {
                cur.inUse--;
            }
            return cur;
        });
        evictIdle();
    }

    /** Releases host namespaces unused for a minute (their networks stay in the kernel). */
    private void evictIdle() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Long, HostEntry>> it = hosts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, HostEntry> me = it.next();
            hosts.computeIfPresent(me.getKey(), (k, cur) -> {
                if (cur.inUse == 0 && now - cur.lastUse > IDLE_NANOS) {
                    cur.attachments.forget();
                    cur.ns.close();
                    return null;
                }
                return cur;
            });
        }
    }

    private static Response ok(JsonObject result) {
        return new Response(0, Json.write(result) + "\n");
    }

    private static Response error(String version, String cmd, int code, String msg, String details, Throwable e) {
        if (code == CniException.INTERNAL) {
            LOG.warn("{} failed: {}", cmd, msg, e);
        } else {
            LOG.info("{} failed with code {}: {} ({})", cmd, code, msg, details);
        }
        return new Response(1, Json.write(Results.error(version, code, msg, details)) + "\n");
    }

    /** Releases every cached host namespace handle (networks stay in the kernel). */
    @Override
    public void close() {
        for (HostEntry e : hosts.values()) {
            e.attachments.forget();
            e.ns.close();
        }
        hosts.clear();
    }
}
