package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link LinkSpec#of}'s kind check, written by hand (every link creation passes it, and a fresh JVM's first regular
 * expression costs ~2.5 ms), refuses exactly what {@code [a-z][a-z0-9_-]{0,31}} refuses: edge cases and 5000 random
 * strings.
 */
class LinkKindShapeTest {
    @Test
    void theKindCheckAgreesWithItsRegularExpression() {
        Pattern kind = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
        List<String> samples = new ArrayList<>(List.of("", "a", "ifb", "dummy", "Dummy", "1ifb", "-x", "_x", "x-y_z9",
                "a".repeat(32), "a".repeat(33), "ifb ", "if.b", "é"));
        String alphabet = "abcxyz0189_-A.Z /é";
        Random r = new Random(14);
        for (int i = 0; i < 5000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(36);
            for (int j = 0; j < n; j++) {
                b.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            samples.add(b.toString());
        }
        for (String s : samples) {
            boolean refused;
            try {
                LinkSpec.of(s, "nk0");
                refused = false;
            } catch (IllegalArgumentException e) {
                refused = e.getMessage().startsWith("invalid link kind");
            }
            assertThat(refused).as("kind \"%s\" refused", s).isEqualTo(!kind.matcher(s).matches());
        }
    }
}
