package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InterfaceNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"eth0", "a", "veth-12345678ab", "br.100", "x_y", "tap+0", "...", "ä1234567890123"})
    void acceptsWhatTheKernelAccepts(String name) {
        assertThat(InterfaceNames.validate(name)).isEqualTo(name);
        assertThat(InterfaceNames.isValid(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "veth-1234567890a", "eth0:1", "a/b", "a b", "a\tb", "a\nb", "a\u0000b",
        "ää1234567890123", "à"})
    void rejectsQuotingInput(String name) {
        assertThatThrownBy(() -> InterfaceNames.validate(name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid interface name \"" + name + "\"");
        assertThat(InterfaceNames.isValid(name)).isFalse();
    }

    @Test
    void nullIsNamed() {
        assertThatThrownBy(() -> InterfaceNames.validate(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("interface name == null");
    }

    @Test
    void sixteenBytesSaysSo() {
        assertThatThrownBy(() -> InterfaceNames.validate("abcdefghijklmnop"))
                .hasMessageContaining("longer than 15 bytes (16)");
    }
}
