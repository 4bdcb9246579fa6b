package io.blip2stream.onnx;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LmBatchTest {

    @Test
    void textPartDropsTheImagePositions() {
        // Q = 2, T = 5: [img, img, pad, bos, x] and [img, img, bos, y, z]
        LmBatch b = new LmBatch(2, 5, new long[]{9, 9, 1, 2, 7, 9, 9, 2, 5, 6},
                new long[]{1, 1, 0, 1, 1, 1, 1, 1, 1, 1}, new float[2 * 2 * 3], 2);
        assertThat(b.textLength()).isEqualTo(3);
        assertThat(b.textIds()).containsExactly(1, 2, 7, 2, 5, 6);
        assertThat(b.textMask()).containsExactly(0, 1, 1, 1, 1, 1);
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThatThrownBy(() -> new LmBatch(2, 5, new long[9], new long[10], new float[12], 2))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
