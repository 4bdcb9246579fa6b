package io.blip2stream.pipeline.generate;

import io.blip2stream.api.GenerationOverrides;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sampled token frequencies against the distribution the warpers define, on a language model
 * whose next-token logits never change. Seeds are fixed, so the outcome is deterministic; the
 * chi-square bounds are the 0.1% critical values, which a correct sampler passes and a wrong
 * distribution (off by a few percent per token over 10,000 draws) fails.
 */
class SamplingStatisticsTest {
    private static final float[] LOGITS = {2.0f, 1.5f, 1.0f, 0.5f, 0.0f, -0.5f, -1.0f, -3.0f};
    private static final int ROWS = 20;
    private static final int TOKENS = 500;
    private static final GenerationConstants NO_EOS = new GenerationConstants(new int[0], 0, LOGITS.length);
    /** Chi-square 0.999 quantiles by degrees of freedom. */
    private static final double[] CHI2_999 = {0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32};

    private static long[] counts(double temperature, int topK, double topP) {
        GenerationOptions o = GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(TOKENS).doSample(true)
                .temperature(temperature).topK(topK).topP(topP).build());
        List<RowInput> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            rows.add(new RowInput(new int[] {0}, 7L * r + 3));
        }
        long[] counts = new long[LOGITS.length];
        try (ToyLanguageModel lm = ToyLanguageModel.constant(LOGITS, ROWS)) {
            for (List<GeneratedSequence> row : Generator.generate(lm, rows, o, NO_EOS)) {
                for (int t : row.get(0).tokenIds()) {
                    counts[t]++;
                }
            }
        }
        return counts;
    }

    private static double[] softmax(double temperature, boolean[] kept) {
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = kept[i] ? Math.exp(LOGITS[i] / temperature) : 0;
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static boolean[] firstKept(int n) {
        boolean[] kept = new boolean[LOGITS.length];
        for (int i = 0; i < n; i++) {
            kept[i] = true; // LOGITS are in descending order
        }
        return kept;
    }

    private static void assertFollows(long[] counts, double[] p) {
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        assertThat(total).isEqualTo((long) ROWS * TOKENS);
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) {
                assertThat(counts[i]).as("token %d is excluded", i).isZero();
                continue;
            }
            double expected = p[i] * total;
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
            df++;
        }
        assertThat(chi2).as("chi-square over %d degrees of freedom", df).isLessThan(CHI2_999[df]);
    }

    @Test
    void plainSamplingFollowsTheSoftmax() {
        assertFollows(counts(1.0, 0, 1.0), softmax(1.0, firstKept(8)));
    }

    @Test
    void temperatureSharpensAndFlattens() {
        assertFollows(counts(0.6, 0, 1.0), softmax(0.6, firstKept(8)));
        assertFollows(counts(2.5, 0, 1.0), softmax(2.5, firstKept(8)));
    }

    @Test
    void topKKeepsOnlyTheKMostLikelyTokens() {
        assertFollows(counts(1.0, 3, 1.0), softmax(1.0, firstKept(3)));
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        double[] p = softmax(1.0, firstKept(8));
        // p ~ .39 .24 .14 .09 .05 .03 .02 .002: the mass above token 3 is .77 < .8, above token 4 it is .86
        double above = 0;
        int keep = 0;
        while (above < 0.8) {
            above += p[keep++];
        }
        assertThat(keep).isEqualTo(4);
        assertFollows(counts(1.0, 0, 0.8), softmax(1.0, firstKept(keep)));
    }

    @Test
    void warpersComposeInHuggingFaceOrder() {
        // temperature first, then top_k 5, then top_p 0.7 over the renormalised five
        double[] t = softmax(0.8, firstKept(5));
        double above = 0;
        int keep = 0;
        while (above < 0.7) {
            above += t[keep++];
        }
        assertFollows(counts(0.8, 5, 0.7), softmax(0.8, firstKept(keep)));
    }
}
