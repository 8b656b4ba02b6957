package io.netkit.cni;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code src/test/go/cnidriver} — a client on the reference library libcni — offline from Debian's
 * golang-github-appc-cni-dev sources (GOPATH mode, GO111MODULE=off) into {@code target/cnidriver}, once per run.
 */
final class GoDriver {
    private static Path built;

    private GoDriver() {
    }

    static synchronized Path path() throws Exception {
        if (built != null) {
            return built;
        }
        Path out = Path.of("target/cnidriver").toAbsolutePath();
        Path cache = Path.of("target/gocache").toAbsolutePath();
        Files.createDirectories(cache);
        Path src = Path.of("src/test/go/cnidriver").toAbsolutePath();
        Path gopath = Path.of("/usr/share/gocode");
        if (!Files.isDirectory(gopath.resolve("src/github.com/containernetworking/cni/libcni"))) {
            throw new AssertionError("libcni sources missing in " + gopath + ": apt-get install golang-github-appc-cni-dev");
        }
        Proc.Result r;
        Map<String, String> env = Map.of("GOPATH", gopath.toString(), "GO111MODULE", "off", "GOCACHE", cache.toString(),
                "GOFLAGS", "", "CGO_ENABLED", "0");
        r = Proc.run(env, null, 300, List.of("sh", "-c", "cd '" + src + "' && go build -o '" + out + "' ."));
        if (!r.ok()) {
            throw new AssertionError("building the libcni driver failed (apt-get install golang-go golang-github-appc-cni-dev): "
                    + r.stderr() + r.stdout());
        }
        built = out;
        return out;
    }
}
