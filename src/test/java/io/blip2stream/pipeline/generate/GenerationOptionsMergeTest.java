package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationOptionsMergeTest {

    private static final GenerationOptions DEFAULTS = GenerationOptions.greedy(20);

    @Test
    void noOptionsGivesTheDefaults() {
        assertThat(GenerationOptions.merge(DEFAULTS, GenerationOverrides.NONE, 64)).isEqualTo(DEFAULTS);
        assertThat(GenerationOverrides.NONE.wantsTokenIds()).isFalse();
    }

    @Test
    void setFieldsOverrideDefaults() {
        GenerationOverrides o = new GenerationOverrides(8, 2, 3, 0.5, true, 0.7, 10, 0.9, 1.2, 2, 3, 42L, true);

        GenerationOptions g = GenerationOptions.merge(DEFAULTS, o, 64);

        assertThat(g).isEqualTo(new GenerationOptions(8, 2, 3, 0.5, false, true, 0.7, 10, 0.9, 1.2, 2, 3, 42L));
        assertThat(o.wantsTokenIds()).isTrue();
    }

    @Test
    void maxNewTokensAboveTheServiceLimitIsInvalidWithTheLimit() {
        GenerationOverrides o = new GenerationOverrides(100, null, null, null, null, null, null, null, null, null, null, null, null);

        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, o, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.limit()).hasValue(64);
                    assertThat(e.detail()).contains("max_new_tokens");
                });
    }

    @Test
    void outOfRangeValuesAreInvalidRequests() {
        GenerationOverrides beams = new GenerationOverrides(null, null, 17, null, null, null, null, null, null, null, null, null, null);
        GenerationOverrides topP = new GenerationOverrides(null, null, null, null, null, null, null, 1.5, null, null, null, null, null);
        GenerationOverrides returns = new GenerationOverrides(null, null, 2, null, null, null, null, null, null, null, 3, null, null);

        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, beams, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.limit()).hasValue(16));
        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, topP, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        assertThatThrownBy(() -> GenerationOptions.merge(DEFAULTS, returns, 64))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.limit()).hasValue(2));
    }

    @Test
    void smallMaxNewTokensKeepsADefaultMinimumWithinRange() {
        GenerationOptions defaults = new GenerationOptions(20, 5, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1, null);
        GenerationOverrides o = new GenerationOverrides(3, null, null, null, null, null, null, null, null, null, null, null, null);

        assertThat(GenerationOptions.merge(defaults, o, 64).minNewTokens()).isEqualTo(3);
    }
}
