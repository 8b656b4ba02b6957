package io.netkit.cni;

import io.netkit.netlink.NetNamespace;
import io.netkit.netlink.UnixListener;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The netkit CNI daemon (the thick-plugin design of Multus-thick, Kube-OVN, Cilium): a warm JVM that serves the thin
 * {@code netkit} plugin executable on a root-only Unix socket ({@value #DEFAULT_SOCKET}, mode 0600 in a 0700
 * directory). Each request runs in the network namespace of the plugin process that sent it: the daemon reads the
 * peer's pid with {@code SO_PEERCRED} and opens {@code /proc/PID/ns/net} while the peer waits for the answer, and
 * resolves {@code CNI_NETNS} through {@code /proc/PID/root}.
 *
 * <pre>{@code
 * try (CniDaemon d = CniDaemon.start(Path.of("/run/netkit/cni.sock"))) {   // java -jar netkit-cni.jar daemon
 *     d.awaitTermination();
 * }
 * }</pre>
 *
 * Wire format (see {@code src/main/c/netkit.c}): request {@code "NKCNI1\0"}, {@code KEY=VALUE\0} per {@code CNI_*}
 * variable, {@code \0}, then stdin until the client shuts down its sending side; answer: the exit code and
 * {@code \n}, then the plugin's stdout.
 */
public final class CniDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CniDaemon.class);
    /** The default socket path. */
    public static final String DEFAULT_SOCKET = "/run/netkit/cni.sock";
    private static final byte[] MAGIC = "NKCNI1\0".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REQUEST = 4 << 20;
    private static final int WORKERS = 4;
    private static final int OWN_UID = ownUid();

    private final UnixListener listener;
    private final CniPlugin plugin = new CniPlugin();
    /** Each worker accepts and serves its own connections: no hand-off between threads per request. */
    private final List<Thread> workers = new ArrayList<>();

    private CniDaemon(UnixListener listener) {
        this.listener = listener;
        for (int i = 0; i < WORKERS; i++) {
            Thread t = new Thread(this::acceptLoop, "netkit-cni-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
    }

    /**
     * Binds {@code socket} (root-only) and starts serving.
     *
     * @throws IllegalArgumentException if another daemon already serves on that socket
     */
    public static CniDaemon start(Path socket) {
        CniDaemon d = new CniDaemon(UnixListener.bind(socket));
        d.workers.forEach(Thread::start);
        LOG.info("netkit CNI daemon listening on {}", socket);
        return d;
    }

    /** The socket path. */
    public Path socket() {
        return listener.path();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            UnixListener.Connection c;
            try {
                c = listener.accept();
            } catch (RuntimeException e) {
                if (!listener.isClosed()) {
                    LOG.warn("accept on {} failed: {}", listener.path(), e.toString());
                }
                continue;
            }
            serve(c);
        }
    }

    private void serve(UnixListener.Connection c) {
        try (c) {
            if (c.peerUid() != 0 && c.peerUid() != OWN_UID) {
                // The socket is 0600 in a 0700 directory; this is the second lock.
                LOG.warn("refused a request from uid {} (pid {}): only root may use the netkit CNI daemon", c.peerUid(), c.peerPid());
                c.write(("1\n{\"cniVersion\":\"1.1.0\",\"code\":50,\"msg\":\"permission denied\",\"details\":\"only root may "
                        + "call the netkit CNI daemon\"}\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            NetNamespace callerNs;
            try {
                // Opened while the caller waits for the answer: the pid cannot have been reused.
                callerNs = c.peerNetNamespace();
            } catch (RuntimeException e) {
                LOG.warn("cannot open the network namespace of caller pid {}: {}", c.peerPid(), e.toString());
                return;
            }
            byte[] req;
            try {
                req = c.readAll(MAX_REQUEST);
            } catch (Exception e) {
                callerNs.close();
                LOG.warn("reading the request of pid {} failed: {}", c.peerPid(), e.toString());
                return;
            }
            if (req.length == 0) {
                callerNs.close(); // a probe (connect and close), e.g. a second daemon checking the socket is live
                return;
            }
            CniPlugin.Response r;
            Map<String, String> env = new HashMap<>();
            int body = parseEnv(req, env);
            if (body < 0) {
                callerNs.close();
                r = new CniPlugin.Response(1, "{\"cniVersion\":\"1.1.0\",\"code\":5,\"msg\":\"malformed request from the netkit "
                        + "plugin executable\",\"details\":\"the plugin and the daemon are of different netkit versions; "
                        + "install matching ones\"}\n");
            } else {
                r = plugin.execute(new CniPlugin.Request(env, Arrays.copyOfRange(req, body, req.length), callerNs,
                        Path.of("/proc/" + c.peerPid() + "/root")));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes((r.exitCode() + "\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(r.stdout().getBytes(StandardCharsets.UTF_8));
            c.write(out.toByteArray());
        } catch (RuntimeException e) {
            LOG.warn("serving pid {} failed: {}", c.peerPid(), e.toString(), e);
        }
    }

    /** Reads the magic and the environment; returns the offset of stdin, or -1 if the request is malformed. */
    static int parseEnv(byte[] req, Map<String, String> env) {
        if (req.length < MAGIC.length || !Arrays.equals(req, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return -1;
        }
        int i = MAGIC.length;
        while (i < req.length) {
            int end = i;
            while (end < req.length && req[end] != 0) {
                end++;
            }
            if (end == req.length) {
                return -1;
            }
            if (end == i) {
                return end + 1;
            }
            String kv = new String(req, i, end - i, StandardCharsets.UTF_8);
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            i = end + 1;
        }
        return -1;
    }

    private static int ownUid() {
        try {
            return Integer.parseInt(java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString());
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Blocks until {@link #close()}. */
    public void awaitTermination() throws InterruptedException {
        for (Thread t : workers) {
            t.join();
        }
    }

    /** Stops accepting, lets running requests finish (up to 10 s per worker), removes the socket. Idempotent. */
    @Override
    public void close() {
        listener.close();
        try {
            for (Thread t : workers) {
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        plugin.close();
        LOG.info("netkit CNI daemon on {} stopped", listener.path());
    }
}
