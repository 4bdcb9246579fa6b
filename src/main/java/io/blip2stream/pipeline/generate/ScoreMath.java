package io.blip2stream.pipeline.generate;

/**
 * float32 numerics on one logits row, written to follow PyTorch's CPU kernels: the same
 * operations in the same precision (sums in float32), so results agree with torch to a few ulps.
 */
final class ScoreMath {
    private ScoreMath() {
    }

    /**
     * In-place log-softmax of {@code row[off, off+len)} as {@code torch.log_softmax} computes it:
     * {@code (x - max) - log(sum(exp(x - max)))}.
     */
    static void logSoftmaxInPlace(float[] row, int off, int len) {
        float max = max(row, off, len);
        if (max == Float.NEGATIVE_INFINITY) {
            return; // every entry is -inf: torch gives NaN; keep -inf so nothing can be chosen
        }
        float sum = 0f;
        for (int i = off; i < off + len; i++) {
            sum += (float) Math.exp(row[i] - max);
        }
        float logSum = (float) Math.log(sum);
        for (int i = off; i < off + len; i++) {
            row[i] = (row[i] - max) - logSum;
        }
    }

    /**
     * Softmax of {@code src[off, off+len)} into {@code dst[0, len)}, as {@code torch.softmax}:
     * {@code exp(x - max) * (1 / sum)}.
     */
    static void softmax(float[] src, int off, int len, float[] dst) {
        float max = max(src, off, len);
        float sum = 0f;
        for (int i = 0; i < len; i++) {
            float e = (float) Math.exp(src[off + i] - max);
            dst[i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < len; i++) {
            dst[i] *= inv;
        }
    }

    static float max(float[] row, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = off; i < off + len; i++) {
            if (row[i] > max) {
                max = row[i];
            }
        }
        return max;
    }

    /** Index (relative to off) of the first maximal entry, as {@code torch.argmax}. */
    static int argmax(float[] row, int off, int len) {
        int best = 0;
        float max = row[off];
        for (int i = 1; i < len; i++) {
            if (row[off + i] > max) {
                max = row[off + i];
                best = i;
            }
        }
        return best;
    }
}
