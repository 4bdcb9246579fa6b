package io.blip2stream.pipeline.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TopKTest {

    @Test
    void selectsTheLargestBestFirstAndBreaksTiesByLowerIndex() {
        float[] v = {0.5f, 2f, -1f, 2f, Float.NEGATIVE_INFINITY, 3f, 2f, 0f};
        int[] idx = new int[4];
        float[] val = new float[4];
        int n = new TopK(8).select(v, 0, v.length, 4, idx, val);
        assertThat(n).isEqualTo(4);
        assertThat(idx).containsExactly(5, 1, 3, 6);
        assertThat(val).containsExactly(3f, 2f, 2f, 2f);
    }

    @Test
    void agreesWithAFullSortOnRandomRows() {
        Random random = new Random(11);
        TopK topK = new TopK(48);
        for (int trial = 0; trial < 200; trial++) {
            int len = 1 + random.nextInt(500);
            int off = random.nextInt(7);
            float[] v = new float[off + len];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextInt(40) / 4f; // many ties
            }
            int k = 1 + random.nextInt(48);
            int[] idx = new int[k];
            float[] val = new float[k];
            int n = topK.select(v, off, len, k, idx, val);
            Integer[] order = new Integer[len];
            for (int i = 0; i < len; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> v[off + x] != v[off + y] ? Float.compare(v[off + y], v[off + x]) : Integer.compare(x, y));
            assertThat(n).isEqualTo(Math.min(k, len));
            for (int i = 0; i < n; i++) {
                assertThat(idx[i]).isEqualTo(order[i]);
                assertThat(val[i]).isEqualTo(v[off + order[i]]);
            }
            assertThat(topK.kthLargest(v, off, len, k)).isEqualTo(v[off + order[n - 1]]);
        }
    }
}
