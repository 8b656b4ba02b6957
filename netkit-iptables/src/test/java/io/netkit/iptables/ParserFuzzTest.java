package io.netkit.iptables;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mutated iptables-save text never breaks the parser in any other way than an IllegalArgumentException, and
 * whatever it accepts renders to text that parses back to the same thing.
 */
class ParserFuzzTest {
    private static final String ALPHABET = " \t\"\\'!-:*[]#ACDFIJXjmogsdp0123456789abc/.,\n";

    @Test
    void mutatedDumpsParseOrFailCleanly() throws IOException {
        List<String> seeds = new ArrayList<>();
        for (String f : new String[] {"docker-nft.save", "kube-legacy.save", "cni-nft-counters.save", "v6-legacy.save"}) {
            seeds.add(RulesetRoundTripTest.fixture(f));
        }
        Random random = new Random(20261126L);
        int accepted = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(s.length());
                switch (random.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                    default -> s.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                }
            }
            Ruleset rs;
            try {
                rs = Ruleset.parse(s.toString());
            } catch (IllegalArgumentException expected) {
                continue;
            }
            accepted++;
            String rendered = rs.render();
            assertThat(Ruleset.parse(rendered).render()).isEqualTo(rendered);
            for (Ruleset.TableRules t : rs.tables()) {
                for (Rule r : t.rules()) {
                    // Accessors never throw on odd input.
                    r.comment();
                    r.owner();
                    r.target();
                    r.source();
                    r.protocol();
                }
            }
        }
        assertThat(accepted).isGreaterThan(1000);
    }
}
