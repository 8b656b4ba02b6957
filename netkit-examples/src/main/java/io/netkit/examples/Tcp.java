package io.netkit.examples;

import io.netkit.netlink.NetNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real TCP traffic between namespaces, from Java. A socket belongs to the namespace of the thread that
 * created it, so each socket here is created inside {@link NetNamespace#call}; it may then be used from any
 * thread.
 */
public final class Tcp {

    static final int TIMEOUT_MILLIS = 3000;

    private Tcp() {}

    /**
     * A tiny server: answers each connection's first line with {@code "<name> saw you as <client address>"}
     * and remembers the client addresses it saw. Runs on a daemon thread until closed.
     */
    public static final class Server implements AutoCloseable {
        private final ServerSocket socket;
        private final String name;
        private final List<InetAddress> seen = new CopyOnWriteArrayList<>();
        private final Thread thread;

        private Server(ServerSocket socket, String name) {
            this.socket = socket;
            this.name = name;
            this.thread = new Thread(this::serve, "netkit-demo-server-" + name);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        /** Listens on {@code address:port} inside {@code ns}, like {@code ip netns exec NS nc -l ADDRESS PORT}. */
        public static Server start(NetNamespace ns, InetAddress address, int port, String name) {
            ServerSocket ss = ns.call(() -> {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(address, port));
                return s;
            });
            return new Server(ss, name);
        }

        public InetAddress address() {
            return socket.getInetAddress();
        }

        public int port() {
            return socket.getLocalPort();
        }

        /** The client addresses of the connections served so far, in order. */
        public List<InetAddress> clientsSeen() {
            return List.copyOf(seen);
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    client.setSoTimeout(TIMEOUT_MILLIS);
                    InetAddress peer = client.getInetAddress();
                    seen.add(peer);
                    BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8), true);
                    String line = in.readLine();
                    out.println(name + " saw you as " + peer.getHostAddress() + (line == null ? "" : " (you said: " + line + ")"));
                } catch (SocketException closed) {
                    if (socket.isClosed()) return;
                } catch (IOException e) {
                    // one failed client does not stop the server; the client side reports it
                }
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a listening socket does not fail in a way worth reporting
            }
        }
    }

    /**
     * Connects from inside {@code ns} to {@code address:port}, sends {@code message}, and returns the server's
     * one-line answer. Throws {@link UncheckedIOException} when the connection or the answer fails.
     */
    public static String roundTrip(NetNamespace ns, InetAddress address, int port, String message) {
        return ns.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, port), TIMEOUT_MILLIS);
                s.setSoTimeout(TIMEOUT_MILLIS);
                PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                out.println(message);
                String answer = in.readLine();
                if (answer == null) throw new IOException("connection to " + address.getHostAddress() + ":" + port + " closed without an answer");
                return answer;
            } catch (IOException e) {
                throw new UncheckedIOException("TCP " + address.getHostAddress() + ":" + port + " from namespace "
                        + ns.name().orElse(ns.path().toString()) + ": " + e.getMessage(), e);
            }
        });
    }
}
