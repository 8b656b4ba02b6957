package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shapes netkit checks by hand on the create and attach path (no regular expression there: a fresh JVM's first
 * one costs ~2.5 ms) against the regular expressions they replace, on edge cases and on random strings drawn from the
 * characters that matter (hostile aliases included): every answer must be the regular expression's.
 */
class HandCheckedShapesTest {
    private static final String ALPHABET = "0123456789abcdefgxyzABCDEFZ_.-+= \t\n@/é\0";

    @Test
    void hexAndDecimalAgreeWithTheirRegularExpressions() {
        Pattern hex8 = Pattern.compile("[0-9a-f]{8}");
        Pattern decimal19 = Pattern.compile("[0-9]{1,19}");
        for (String s : samples()) {
            assertThat(Names.isHex(s, 8)).as("isHex(\"%s\", 8)", s).isEqualTo(hex8.matcher(s).matches());
            assertThat(Names.isDecimal(s, 19)).as("isDecimal(\"%s\", 19)", s).isEqualTo(decimal19.matcher(s).matches());
        }
        assertThat(Names.isHex(null, 8)).isFalse();
        assertThat(Names.isHex(Names.hex(8), 8)).isTrue();
        assertThat(Names.isDecimal("1234567890123456789", 19)).isTrue();
        assertThat(Names.isDecimal("12345678901234567890", 19)).isFalse();
    }

    @Test
    void theIptablesOwnerShapeAgreesWithItsRegularExpression() {
        Pattern carries = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.+=-]*");
        for (String s : samples()) {
            assertThat(Firewall.iptablesCarries(s)).as("iptablesCarries(\"%s\")", s).isEqualTo(carries.matcher(s).matches());
        }
        assertThat(Firewall.owner("br0", "0123abcd").id()).isEqualTo("br0@0123abcd");
        assertThat(Firewall.owner("-br", "0123abcd").id()).isEqualTo("net@0123abcd");
    }

    @Test
    void aliasWordsSplitAsTrimAndSplitOnSpacesDid() {
        for (String s : samples()) {
            String alias = Alias.PREFIX + " " + s;
            Map<String, String> decoded = Alias.decode(alias).orElseThrow();
            List<String> words = new ArrayList<>();
            for (String w : alias.substring(Alias.PREFIX.length()).trim().split(" +")) {
                if (!w.isEmpty()) words.add(w);
            }
            List<String> keys = new ArrayList<>();
            for (String w : words) {
                int eq = w.indexOf('=');
                keys.add(eq <= 0 ? w : w.substring(0, eq));
            }
            assertThat(decoded.keySet()).as("keys of \"%s\"", alias).containsExactlyElementsOf(
                    new java.util.LinkedHashSet<>(keys));
        }
    }

    /** Edge cases, then 5000 random strings of 0–24 characters from {@link #ALPHABET}. */
    private static List<String> samples() {
        List<String> out = new ArrayList<>(Arrays.asList("", "0", "a", "deadbeef", "DEADBEEF", "deadbee", "deadbeef0",
                "0123456789", "-1", "+1", "1 ", " 1", "br0", "-br", "=x", "+x", ".x", "_x", "a+b=c-d.e_f", "é",
                "  a  b  ", "\ta=1\n", "a==b", "=", " = ", "id=0123abcd  s=1"));
        Random r = new Random(14);
        for (int i = 0; i < 5000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(25);
            for (int j = 0; j < n; j++) {
                b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
            }
            out.add(b.toString());
        }
        return out;
    }
}
