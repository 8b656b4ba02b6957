package io.netkit.cni;

import io.netkit.netlink.NetNamespace;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code java -jar netkit-cni.jar} — without arguments: runs one CNI request in-process (the plugin's slow path when
 * no daemon answers: environment and stdin as the runtime gave them, acting in this process's network namespace);
 * {@code daemon [--socket PATH]}: runs the daemon until SIGTERM. Logs go to {@code /var/log/netkit/cni.log}
 * ({@code NETKIT_CNI_LOG} or {@code --log FILE} to move them): stdout belongs to the CNI protocol.
 */
public final class Main {
    private Main() {
    }

    /** Entry point; see the class description. */
    public static void main(String[] args) throws Exception {
        String socket = System.getenv().getOrDefault("NETKIT_CNI_SOCKET", CniDaemon.DEFAULT_SOCKET);
        String log = System.getenv().getOrDefault("NETKIT_CNI_LOG", "/var/log/netkit/cni.log");
        boolean daemon = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "daemon" -> daemon = true;
                case "--socket" -> socket = args[++i];
                case "--log" -> log = args[++i];
                default -> {
                    System.err.println("usage: java -jar netkit-cni.jar [daemon [--socket PATH] [--log FILE]]");
                    System.exit(2);
                }
            }
        }
        configureLogging(log);
        if (daemon) {
            CniDaemon d = CniDaemon.start(Path.of(socket));
            Runtime.getRuntime().addShutdownHook(new Thread(d::close, "netkit-cni-shutdown"));
            d.awaitTermination();
            return;
        }
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream())); // nothing else may write to stdout
        byte[] stdin = System.in.readAllBytes();
        CniPlugin.Response r;
        try (CniPlugin plugin = new CniPlugin(true)) {
            r = plugin.execute(new CniPlugin.Request(System.getenv(), stdin, NetNamespace.current(), Path.of("/")));
        }
        out.print(r.stdout());
        out.flush();
        Runtime.getRuntime().halt(r.exitCode());
    }

    private static void configureLogging(String file) {
        Path p = Path.of(file);
        try {
            if (p.getParent() != null) {
                Files.createDirectories(p.getParent());
            }
            System.setProperty("org.slf4j.simpleLogger.logFile", file);
        } catch (IOException | SecurityException e) {
            System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        }
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", System.getenv().getOrDefault("NETKIT_CNI_LOG_LEVEL", "info"));
    }
}
