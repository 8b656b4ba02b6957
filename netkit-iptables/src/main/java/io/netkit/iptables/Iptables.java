package io.netkit.iptables;

import io.netkit.iptables.internal.BackendDetector;
import io.netkit.iptables.internal.Planner;
import io.netkit.iptables.internal.ToolCalls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads and writes one address family's iptables state through the iptables tools, started by a
 * {@link CommandRunner} (which decides the network namespace). Thread-safe. The kernel is the source of truth:
 * the only thing an instance remembers is what it applied last per owner, to save a read on re-apply.
 *
 * <pre>{@code
 * Iptables ipt = Iptables.create(CommandRunner.local());          // backend detected, IPv4
 * OwnedRules rules = ContainerNetworkRules.builder(Owner.of("mynet"), "br0", "172.16.0.0/24")
 *         .masquerade().forwardAccept().build();
 * ipt.apply(rules);          // one iptables-save, one iptables-restore --noflush --wait
 * // or, for an owner known to be new (e.g. its id holds a fresh random part):
 * ipt.applyNew(rules);       // one iptables-restore --noflush --wait, nothing else
 * ipt.diff(rules).inSync();  // true
 * ipt.remove(Owner.of("mynet"));
 * }</pre>
 *
 * <p>Create one instance per namespace and family and keep it: building one may detect the backend (up to
 * three short processes), and a kept instance re-applies an owner with a single process.
 *
 * <p>Every write is ONE {@code iptables-restore --noflush --wait} (or {@code ip6tables-restore}) process,
 * whatever the number of rules; each table block in it is committed atomically by the kernel. Writes first
 * read the current state with one {@code iptables-save} (except a re-apply, see {@link #apply}, and the first
 * apply of a new owner, see {@link #applyNew}), so hooks are never duplicated and removal deletes only what exists. netkit never runs per-rule {@code iptables} commands.
 */
public final class Iptables {
    /** Bound at the first message, not at class load: slf4j's start stays off a fresh JVM's first create + attach. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Iptables.class);
    }

    private final ToolCalls tools;
    /** What this instance applied last per owner; lets a re-apply skip iptables-save (see apply). */
    private final Map<Owner, OwnedRules> applied = new ConcurrentHashMap<>();
    private final Backend backend;
    private final Family family;

    private Iptables(CommandRunner runner, Backend backend, Family family) {
        this.tools = new ToolCalls(runner, backend, family);
        this.backend = backend;
        this.family = family;
    }

    /** IPv4 tables through {@code runner}, with the backend {@link #detectBackend detected}. */
    public static Iptables create(CommandRunner runner) {
        return builder().runner(runner).build();
    }

    /** A builder: runner (required), backend (detected when unset), family (IPv4 when unset). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Chooses the backend the way the tools on this system would be used, looking into the namespace the
     * runner runs in:
     * <ol>
     *   <li>only one of {@code iptables-nft-save} / {@code iptables-legacy-save} runs: that one;</li>
     *   <li>rules already live in one backend: that one (if both hold rules, a warning is logged and the one
     *       holding more wins, nft on a tie — rules in the other keep filtering packets!); a built-in chain's DROP
     *       policy ({@code iptables-legacy -P FORWARD DROP}, as Docker sets it) counts as a rule;</li>
     *   <li>no rules anywhere: what {@code iptables --version} says, "(nf_tables)" or "(legacy)"; nft if
     *       that command is absent.</li>
     * </ol>
     * {@link MissingToolException} (naming the Debian package {@code iptables}) when neither tool exists.
     */
    public static Backend detectBackend(CommandRunner runner) {
        return BackendDetector.detect(Objects.requireNonNull(runner, "runner == null"));
    }

    /**
     * Why iptables cannot be used through {@code runner}, or empty when it can: detects the backend and runs its
     * {@code iptables-save} once. The reason names a missing Debian package or quotes the tool (for example a
     * permission error: the tools need root / CAP_NET_ADMIN in the target namespace).
     */
    public static Optional<String> unavailabilityCause(CommandRunner runner) {
        Objects.requireNonNull(runner, "runner == null");
        try {
            Backend b = detectBackend(runner);
            // Without -t: naming a table would make the legacy tool instantiate it in the namespace.
            new ToolCalls(runner, b, Family.IPV4).save(null);
            return Optional.empty();
        } catch (IptablesException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The backend this instance drives. */
    public Backend backend() {
        return backend;
    }

    /** The family this instance drives. */
    public Family family() {
        return family;
    }

    /**
     * Makes the kernel hold exactly {@code rules} for its owner: owned chains declared (created or flushed) and
     * refilled, missing hooks inserted, duplicate or stale hooks deleted, chains no longer wanted flushed and
     * deleted. Equivalent to {@code iptables-save} followed by one {@code iptables-restore --noflush --wait}
     * with the payload of {@link #plan}. Idempotent: applying twice changes nothing the second time.
     *
     * <p>Re-applying an owner this instance applied before starts ONE process and no {@code iptables-save}:
     * the payload is computed from what was applied last, deletes and re-inserts that owner's hooks (moving them
     * to the top again) and deletes its stale chains by name. If another tool changed any of that meanwhile, the
     * table block fails atomically and the apply is redone from a fresh {@code iptables-save}. (Two processes
     * managing the SAME owner concurrently are not supported; {@link #remove} and {@link #diff} always read.)
     *
     * @throws RestoreException     the tool rejected the payload (nothing of the failing table was applied)
     * @throws MissingToolException the tool is not installed
     */
    public void apply(OwnedRules rules) {
        Objects.requireNonNull(rules, "rules == null");
        requireFamily(rules.family());
        Owner owner = rules.owner();
        OwnedRules known = applied.remove(owner);
        if (known != null) {
            try {
                String payload = Planner.applyKnown(rules, known);
                if (!payload.isEmpty()) tools.restore(payload);
                applied.put(owner, rules);
                return;
            } catch (RestoreException e) {
                // Someone changed the owner's rules since our last apply: redo it from what the kernel holds.
                Log.LOG.debug("re-applying {} from a fresh {}: {}", owner, backend.saveCommand(family), e.getMessage());
            }
        }
        tools.restoreWithRetry(() -> Planner.apply(rules, read()));
        applied.put(owner, rules);
    }

    /**
     * Like {@link #apply}, for an owner the caller knows to be NEW (it has no chains or rules in this family
     * yet, typically because its id contains a fresh random part, as netkit-core's {@code bridge@<random id>}):
     * starts ONE process, {@code iptables-restore --noflush --wait}, and no {@code iptables-save}.
     *
     * <p>The payload creates each owned chain with {@code -N CHAIN} (which fails if the chain exists), fills it
     * and inserts the hooks. If it succeeds, none of the chains existed, so no hook into them existed: the kernel
     * holds exactly {@code rules} for the owner. If a chain of that name existed (the owner was not new, or
     * another tool made a chain of that name), its table block fails atomically; blocks of earlier tables may
     * have been committed, so the apply is then redone as {@link #apply} does it, from a fresh
     * {@code iptables-save}, which reconciles whatever state there is to exactly {@code rules} (3 processes).
     *
     * <p>What this does NOT see: state of the same owner under OTHER chain names (say an earlier layout of the
     * owner had a chain this one lacks) is left in place when the optimistic restore succeeds. Call
     * {@link #apply} whenever the owner may have existed before.
     *
     * <p>A real error (the tool rejects a rule) raises {@link RestoreException} quoting the failing payload line
     * and the tool's message; table blocks committed before the failing one are removed again (they created
     * only this owner's chains and hooks), so nothing is half-applied.
     *
     * @throws RestoreException     the tool rejected the payload (nothing of it stays applied)
     * @throws MissingToolException the tool is not installed
     */
    public void applyNew(OwnedRules rules) {
        Objects.requireNonNull(rules, "rules == null");
        requireFamily(rules.family());
        Owner owner = rules.owner();
        applied.remove(owner);
        String payload = Planner.applyNew(rules);
        if (!payload.isEmpty()) {
            try {
                tools.restore(payload);
            } catch (RestoreException e) {
                // With shared chains (created only when absent, so not in this payload) a failure may mean one
                // of them is missing: the full apply below creates it.
                if (e.lineNumber() > 0 && !chainExisted(rules, e) && !rules.hasSharedChains()) {
                    undoCommitted(rules, e);
                    throw e;
                }
                // A chain existed (or the tool named no line, so it is unknown what was committed): redo the
                // apply from what the kernel holds now, which also reconciles blocks committed before the failure.
                Log.LOG.debug("{} was not new ({}); applying it from a fresh {}", owner, e.getMessage(),
                        backend.saveCommand(family));
                tools.restoreWithRetry(() -> Planner.apply(rules, read()));
            }
        }
        applied.put(owner, rules);
    }

    /**
     * Whether an applyNew restore failed because a chain it creates already existed: the tool
     * names one of the payload's {@code -N} lines (iptables-nft-restore adds "Chain already exists",
     * iptables-legacy-restore says only "line N failed"), or reports the kernel's EEXIST at a COMMIT.
     */
    private static boolean chainExisted(OwnedRules rules, RestoreException e) {
        String msg = e.toolMessage();
        String line = e.line();
        if (line.startsWith("-N ")) {
            String chain = line.substring(3);
            boolean ours = false;
            for (Table t : rules.tables()) ours |= rules.chains(t).containsKey(chain);
            String reason = msg.replaceFirst("(?s).*line " + e.lineNumber() + " failed:?", "").strip();
            return ours && (reason.isEmpty() || reason.contains("already exists") || reason.contains("File exists"));
        }
        return line.equals("COMMIT") && (msg.contains("already exists") || msg.contains("File exists"));
    }

    /** After a real error in an applyNew restore: removes what the table blocks before the failing one created. */
    private void undoCommitted(OwnedRules rules, RestoreException e) {
        Set<Table> committed = Planner.committedBefore(e.payload(), e.lineNumber());
        if (committed.isEmpty()) return;
        try {
            tools.restore(Planner.undoNew(rules, committed));
        } catch (IptablesException undo) {
            e.addSuppressed(undo);
        }
    }

    /**
     * The payload a first {@link #apply} of {@code rules} would send now, computed from a fresh
     * {@code iptables-save} (empty when nothing needs to change). Nothing is written.
     */
    public String plan(OwnedRules rules) {
        Objects.requireNonNull(rules, "rules == null");
        requireFamily(rules.family());
        return Planner.apply(rules, read());
    }

    /**
     * Deletes everything {@code owner} has in this family: its hooks and other commented rules in foreign chains
     * ({@code -D}), then its chains ({@code -F}, {@code -X}), in one restore. Whatever is already gone is
     * skipped; rules of other owners and other tools are untouched. Runs no restore when nothing is left.
     */
    public void remove(Owner owner) {
        Objects.requireNonNull(owner, "owner == null");
        applied.remove(owner);
        OwnedRules none = OwnedRules.empty(owner, family);
        tools.restoreWithRetry(() -> Planner.apply(none, read()));
    }

    /** The whole ruleset: {@code iptables-save} (every table in use), parsed. */
    public Ruleset read() {
        return Ruleset.parse(tools.save(null));
    }

    /**
     * One table: {@code iptables-save -t TABLE}, parsed. (With the legacy backend this makes the kernel
     * instantiate the table, empty, if it did not exist; {@link #read()} has no such effect.)
     */
    public Ruleset read(Table table) {
        return Ruleset.parse(tools.save(Objects.requireNonNull(table, "table == null")));
    }

    /** What {@code owner} has now: its chains with their rules, and its rules elsewhere (see {@link Ruleset#ownedBy}). */
    public Ruleset list(Owner owner) {
        return read().ownedBy(Objects.requireNonNull(owner, "owner == null"));
    }

    /** Every owner named by a netkit rule comment now (for garbage collection of leftovers). */
    public Set<Owner> owners() {
        return read().owners();
    }

    /** Desired versus actual for {@code rules}' owner; {@link Diff#inSync()} after a successful apply. */
    public Diff diff(OwnedRules rules) {
        Objects.requireNonNull(rules, "rules == null");
        requireFamily(rules.family());
        return Planner.diff(rules, read());
    }

    /** The argv of the restore tool as run: {@code [iptables-nft-restore, --noflush, --wait]}. */
    public List<String> restoreCommand() {
        return tools.restoreArgv();
    }

    private void requireFamily(Family f) {
        if (f != family) {
            throw new IllegalArgumentException("rules are " + f + " but this Iptables drives " + family
                    + "; use Iptables.builder().family(Family." + f.name() + ")");
        }
    }

    @Override
    public String toString() {
        return "Iptables[" + backend.command(family) + "]";
    }

    /** Builds an {@link Iptables}. */
    public static final class Builder {
        private CommandRunner runner;
        private Backend backend;
        private Family family = Family.IPV4;

        private Builder() {}

        /** How processes are started (and so in which network namespace). Required. */
        public Builder runner(CommandRunner runner) {
            this.runner = Objects.requireNonNull(runner, "runner == null");
            return this;
        }

        /** An explicit backend instead of {@link Iptables#detectBackend detection}. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend == null");
            return this;
        }

        /** IPv4 ({@code iptables-*}, default) or IPv6 ({@code ip6tables-*}). */
        public Builder family(Family family) {
            this.family = Objects.requireNonNull(family, "family == null");
            return this;
        }

        /** The instance; detects the backend now if none was set (runs up to three short processes). */
        public Iptables build() {
            if (runner == null) throw new IllegalStateException("runner == null: set Iptables.builder().runner(...)");
            return new Iptables(runner, backend != null ? backend : detectBackend(runner), family);
        }
    }
}
