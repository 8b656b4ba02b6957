package io.netkit.testing;

import io.netkit.netlink.NamespaceNotFoundException;
import io.netkit.netlink.NetNamespace;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives tests their own named network namespaces and removes them afterwards, also when the test fails.
 *
 * <pre>{@code
 * @RegisterExtension final TestNamespaces ns = new TestNamespaces();
 *
 * @Test void something() {
 *     NetNamespace host = ns.create("host");   // named "nkt-<random6>-host", like `ip netns add`
 *     ...                                       // ns.name("host") gives the name for `ip -n NAME ...`
 * }                                             // closed and deleted after the test
 * }</pre>
 *
 * <p>Registered on an instance field, namespaces are removed after each test. Registered on a static field,
 * namespaces created during a test are removed after that test and those created outside a test (in
 * {@code @BeforeAll}) after the class. Names are unique (a random part per extension instance), so tests
 * running concurrently on one machine never collide. The prefix {@code nkt-} marks them for cleanup.
 */
public final class TestNamespaces implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /** Prefix of every test namespace name. */
    public static final String PREFIX = "nkt-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    private final String id = randomId();
    private final Map<String, NetNamespace> classScoped = new LinkedHashMap<>();
    private final Map<String, NetNamespace> testScoped = new LinkedHashMap<>();
    private volatile boolean inTest;

    private static String randomId() {
        StringBuilder sb = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** The namespace name for {@code role}: {@code nkt-<random6>-<role>}. */
    public String name(String role) {
        if (role == null || role.isEmpty()) {
            throw new IllegalArgumentException("role must not be empty");
        }
        return PREFIX + id + "-" + role;
    }

    /** Creates (as {@code ip netns add} does) and tracks the namespace for {@code role}. */
    public synchronized NetNamespace create(String role) {
        String n = name(role);
        if (classScoped.containsKey(n) || testScoped.containsKey(n)) {
            throw new IllegalStateException("namespace for role \"" + role + "\" already created: " + n);
        }
        NetNamespace ns = NetNamespace.create(n);
        (inTest ? testScoped : classScoped).put(n, ns);
        return ns;
    }

    /** The handle created for {@code role}. */
    public synchronized NetNamespace get(String role) {
        NetNamespace ns = testScoped.get(name(role));
        if (ns == null) {
            ns = classScoped.get(name(role));
        }
        if (ns == null) {
            throw new IllegalStateException("no namespace created for role \"" + role + "\"");
        }
        return ns;
    }

    /** Names of all namespaces this extension currently tracks. */
    public synchronized List<String> names() {
        List<String> out = new ArrayList<>(classScoped.keySet());
        out.addAll(testScoped.keySet());
        return out;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        inTest = false;
        removeAll(testScoped);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        removeAll(testScoped);
        removeAll(classScoped);
    }

    private synchronized void removeAll(Map<String, NetNamespace> tracked) {
        RuntimeException failure = null;
        for (Map.Entry<String, NetNamespace> e : tracked.entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                failure = add(failure, ex);
            }
            try {
                NetNamespace.delete(e.getKey());
            } catch (NamespaceNotFoundException alreadyGone) {
                // the test deleted it itself
            } catch (RuntimeException ex) {
                failure = add(failure, ex);
            }
        }
        tracked.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException add(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
