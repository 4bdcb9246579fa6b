package io.blip2stream.pipeline.generate;

import io.blip2stream.api.GenerationOverrides;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Batching, caching and row-dropping properties of the loop, on the toy LM of the goldens. */
class GeneratorBehaviourTest {
    private static final int BOS = 2;
    private static final List<int[]> PROMPTS = List.of(
            new int[] {BOS, 11, 12, 13}, new int[] {BOS, 20}, new int[] {BOS, 30, 31, 32, 33, 34, 35},
            new int[] {0}, new int[] {BOS, 40, 41}, new int[] {BOS, 9, 9, 9, 9});
    private static final GenerationConstants ONE_EOS = new GenerationConstants(new int[] {3}, 1, 50);
    private static final GenerationConstants TWO_EOS = new GenerationConstants(new int[] {3, 7}, 1, 50);

    static GenerationOptions opts(int maxNew, int beams, double lp, boolean es, boolean sample, double temperature,
                                  int topK, double topP, double rep, int ngram, int returns) {
        return GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(maxNew).minNewTokens(0).numBeams(beams)
                .lengthPenalty(lp).earlyStopping(es).doSample(sample).temperature(temperature).topK(topK).topP(topP)
                .repetitionPenalty(rep).noRepeatNgramSize(ngram).numReturnSequences(returns).build());
    }

    static Stream<Arguments> optionSets() {
        return Stream.of(
                Arguments.of("greedy", opts(14, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1), TWO_EOS),
                Arguments.of("greedy-rep-ngram", opts(14, 1, 1.0, false, false, 1.0, 50, 1.0, 1.3, 2, 1), ONE_EOS),
                Arguments.of("beam3", opts(12, 3, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 3), ONE_EOS),
                Arguments.of("beam4-es", opts(16, 4, 2.0, true, false, 1.0, 50, 1.0, 1.2, 3, 2), TWO_EOS),
                Arguments.of("sample", opts(16, 1, 1.0, false, true, 0.9, 20, 0.95, 1.0, 0, 1), ONE_EOS),
                Arguments.of("sample-3-returns", opts(16, 1, 1.0, false, true, 1.3, 0, 0.9, 1.1, 2, 3), TWO_EOS),
                Arguments.of("beam-sample", opts(12, 3, 1.0, false, true, 1.0, 10, 1.0, 1.0, 0, 2), ONE_EOS));
    }

    private static List<RowInput> rows(List<int[]> prompts) {
        List<RowInput> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            rows.add(new RowInput(prompts.get(i), 1000L + i));
        }
        return rows;
    }

    private static List<List<GeneratedSequence>> run(List<int[]> prompts, GenerationOptions o, GenerationConstants c,
                                                     ToyLanguageModel.Mode mode) {
        try (ToyLanguageModel lm = ToyGolden.model(prompts, mode)) {
            return Generator.generate(lm, rows(prompts), o, c);
        }
    }

    private static void assertSame(List<GeneratedSequence> actual, List<GeneratedSequence> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int j = 0; j < expected.size(); j++) {
            assertThat(actual.get(j).tokenIds()).containsExactly(expected.get(j).tokenIds());
            assertThat(actual.get(j).finishReason()).isEqualTo(expected.get(j).finishReason());
            assertThat(Double.compare(actual.get(j).score(), expected.get(j).score())).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionSets")
    void batchGivesEachRowWhatItGetsAlone(String name, GenerationOptions o, GenerationConstants c) {
        List<List<GeneratedSequence>> batch = run(PROMPTS, o, c, ToyLanguageModel.Mode.INCREMENTAL);
        assertThat(batch).hasSize(PROMPTS.size());
        for (int r = 0; r < PROMPTS.size(); r++) {
            int[] prompt = PROMPTS.get(r);
            List<List<GeneratedSequence>> alone;
            try (ToyLanguageModel lm = ToyGolden.model(List.of(prompt), ToyLanguageModel.Mode.INCREMENTAL)) {
                alone = Generator.generate(lm, List.of(new RowInput(prompt, 1000L + r)), o, c);
            }
            assertThat(batch.get(r)).hasSize(o.numReturnSequences());
            assertSame(batch.get(r), alone.get(0));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionSets")
    void cachedDecodingEqualsRecomputingFromTheFullHistory(String name, GenerationOptions o, GenerationConstants c) {
        List<List<GeneratedSequence>> cached = run(PROMPTS, o, c, ToyLanguageModel.Mode.INCREMENTAL);
        List<List<GeneratedSequence>> naive = run(PROMPTS, o, c, ToyLanguageModel.Mode.RECOMPUTE);
        for (int r = 0; r < PROMPTS.size(); r++) {
            assertSame(cached.get(r), naive.get(r));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optionSets")
    void everySequenceRespectsTheLimitsAndItsFinishReason(String name, GenerationOptions o, GenerationConstants c) {
        for (List<GeneratedSequence> row : run(PROMPTS, o, c, ToyLanguageModel.Mode.INCREMENTAL)) {
            for (GeneratedSequence s : row) {
                int[] t = s.tokenIds();
                assertThat(t.length).isBetween(1, o.maxNewTokens());
                for (int i = 0; i < t.length - 1; i++) {
                    assertThat(c.isEos(t[i])).as("eos only at the end").isFalse();
                }
                if (s.finishReason() == FinishReason.EOS) {
                    assertThat(c.isEos(t[t.length - 1])).isTrue();
                } else {
                    assertThat(t).hasSize(o.maxNewTokens());
                }
            }
            if (o.numBeams() > 1 && !o.doSample()) {
                for (int j = 1; j < row.size(); j++) {
                    assertThat(row.get(j).score()).as("best first").isLessThanOrEqualTo(row.get(j - 1).score());
                }
            }
        }
    }

    @Test
    void greedyRowsLeaveTheModelWhenTheyFinish() {
        GenerationOptions o = opts(12, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1);
        List<int[]> prompts = PROMPTS.subList(0, 3);
        try (ToyLanguageModel lm = ToyGolden.model(prompts, ToyLanguageModel.Mode.INCREMENTAL)) {
            List<List<GeneratedSequence>> out = Generator.generate(lm, rows(prompts), o, ONE_EOS);
            int[] lengths = out.stream().mapToInt(r -> r.get(0).tokenIds().length).toArray();
            assertThat(lengths).as("rows finish at different steps").doesNotHaveDuplicates();
            long expected = prompts.size();
            for (int len : lengths) {
                expected += len - 1; // the prefill row, then one row per later token
            }
            assertThat(lm.rowsComputed()).isEqualTo(expected).isLessThan((long) prompts.size() * o.maxNewTokens());
            assertThat(lm.rowsPerCall()).isSortedAccordingTo((x, y) -> Integer.compare(y, x));
        }
    }

    @Test
    void beamRequestsLeaveTheModelWhenTheyAreDone() {
        GenerationOptions o = opts(24, 3, 1.0, true, false, 1.0, 50, 1.0, 1.0, 0, 1);
        try (ToyLanguageModel lm = ToyGolden.model(PROMPTS, ToyLanguageModel.Mode.INCREMENTAL)) {
            Generator.generate(lm, rows(PROMPTS), o, TWO_EOS);
            List<Integer> perCall = lm.rowsPerCall();
            assertThat(perCall.get(0)).as("prefill: one row per request").isEqualTo(PROMPTS.size());
            List<Integer> steps = perCall.subList(1, perCall.size());
            assertThat(steps).isSortedAccordingTo((x, y) -> Integer.compare(y, x));
            assertThat(steps).allMatch(n -> n % 3 == 0);
            assertThat(steps.get(0)).isEqualTo(3 * PROMPTS.size());
            assertThat(steps.get(steps.size() - 1)).as("early finishers dropped").isLessThan(3 * PROMPTS.size());
            assertThat(perCall.size()).as("stopped before the length limit").isLessThan(o.maxNewTokens());
        }
    }

    @Test
    void samplingIsReproducibleBySeedAndVariesAcrossSeeds() {
        GenerationOptions o = opts(20, 1, 1.0, false, true, 1.2, 0, 1.0, 1.0, 0, 2);
        List<int[]> prompt = List.of(PROMPTS.get(0));
        List<int[]> distinct = new ArrayList<>();
        for (long seed = 1; seed <= 6; seed++) {
            List<GeneratedSequence> first;
            List<GeneratedSequence> again;
            try (ToyLanguageModel lm = ToyGolden.model(prompt, ToyLanguageModel.Mode.INCREMENTAL)) {
                first = Generator.generate(lm, List.of(new RowInput(prompt.get(0), seed)), o, GenerationConstants.of(List.of(), 1, 50)).get(0);
            }
            try (ToyLanguageModel lm = ToyGolden.model(prompt, ToyLanguageModel.Mode.INCREMENTAL)) {
                again = Generator.generate(lm, List.of(new RowInput(prompt.get(0), seed)), o, GenerationConstants.of(List.of(), 1, 50)).get(0);
            }
            assertSame(again, first);
            assertThat(first.get(0).tokenIds()).as("the return sequences of one row differ").isNotEqualTo(first.get(1).tokenIds());
            distinct.add(first.get(0).tokenIds());
        }
        assertThat(distinct.stream().map(java.util.Arrays::toString).distinct().count()).isEqualTo(6);
    }

    @Test
    void beamSamplingCannotReturnMoreSequencesThanBeams() {
        GenerationOptions o = opts(8, 2, 1.0, false, true, 1.0, 50, 1.0, 1.0, 0, 3);
        try (ToyLanguageModel lm = ToyGolden.model(PROMPTS.subList(0, 1), ToyLanguageModel.Mode.INCREMENTAL)) {
            assertThatThrownBy(() -> Generator.generate(lm, rows(PROMPTS.subList(0, 1)), o, ONE_EOS))
                    .isInstanceOfSatisfying(io.blip2stream.api.Blip2Exception.class, e -> {
                        assertThat(e.code()).isEqualTo(io.blip2stream.api.ErrorCode.INVALID_REQUEST);
                        assertThat(e.limit()).hasValue(2);
                    });
            assertThat(lm.rowsComputed()).isZero();
        }
    }

    @Test
    void rejectsAModelThatHoldsOtherRows() {
        try (ToyLanguageModel lm = ToyGolden.model(PROMPTS.subList(0, 2), ToyLanguageModel.Mode.INCREMENTAL)) {
            assertThatThrownBy(() -> Generator.generate(lm, rows(PROMPTS.subList(0, 3)),
                    GenerationOptions.greedy(5), ONE_EOS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 rows");
        }
        try (ToyLanguageModel lm = ToyGolden.model(PROMPTS.subList(0, 1), ToyLanguageModel.Mode.INCREMENTAL)) {
            assertThatThrownBy(() -> Generator.generate(lm, rows(PROMPTS.subList(0, 1)),
                    GenerationOptions.greedy(5), new GenerationConstants(new int[] {3}, 1, 60)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("60");
        }
    }

    /** HF names: max_new 8, min 0, beams, length_penalty, early, do_sample, temperature, top_k 0, top_p 1, repetition, ngram 0, returns 1. */
    private static GenerationOptions extreme(int beams, double lengthPenalty, boolean sample, double temperature,
                                             double repetition) {
        return new GenerationOptions(8, 0, beams, lengthPenalty, false, sample, temperature, 0, 1.0, repetition, 0, 1, 7L);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @MethodSource("engineBreakers")
    void optionsThatWouldBreakTheEngineAreInvalidRequestsWithTheLimit(String name, Runnable options) {
        org.assertj.core.api.Assertions.assertThatThrownBy(options::run)
                .isInstanceOfSatisfying(io.blip2stream.api.Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(io.blip2stream.api.ErrorCode.INVALID_REQUEST);
                    assertThat(e.detail()).contains("must be in [");
                });
    }

    static Stream<Arguments> engineBreakers() {
        return Stream.of(
                Arguments.of("temperature 1e-300", (Runnable) () -> extreme(1, 1.0, true, 1e-300, 1.0)),
                Arguments.of("temperature 1e300", (Runnable) () -> extreme(1, 1.0, true, 1e300, 1.0)),
                Arguments.of("repetition_penalty 1e-300", (Runnable) () -> extreme(1, 1.0, false, 1.0, 1e-300)),
                Arguments.of("repetition_penalty 1e300", (Runnable) () -> extreme(1, 1.0, false, 1.0, 1e300)),
                Arguments.of("length_penalty 1e300", (Runnable) () -> extreme(3, 1e300, false, 1.0, 1.0)),
                Arguments.of("length_penalty -1e300", (Runnable) () -> extreme(3, -1e300, false, 1.0, 1.0)));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void everyValueWithinTheLimitsGenerates(String name, GenerationOptions o) {
        for (List<GeneratedSequence> row : run(PROMPTS, o, ONE_EOS, ToyLanguageModel.Mode.INCREMENTAL)) {
            assertThat(row).isNotEmpty();
            if (o.numBeams() > 1) { // greedy and sampling have no score (NaN)
                assertThat(row).allSatisfy(q -> assertThat(Double.isNaN(q.score())).isFalse());
            }
        }
    }

    static Stream<Arguments> boundaries() {
        double tMin = GenerationOptions.MIN_TEMPERATURE;
        double tMax = GenerationOptions.MAX_TEMPERATURE;
        double pMin = GenerationOptions.MIN_REPETITION_PENALTY;
        double pMax = GenerationOptions.MAX_REPETITION_PENALTY;
        double lMax = GenerationOptions.MAX_ABS_LENGTH_PENALTY;
        return Stream.of(
                Arguments.of("sample at the lowest temperature", extreme(1, 1.0, true, tMin, 1.0)),
                Arguments.of("sample at the highest temperature", extreme(1, 1.0, true, tMax, 1.0)),
                Arguments.of("beam sample at the lowest temperature", extreme(3, 1.0, true, tMin, 1.0)),
                Arguments.of("lowest repetition penalty", extreme(1, 1.0, false, 1.0, pMin)),
                Arguments.of("highest repetition penalty", extreme(1, 1.0, true, 1.0, pMax)),
                Arguments.of("highest length penalty", extreme(3, lMax, false, 1.0, 1.0)),
                Arguments.of("lowest length penalty", extreme(3, -lMax, false, 1.0, 1.0)));
    }
}
