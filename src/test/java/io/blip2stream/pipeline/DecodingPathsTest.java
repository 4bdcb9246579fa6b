package io.blip2stream.pipeline;

import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.Fixtures.Case;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast paths against naive references: the KV-cached step against the recomputing one, and a
 * batch against each of its requests alone. The fp16 bundles run their fp32 counterpart's cases.
 */
class DecodingPathsTest {

    /** Cases with more than one image, or beams (reordering), per bundle. */
    static Stream<Arguments> batchedCases() {
        return Fixtures.decodingBundles().stream().flatMap(b -> Fixtures.golden(Fixtures.goldenBundle(b)).cases().stream()
                .filter(c -> c.images().size() > 1).map(c -> Arguments.of(b, c)));
    }

    static Stream<Arguments> referenceCases() {
        return Fixtures.decodingBundles().stream().flatMap(b -> Fixtures.golden(Fixtures.goldenBundle(b)).cases().stream()
                .filter(c -> c.images().size() <= 2 || c.options().numBeams() == null || c.options().numBeams() == 1)
                .map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("referenceCases")
    void cachedDecodingEqualsTheUncachedReference(String bundle, Case c) {
        Blip2Engine engine = Fixtures.engine(bundle);
        List<InferenceOutcome> cached = engine.infer(c.requests(), Blip2Engine.Decoding.CACHED);
        List<InferenceOutcome> reference = engine.infer(c.requests(), Blip2Engine.Decoding.REFERENCE);
        assertThat(tokens(cached)).isEqualTo(tokens(reference));
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("batchedCases")
    void aBatchEqualsEachRequestAlone(String bundle, Case c) {
        Blip2Engine engine = Fixtures.engine(bundle);
        List<InferenceOutcome> batched = engine.infer(c.requests());
        List<InferenceOutcome> alone = new ArrayList<>();
        for (var r : c.requests()) {
            alone.addAll(engine.infer(List.of(r)));
        }
        assertThat(tokens(batched)).isEqualTo(tokens(alone));
        if (!Fixtures.isFp16(bundle)) {
            // fp16 against the fp32 goldens: Fp16BundlesTest
            GoldenGenerationTest.assertSequences(c, batched);
        }
    }

    static List<List<List<Integer>>> tokens(List<InferenceOutcome> outcomes) {
        return outcomes.stream().map(o -> ((InferenceOutcome.Success) o).sequences().stream()
                .map(s -> java.util.Arrays.stream(s.tokenIds()).boxed().toList()).toList()).toList();
    }
}
