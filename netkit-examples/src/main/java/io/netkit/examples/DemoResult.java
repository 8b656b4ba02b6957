package io.netkit.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one run of an example verified: a list of claims, each checked against the running system, and the
 * facts it observed on the way (addresses, what the server saw). Tests assert on it; the demo prints it.
 */
public final class DemoResult {

    /** One claim and whether the run found it true. */
    public record Check(String claim, boolean passed, String detail) {}

    private final Example example;
    private final List<Check> checks;
    private final Map<String, String> facts;
    private final boolean kept;
    private final List<String> namespaces;
    private final Throwable failure;

    DemoResult(Example example, List<Check> checks, Map<String, String> facts, boolean kept,
               List<String> namespaces, Throwable failure) {
        this.example = example;
        this.checks = List.copyOf(checks);
        this.facts = Map.copyOf(facts);
        this.kept = kept;
        this.namespaces = List.copyOf(namespaces);
        this.failure = failure;
    }

    public Example example() {
        return example;
    }

    /** Every claim checked, in the order they were checked. */
    public List<Check> checks() {
        return checks;
    }

    /** The first check whose claim starts with {@code claimPrefix}. */
    public Optional<Check> check(String claimPrefix) {
        return checks.stream().filter(c -> c.claim().startsWith(claimPrefix)).findFirst();
    }

    /** Facts observed during the run, such as {@code "uplink"} or {@code "server.saw"}. */
    public Map<String, String> facts() {
        return facts;
    }

    public Optional<String> fact(String key) {
        return Optional.ofNullable(facts.get(key));
    }

    /** Whether the sandbox was left in place ({@code --keep}). */
    public boolean kept() {
        return kept;
    }

    /** The names of the namespaces this run made (its sandbox). */
    public List<String> namespaces() {
        return namespaces;
    }

    /** The error that stopped the run early, if one did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** True when the run finished, checked something, and every check passed. */
    public boolean passed() {
        return failure == null && !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    /** Collects checks and facts while an example runs. */
    static final class Builder {
        private final Example example;
        private final List<Check> checks = new ArrayList<>();
        private final Map<String, String> facts = new LinkedHashMap<>();
        private final List<String> namespaces = new ArrayList<>();
        private boolean kept;

        Builder(Example example) {
            this.example = example;
        }

        void check(Check c) {
            checks.add(c);
        }

        void fact(String key, String value) {
            facts.put(key, value);
        }

        void namespace(String name) {
            if (!namespaces.contains(name)) namespaces.add(name);
        }

        void kept(boolean kept) {
            this.kept = kept;
        }

        DemoResult build(Throwable failure) {
            return new DemoResult(example, checks, facts, kept, namespaces, failure);
        }
    }
}
