package io.blip2stream.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.model.BundleManifest;
import io.blip2stream.model.ModelBundle;
import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.Fixtures.Case;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fp16 bundles (float16 weights and K/V cache, float32 graph I/O otherwise) against the fp32
 * bundles exported from the same checkpoints and their HF goldens. The cached and batched paths of
 * the fp16 bundles are covered by {@link DecodingPathsTest}.
 */
class Fp16BundlesTest {

    static Stream<String> fp16Bundles() {
        return Fixtures.FP16_BUNDLES.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fp16Bundles")
    void theManifestSaysFp16AndTheEngineLoadsIt(String bundle) {
        ModelBundle fp16 = ModelBundle.open(Fixtures.bundle(bundle));
        ModelBundle fp32 = ModelBundle.open(Fixtures.bundle(Fixtures.goldenBundle(bundle)));
        BundleManifest m = fp16.manifest();
        assertThat(m.name()).isEqualTo(bundle);
        assertThat(m.dtype()).isEqualTo("fp16");
        assertThat(m.kvCache().dtype()).isEqualTo("float16");
        assertThat(fp16.family()).isEqualTo(fp32.family());
        assertThat(m.kvCache().numLayers()).isEqualTo(fp32.manifest().kvCache().numLayers());
        assertThat(m.graphs().keySet()).isEqualTo(fp32.manifest().graphs().keySet());
        int kvTensors = 0;
        for (Map.Entry<String, BundleManifest.Graph> g : m.graphs().entrySet()) {
            List<BundleManifest.TensorSpec> io = new ArrayList<>(g.getValue().inputs());
            io.addAll(g.getValue().outputs());
            for (BundleManifest.TensorSpec t : io) {
                boolean kv = t.name().startsWith("past_key_values.") || t.name().startsWith("present.");
                kvTensors += kv ? 1 : 0;
                assertThat(t.dtype()).as("%s %s", g.getKey(), t.name())
                        .isIn(kv ? List.of("float16") : List.of("float32", "int64"));
            }
        }
        assertThat(kvTensors).as("K/V inputs and outputs").isPositive();

        Blip2Engine engine = Fixtures.engine(bundle);
        assertThat(engine.bundle().manifest().kvCache().dtype()).isEqualTo("float16");
        Case c = Fixtures.golden(Fixtures.goldenBundle(bundle)).cases().getFirst();
        List<InferenceOutcome> out = engine.infer(c.requests());
        assertThat(out).hasSize(c.images().size()).allSatisfy(o -> {
            assertThat(o).isInstanceOf(InferenceOutcome.Success.class);
            assertThat(((InferenceOutcome.Success) o).sequences()).allSatisfy(s -> assertThat(s.tokenIds()).isNotEmpty());
        });
    }

    /**
     * Greedy cases (no beams) against the fp32 bundle's HF goldens: the first new token of every
     * sequence is the same, and the position-by-position token agreement (over the longer of the
     * two, as the export counts it) is at least the manifest's {@code verification.token_agreement},
     * the agreement the export measured between this bundle's greedy loop and the torch fp16 model.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fp16Bundles")
    void greedyDecodingAgreesWithTheFp32Goldens(String bundle) {
        double exportAgreement = verification(bundle).path("token_agreement").asDouble(-1);
        assertThat(exportAgreement).as("verification.token_agreement of %s", bundle)
                .isGreaterThanOrEqualTo(EXPORT_MIN_TOKEN_AGREEMENT).isLessThanOrEqualTo(1.0);
        Agreement a = compare(bundle, true);
        assertThat(a.rows).as("greedy sequences compared").isGreaterThanOrEqualTo(10);
        assertThat(a.firstTokenMismatches).as("greedy first tokens that differ from HF fp32").isEmpty();
        assertThat(a.fraction()).as("greedy token agreement with HF fp32 (%d/%d)", a.equal, a.positions)
                .isGreaterThanOrEqualTo(exportAgreement);
    }

    /**
     * Every case, beam search included, against the fp32 goldens: beam search keeps near-tied
     * hypotheses, so fp16 rounding may reorder them; the agreement must still reach the export's
     * own failure floor for fp16 ({@code --min-token-agreement} default).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fp16Bundles")
    void allCasesReachTheExportsAgreementFloor(String bundle) {
        Agreement a = compare(bundle, false);
        assertThat(a.rows).as("sequences compared").isGreaterThan(compare(bundle, true).rows);
        assertThat(a.fraction()).as("token agreement with HF fp32 (%d/%d)", a.equal, a.positions)
                .isGreaterThanOrEqualTo(EXPORT_MIN_TOKEN_AGREEMENT);
    }

    /** export_blip2.py's default {@code --min-token-agreement} for fp16: below it the export fails. */
    static final double EXPORT_MIN_TOKEN_AGREEMENT = 0.5;

    static final class Agreement {
        int rows;
        long positions;
        long equal;
        final List<String> firstTokenMismatches = new ArrayList<>();

        double fraction() {
            return positions == 0 ? 0.0 : (double) equal / positions;
        }
    }

    static Agreement compare(String bundle, boolean greedyOnly) {
        Blip2Engine engine = Fixtures.engine(bundle);
        Agreement a = new Agreement();
        for (Case c : Fixtures.golden(Fixtures.goldenBundle(bundle)).cases()) {
            boolean greedy = c.options().numBeams() == null || c.options().numBeams() == 1;
            if (greedyOnly && !greedy) {
                continue;
            }
            List<List<Integer>> got = sequences(engine.infer(c.requests()));
            assertThat(got).as("%s sequences", c.name()).hasSameSizeAs(c.sequences());
            for (int r = 0; r < got.size(); r++) {
                List<Integer> want = c.sequences().get(r);
                List<Integer> have = got.get(r);
                a.rows++;
                int n = Math.max(want.size(), have.size());
                a.positions += n;
                for (int i = 0; i < Math.min(want.size(), have.size()); i++) {
                    a.equal += want.get(i).equals(have.get(i)) ? 1 : 0;
                }
                if (want.isEmpty() || have.isEmpty() || !want.getFirst().equals(have.getFirst())) {
                    a.firstTokenMismatches.add(c.name() + " row " + r + ": HF " + want + " fp16 " + have);
                }
            }
        }
        return a;
    }

    static List<List<Integer>> sequences(List<InferenceOutcome> outcomes) {
        List<List<Integer>> out = new ArrayList<>();
        for (InferenceOutcome o : outcomes) {
            assertThat(o).as("outcome %s", o.id()).isInstanceOf(InferenceOutcome.Success.class);
            for (InferenceOutcome.Sequence s : ((InferenceOutcome.Success) o).sequences()) {
                out.add(java.util.Arrays.stream(s.tokenIds()).boxed().toList());
            }
        }
        return out;
    }

    static JsonNode verification(String bundle) {
        try {
            return new ObjectMapper().readTree(Fixtures.bundle(bundle).resolve("manifest.json").toFile())
                    .path("verification");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
