package io.netkit.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a watch classifies notifications (no privilege: real kernel messages from the fuzz seeds): new, changed,
 * deleted, and duplicates dropped — the de-duplication that makes "snapshot, then events" gap-free and free of
 * repeats.
 */
class WatchStateTest {
    private static List<RtMessage> seed(String name) throws IOException {
        try (InputStream in = WatchStateTest.class.getResourceAsStream("fuzz/" + name)) {
            return RtNetlink.decode(ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.nativeOrder()));
        }
    }

    private static final RtState EMPTY = new RtState(List.of(), List.of(), List.of(), List.of());

    @Test
    void aKnownObjectIsChangedOrADuplicateAndAnUnknownDeleteIsDropped() throws IOException {
        List<RtMessage> links = seed("links.bin");
        WatchState s = new WatchState();
        s.reset(EMPTY);
        for (RtMessage m : links) {
            assertThat(s.apply(m)).isInstanceOfSatisfying(RtEvent.LinkEvent.class,
                    e -> assertThat(e.change()).isEqualTo(RtEvent.Change.NEW));
        }
        for (RtMessage m : links) {
            assertThat(s.apply(m)).as("the same state again is a duplicate").isNull();
        }
        Link first = ((RtMessage.NewLink) links.get(0)).link();
        assertThat(s.apply(new RtMessage.DelLink(first))).isInstanceOfSatisfying(RtEvent.LinkEvent.class,
                e -> assertThat(e.change()).isEqualTo(RtEvent.Change.DELETED));
        assertThat(s.apply(new RtMessage.DelLink(first))).as("already gone").isNull();
        assertThat(s.snapshot().links()).hasSize(links.size() - 1);
    }

    @Test
    void theEventsOfARealSessionFoldIntoAStateWithoutTheDeletedObjects() throws IOException {
        WatchState s = new WatchState();
        s.reset(EMPTY);
        long changed = 0;
        for (RtMessage m : seed("events.bin")) {
            RtEvent e = s.apply(m);
            if (e instanceof RtEvent.LinkEvent l && l.change() == RtEvent.Change.CHANGED) {
                changed++;
            }
        }
        RtState st = s.snapshot();
        assertThat(changed).isPositive();
        assertThat(st.links()).extracting(Link::name).contains("br0", "vx0").doesNotContain("mv1", "v1p");
        assertThat(st.addresses()).extracting(a -> a.prefix().toString()).contains("10.8.0.1/24")
                .doesNotContain("10.8.6.1/24");
        assertThat(st.routes()).extracting(r -> r.destination().toString()).doesNotContain("10.5.0.0/16");
        assertThat(st.routes()).filteredOn(r -> r.destination().toString().equals("10.7.0.0/16"))
                .as("route replace keeps one route in its slot").hasSize(1)
                .allSatisfy(r -> assertThat(r.gateway().getHostAddress()).isEqualTo("10.8.0.3"));
        assertThat(st.neighbors()).extracting(n -> String.valueOf(n.address())).doesNotContain("/10.8.0.9");
    }
}
