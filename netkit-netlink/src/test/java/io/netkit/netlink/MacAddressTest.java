package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void parsesAndPrintsLowerCase() {
        MacAddress m = MacAddress.parse("02:42:AC:11:00:02");
        assertThat(m.toString()).isEqualTo("02:42:ac:11:00:02");
        assertThat(m.bytes()).containsExactly(0x02, 0x42, 0xac, 0x11, 0x00, 0x02);
        assertThat(MacAddress.of(m.bytes())).isEqualTo(m);
        assertThat(m.isLocallyAdministered()).isTrue();
        assertThat(m.isMulticast()).isFalse();
        assertThat(MacAddress.parse("ff:ff:ff:ff:ff:ff").isMulticast()).isTrue();
        assertThat(MacAddress.parse("00:00:00:00:00:00").value()).isZero();
    }

    @Test
    void randomIsLocalUnicastAndVaries() {
        for (int i = 0; i < 100; i++) {
            MacAddress m = MacAddress.random();
            assertThat(m.isLocallyAdministered()).isTrue();
            assertThat(m.isMulticast()).isFalse();
        }
        assertThat(MacAddress.random()).isNotEqualTo(MacAddress.random());
    }

    @Test
    void rejectsWrongLengthsAndValues() {
        assertThatThrownBy(() -> MacAddress.of(new byte[5])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5");
        assertThatThrownBy(() -> new MacAddress(1L << 48)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MacAddress.parse(null)).isInstanceOf(NullPointerException.class).hasMessage("mac == null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "02:42:ac:11:00", "02:42:ac:11:00:02:03", "02-42-ac-11-00-02", "02:42:ac:11:00:0g",
        "0242.ac11.0002", "02:42:ac:11:00:2 ", " 2:42:ac:11:00:02", "02:42:ac:11::002"})
    void rejectsMalformedQuotingInput(String in) {
        assertThatThrownBy(() -> MacAddress.parse(in))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"" + in + "\"");
    }
}
