package io.netkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AliasTest {
    @Test
    void roundTripsValuesWithSpacesEqualsAndPercent() {
        Map<String, String> rec = new LinkedHashMap<>();
        rec.put("net", "br0");
        rec.put("ns", "my ns=50% ü");
        rec.put("addr", "172.16.0.2/24");
        String alias = Alias.encode(rec);
        assertThat(alias).isEqualTo("netkit:v1 net=br0 ns=my%20ns%3d50%25%20ü addr=172.16.0.2/24");
        assertThat(Alias.decode(alias)).contains(rec);
    }

    @Test
    void ignoresForeignAliases() {
        assertThat(Alias.decode(null)).isEmpty();
        assertThat(Alias.decode("uplink to the world")).isEmpty();
        assertThat(Alias.decode("netkit:v10 x=1")).isEmpty();
        assertThat(Alias.decode("netkit:v1")).contains(Map.of());
    }

    @Test
    void refusesRecordsTheKernelWouldTruncate() {
        assertThatThrownBy(() -> Alias.encode(Map.of("ns", "x".repeat(300))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 255");
    }

    @Test
    void keepsUnknownKeysAndBareFlags() {
        assertThat(Alias.decode("netkit:v1 a=1  detached future=x=y"))
                .contains(Map.of("a", "1", "detached", "", "future", "x=y"));
    }
}
