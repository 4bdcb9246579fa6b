package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.model.BundleManifest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationOptionsMergeTest {

    private static final GenerationOptions DEFAULTS = GenerationOptions.HF_DEFAULTS;

    private static GenerationOverrides.Builder set() {
        return GenerationOverrides.builder();
    }

    @Test
    void noOptionsGivesTheDefaults() {
        assertThat(GenerationOptions.merge(DEFAULTS, GenerationOverrides.NONE, 64)).isEqualTo(DEFAULTS);
        assertThat(GenerationOverrides.NONE.wantsTokenIds()).isFalse();
        assertThat(DEFAULTS).isEqualTo(GenerationOptions.greedy(20));
    }

    @Test
    void setFieldsOverrideDefaults() {
        GenerationOverrides o = set().maxNewTokens(8).minNewTokens(2).numBeams(3).lengthPenalty(0.5).earlyStopping(true)
                .doSample(true).temperature(0.7).topK(10).topP(0.9).repetitionPenalty(1.2).noRepeatNgramSize(2)
                .numReturnSequences(3).seed(42L).returnTokenIds(true).build();

        GenerationOptions g = GenerationOptions.merge(DEFAULTS, o, 64);

        assertThat(g).isEqualTo(new GenerationOptions(8, 2, 3, 0.5, true, true, 0.7, 10, 0.9, 1.2, 2, 3, 42L));
        assertThat(o.wantsTokenIds()).isTrue();
    }

    @Test
    void maxNewTokensAboveTheLimitIsInvalidWithTheLimit() {
        GenerationOverrides o = set().maxNewTokens(100).build();

        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, o, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.limit()).hasValue(64);
                    assertThat(e.detail()).contains("max_new_tokens");
                });
    }

    @Test
    void outOfRangeValuesAreInvalidRequests() {
        GenerationOverrides beams = set().numBeams(17).build();
        GenerationOverrides topP = set().topP(1.5).build();
        GenerationOverrides returns = set().numBeams(2).numReturnSequences(3).build();

        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, beams, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.limit()).hasValue(16));
        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, topP, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, returns, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.limit()).hasValue(2));
    }

    @Test
    void defaultsAreKeptWithinWhatTheOverridesSet() {
        GenerationOptions defaults = GenerationOptions.of(set().minNewTokens(5).numBeams(4).numReturnSequences(4).build());

        GenerationOptions fewTokens = GenerationOptions.merge(defaults, set().maxNewTokens(3).build(), 64);
        GenerationOptions oneBeam = GenerationOptions.merge(defaults, set().numBeams(1).build(), 64);
        GenerationOptions sampled = GenerationOptions.merge(defaults, set().numBeams(1).doSample(true).build(), 64);

        assertThat(fewTokens.minNewTokens()).isEqualTo(3);
        assertThat(oneBeam.numReturnSequences()).isEqualTo(1);
        assertThat(sampled.numReturnSequences()).as("sampling may return more sequences than beams").isEqualTo(4);
    }

    @Test
    void explicitValuesAreNotClamped() {
        GenerationOverrides o = set().maxNewTokens(3).minNewTokens(5).build();

        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, o, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.detail()).contains("min_new_tokens"));
    }

    @Test
    void bundleDefaultsFillHuggingFacesDefaults() {
        BundleManifest.Generation g = new BundleManifest.Generation(30, null, 3, 1.5, "never", null, null, null, null,
                1.3, 2, null);
        BundleManifest.Generation early = new BundleManifest.Generation(null, null, 2, null, true, null, null, null,
                null, null, null, 2);

        assertThat(GenerationOptions.fromBundle(null)).isEqualTo(DEFAULTS);
        assertThat(GenerationOptions.fromBundle(g))
                .isEqualTo(new GenerationOptions(30, 0, 3, 1.5, false, false, 1.0, 50, 1.0, 1.3, 2, 1, null));
        assertThat(GenerationOptions.fromBundle(early).earlyStopping()).isTrue();
        assertThat(GenerationOptions.fromBundle(early).numReturnSequences()).isEqualTo(2);
    }

    @Test
    void theSeedIsNotPartOfTheBatchKey() {
        GenerationOptions seeded = GenerationOptions.of(set().doSample(true).seed(9L).build());

        assertThat(seeded.batchKey()).isEqualTo(GenerationOptions.of(set().doSample(true).build()));
        assertThat(seeded.withSeed(3L).seed()).isEqualTo(3L);
    }
}
