package io.blip2stream.imaging.webp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The VP8 tables read from the TwelveMonkeys decoder are the specification's (RFC 6386). */
class Vp8TablesTest {

    @Test
    void quantizerStepsMatchTheSpecification() {
        assertThat(Vp8Tables.DC_Q).hasSize(128).startsWith(4, 5, 6, 7, 8, 9, 10, 10, 11, 12).endsWith(157);
        assertThat(Vp8Tables.AC_Q).hasSize(128).startsWith(4, 5, 6, 7, 8, 9, 10, 11, 12, 13).endsWith(284);
        assertThat(sum(Vp8Tables.DC_Q)).isEqualTo(SUM_DC_Q);
        assertThat(sum(Vp8Tables.AC_Q)).isEqualTo(SUM_AC_Q);
    }

    @Test
    void probabilityTablesMatchTheSpecification() {
        assertThat(Vp8Tables.BMODE_PROBS[0][0]).containsExactly(231, 120, 48, 89, 115, 113, 120, 152, 112);
        assertThat(Vp8Tables.COEFF_UPDATE_PROBS[0][1][0]).startsWith(176, 246, 255);
        assertThat(Vp8Tables.COEFF_PROBS[0][1][0]).startsWith(253, 136, 254, 255, 228, 219, 128);
        assertThat(Vp8Tables.BMODE_TREE).containsExactly(
                0, 2, -1, 4, -2, 6, 8, 12, -3, 10, -5, -6, -4, 14, -7, 16, -8, -9);
        assertThat(sum(Vp8Tables.COEFF_PROBS)).isEqualTo(SUM_COEFF_PROBS);
        assertThat(sum(Vp8Tables.COEFF_UPDATE_PROBS)).isEqualTo(SUM_COEFF_UPDATE_PROBS);
        assertThat(sum(Vp8Tables.BMODE_PROBS)).isEqualTo(SUM_BMODE_PROBS);
    }

    @Test
    void everyFieldReadIsRegisteredForTheNativeImage() throws IOException {
        JsonNode config = new ObjectMapper().readTree(Path.of("native/reflect-config.json").toFile());
        List<String> registered = new ArrayList<>();
        for (JsonNode entry : config) {
            if (entry.path("name").asText().equals(Vp8Tables.GLOBALS)) {
                entry.path("fields").forEach(f -> registered.add(f.path("name").asText()));
            }
        }

        assertThat(registered).containsExactlyInAnyOrderElementsOf(Vp8Tables.FIELDS);
    }

    @Test
    void tablesAreCopiesNotSharedWithTheLibrary() {
        assertThat(Vp8Tables.DC_Q).isNotSameAs(Vp8Tables.AC_Q);
        assertThat(Vp8Tables.COEFF_PROBS[0][0][0]).isNotSameAs(Vp8Tables.COEFF_UPDATE_PROBS[0][0][0]);
    }

    /** Checksums of the tables as shipped by imageio-webp 3.12.0; a library upgrade that changes them fails here. */
    private static final long SUM_DC_Q = 715_436L;
    private static final long SUM_AC_Q = 1_172_814L;
    private static final long SUM_COEFF_PROBS = 92_112_737L;
    private static final long SUM_COEFF_UPDATE_PROBS = 142_003_330L;
    private static final long SUM_BMODE_PROBS = 34_163_717L;

    /** Position-weighted sum, so a swapped pair of entries changes it. */
    private static long sum(Object table) {
        long[] acc = {0, 0};
        walk(table, acc);
        return acc[0];
    }

    private static void walk(Object table, long[] acc) {
        if (table instanceof int[] row) {
            for (int v : row) {
                acc[1]++;
                acc[0] += acc[1] * v;
            }
        } else {
            for (Object sub : (Object[]) table) {
                walk(sub, acc);
            }
        }
    }
}
