package io.netkit.netlink;

import io.netkit.netlink.internal.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;

/**
 * A listening Unix domain stream socket whose accepted connections know their peer's process id, user id and network
 * namespace ({@code SO_PEERCRED}), which {@code java.nio}'s {@code UnixDomainSocketAddress} does not tell. A server
 * that acts on behalf of its callers (netkit's CNI daemon) uses it to act in the caller's namespace, not its own.
 * Equivalent of {@code socat UNIX-LISTEN:PATH,mode=600 ...} with {@code getsockopt(SO_PEERCRED)} on each connection.
 *
 * <pre>{@code
 * try (UnixListener l = UnixListener.bind(Path.of("/run/netkit/cni.sock"))) {
 *     try (UnixListener.Connection c = l.accept();
 *          NetNamespace callerNs = c.peerNetNamespace()) {   // /proc/PID/ns/net, opened while the caller is connected
 *         ...
 *     }
 * }
 * }</pre>
 */
public final class UnixListener implements AutoCloseable {
    private final Path path;
    private final int fd;
    private volatile boolean closed;

    private UnixListener(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Binds a socket at {@code path} readable and writable by its owner only (mode 0600; the parent directory is
     * created with mode 0700 if missing). A stale socket file left by a dead server is replaced; a live one is refused.
     *
     * @throws NetlinkException if the socket cannot be bound (errno and path in the message)
     * @throws IllegalArgumentException if the path is longer than 107 bytes or another server answers on it
     */
    public static UnixListener bind(Path path) {
        Objects.requireNonNull(path, "path == null");
        byte[] addr = sockaddr(path);
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw NetlinkException.withDetail("create socket directory", path.toString(), 0, e.toString(), e);
        }
        if (Files.exists(path)) {
            if (answers(path)) {
                throw new IllegalArgumentException("another server is listening on " + path + "; stop it first");
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw NetlinkException.withDetail("remove stale socket", path.toString(), 0, e.toString(), e);
            }
        }
        int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NetlinkException("socket(AF_UNIX)", path.toString(), LibC.errno(), null);
        }
        try {
            if (LibC.bind(fd, addr, addr.length) < 0) {
                throw new NetlinkException("bind", path.toString(), LibC.errno(), null);
            }
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            if (LibC.listen(fd, 128) < 0) {
                throw new NetlinkException("listen", path.toString(), LibC.errno(), null);
            }
            return new UnixListener(path, fd);
        } catch (IOException e) {
            LibC.close(fd);
            throw NetlinkException.withDetail("chmod 0600", path.toString(), 0, e.toString(), e);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    private static boolean answers(Path path) {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(path))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] sockaddr(Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > 107) {
            throw new IllegalArgumentException("Unix socket path is " + p.length + " bytes, the limit is 107: " + path);
        }
        ByteBuffer b = ByteBuffer.allocate(2 + p.length + 1).order(ByteOrder.nativeOrder());
        b.putShort((short) LibC.AF_UNIX).put(p).put((byte) 0);
        return b.array();
    }

    /** The socket's path. */
    public Path path() {
        return path;
    }

    /**
     * Waits for the next connection and reads its peer's credentials. {@code accept4(2)} + {@code getsockopt(SO_PEERCRED)}.
     *
     * @throws NetlinkException if the listener was closed (errno {@code EINVAL}/{@code EBADF}) or accept failed
     */
    public Connection accept() {
        while (true) {
            int c = LibC.accept4(fd, null, null, LibC.SOCK_CLOEXEC);
            if (c < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR && !closed) {
                    continue;
                }
                throw new NetlinkException("accept", path.toString(), errno, null);
            }
            byte[] cred = new byte[12];
            int[] len = {12};
            if (LibC.getsockopt(c, LibC.SOL_SOCKET, LibC.SO_PEERCRED, cred, len) < 0) {
                int errno = LibC.errno();
                LibC.close(c);
                throw new NetlinkException("getsockopt(SO_PEERCRED)", path.toString(), errno, null);
            }
            ByteBuffer b = ByteBuffer.wrap(cred).order(ByteOrder.nativeOrder());
            return new Connection(c, b.getInt(0), b.getInt(4), b.getInt(8));
        }
    }

    /** Whether {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops listening (a thread blocked in {@link #accept()} returns with an exception) and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.shutdown(fd, LibC.SHUT_RDWR);
        LibC.close(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // nothing else to do: a stale file is replaced by the next bind
        }
    }

    /** One accepted connection with its peer's credentials. Not thread-safe. */
    public static final class Connection implements AutoCloseable {
        private final int fd;
        private final int pid;
        private final int uid;
        private final int gid;
        private boolean closed;

        private Connection(int fd, int pid, int uid, int gid) {
            this.fd = fd;
            this.pid = pid;
            this.uid = uid;
            this.gid = gid;
        }

        /** The peer's process id at connect time, as seen from this process's pid namespace (0 if unknown). */
        public int peerPid() {
            return pid;
        }

        /** The peer's effective user id at connect time. */
        public int peerUid() {
            return uid;
        }

        /** The peer's effective group id at connect time. */
        public int peerGid() {
            return gid;
        }

        /**
         * Opens the peer's network namespace ({@code /proc/PID/ns/net}). Call it while the peer is still connected
         * and waiting for an answer, so the pid cannot have been reused.
         *
         * @throws NamespaceNotFoundException if the peer has exited
         */
        public NetNamespace peerNetNamespace() {
            if (pid <= 0) {
                throw new IllegalStateException("the peer's pid is unknown (it is in another pid namespace)");
            }
            return NetNamespace.ofPid(pid);
        }

        /** Reads up to {@code len} bytes into {@code buf} at {@code off}; -1 at end of stream. */
        public int read(byte[] buf, int off, int len) {
            byte[] tmp = off == 0 ? buf : new byte[len];
            while (true) {
                long n = LibC.read(fd, tmp, len);
                if (n < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw new NetlinkException("read", "unix socket peer " + pid, errno, null);
                }
                if (n == 0) {
                    return -1;
                }
                if (tmp != buf) {
                    System.arraycopy(tmp, 0, buf, off, (int) n);
                }
                return (int) n;
            }
        }

        /** Reads until the peer shuts its side down (at most {@code limit} bytes). */
        public byte[] readAll(int limit) throws IOException {
            byte[] buf = new byte[8192];
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (buf.length >= limit) {
                        throw new IOException("request from pid " + pid + " exceeds " + limit + " bytes");
                    }
                    buf = Arrays.copyOf(buf, Math.min(limit, buf.length * 2));
                }
                int r = read(buf, n, buf.length - n);
                if (r < 0) {
                    return Arrays.copyOf(buf, n);
                }
                n += r;
            }
        }

        /** Writes all of {@code data}. */
        public void write(byte[] data) {
            int off = 0;
            while (off < data.length) {
                byte[] chunk = off == 0 ? data : Arrays.copyOfRange(data, off, data.length);
                long n = LibC.write(fd, chunk, chunk.length);
                if (n < 0) {
                    int errno = LibC.errno();
                    if (errno == Errno.EINTR) {
                        continue;
                    }
                    throw new NetlinkException("write", "unix socket peer " + pid, errno, null);
                }
                off += (int) n;
            }
        }

        /** An input stream over the connection (closing it does not close the connection). */
        public InputStream inputStream() {
            return new InputStream() {
                @Override
                public int read() {
                    byte[] one = new byte[1];
                    return Connection.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return len == 0 ? 0 : Connection.this.read(b, off, len);
                }
            };
        }

        /** An output stream over the connection (closing it does not close the connection). */
        public OutputStream outputStream() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    Connection.this.write(new byte[] {(byte) b});
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    Connection.this.write(Arrays.copyOfRange(b, off, off + len));
                }
            };
        }

        /** Closes the connection; idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                LibC.close(fd);
            }
        }
    }
}
