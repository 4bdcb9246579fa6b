package io.blip2stream.onnx;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PositionIdsTest {

    @Test
    void cumsumMinusOneWithPadsAtZero() {
        long[] mask = {
                1, 1, 0, 0, 1, 1,   // image, image, pad, pad, bos, token
                1, 1, 1, 1, 1, 1};
        assertThat(OptLanguageModel.positionIds(mask, 2, 6))
                .containsExactly(0, 1, 0, 0, 2, 3,
                        0, 1, 2, 3, 4, 5);
    }

    @Test
    void identityReorderIsRecognised() {
        assertThat(OptStep.isIdentity(new int[]{0, 1, 2}, 3)).isTrue();
        assertThat(OptStep.isIdentity(new int[]{0, 2}, 3)).isFalse();
        assertThat(OptStep.isIdentity(new int[]{1, 0, 2}, 3)).isFalse();
    }
}
