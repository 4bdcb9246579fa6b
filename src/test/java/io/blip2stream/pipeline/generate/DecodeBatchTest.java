package io.blip2stream.pipeline.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The running batch's protocol on the toy LM: requests of every decoding mode joining one by one at
 * successive steps, in one batch, each get exactly what they get alone (tokens, finish reasons and
 * beam scores); finished requests leave at once; the rows held always add up.
 */
class DecodeBatchTest {
    private static final int BOS = 2;
    private static final GenerationConstants CONSTS = new GenerationConstants(new int[] {3, 7}, 1, 50);

    record Request(int[] prompt, GenerationOptions options, long seed) {
    }

    static List<Request> requests() {
        List<Request> out = new ArrayList<>();
        int[][] prompts = {{BOS, 11, 12, 13}, {BOS, 20}, {BOS, 30, 31, 32, 33, 34, 35}, {0}, {BOS, 40, 41},
                {BOS, 9, 9, 9, 9}, {BOS, 5}};
        GenerationOptions[] options = {
                GeneratorBehaviourTest.opts(14, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1),
                GeneratorBehaviourTest.opts(3, 1, 1.0, false, false, 1.0, 50, 1.0, 1.3, 2, 1),
                GeneratorBehaviourTest.opts(12, 3, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 3),
                GeneratorBehaviourTest.opts(16, 4, 2.0, true, false, 1.0, 50, 1.0, 1.2, 3, 2),
                GeneratorBehaviourTest.opts(16, 1, 1.0, false, true, 0.9, 20, 0.95, 1.0, 0, 1),
                GeneratorBehaviourTest.opts(16, 1, 1.0, false, true, 1.3, 0, 0.9, 1.1, 2, 3),
                GeneratorBehaviourTest.opts(12, 3, 1.0, false, true, 1.0, 10, 1.0, 1.0, 0, 2)};
        for (int i = 0; i < prompts.length; i++) {
            out.add(new Request(prompts[i], options[i], 500L + i));
        }
        return out;
    }

    static List<GeneratedSequence> alone(Request r) {
        try (ToyLanguageModel lm = ToyGolden.model(List.of(r.prompt()), ToyLanguageModel.Mode.INCREMENTAL)) {
            return Generator.generate(lm, List.of(new RowInput(r.prompt(), r.seed())), r.options(), CONSTS).getFirst();
        }
    }

    @Test
    void requestsJoiningOneByOneAtSuccessiveStepsGetWhatTheyGetAlone() {
        List<Request> requests = requests();
        Map<Integer, List<GeneratedSequence>> got = new HashMap<>();
        DecodingKernels kernels = new DecodingKernels(CONSTS);
        try (ToyLanguageModel lm = ToyGolden.model(List.of(), ToyLanguageModel.Mode.INCREMENTAL)) {
            DecodeBatch<Integer> batch = new DecodeBatch<>(lm, CONSTS.vocabSize());
            int next = 0;
            int maxTogether = 0;
            while (next < requests.size() || batch.requests() > 0) {
                if (next < requests.size()) {
                    Request r = requests.get(next);
                    batch.join(List.of(next), List.of(kernels.start(new RowInput(r.prompt(), r.seed()), r.options())),
                            ToyLanguageModel.batchOf(List.of(r.prompt())));
                    next++;
                }
                maxTogether = Math.max(maxTogether, batch.requests());
                for (DecodeBatch.Finished<Integer> f : batch.step()) {
                    assertThat(f.error()).isNull();
                    got.put(f.key(), f.sequences());
                }
                assertThat(batch.rows()).isEqualTo(lm.rows());
            }
            assertThat(maxTogether).as("requests decoding together at some step").isGreaterThanOrEqualTo(4);
        }
        for (int i = 0; i < requests.size(); i++) {
            List<GeneratedSequence> expected = alone(requests.get(i));
            List<GeneratedSequence> actual = got.get(i);
            assertThat(actual).as("request " + i).hasSameSizeAs(expected);
            for (int j = 0; j < expected.size(); j++) {
                assertThat(actual.get(j).tokenIds()).as("request " + i + " sequence " + j).containsExactly(expected.get(j).tokenIds());
                assertThat(actual.get(j).finishReason()).isEqualTo(expected.get(j).finishReason());
                assertThat(Double.compare(actual.get(j).score(), expected.get(j).score())).isZero();
            }
        }
    }

    @Test
    void aRequestWhoseDecodingFailsLeavesAloneWithItsError() {
        DecodingKernels kernels = new DecodingKernels(CONSTS);
        try (ToyLanguageModel lm = ToyGolden.model(List.of(), ToyLanguageModel.Mode.INCREMENTAL)) {
            DecodeBatch<String> batch = new DecodeBatch<>(lm, CONSTS.vocabSize());
            Request ok = requests().getFirst();
            batch.join(List.of("ok", "bad"), List.of(kernels.start(new RowInput(ok.prompt(), ok.seed()), ok.options()),
                    new FailingDecoding()), ToyLanguageModel.batchOf(List.of(ok.prompt(), new int[] {BOS})));
            List<DecodeBatch.Finished<String>> first = batch.step();
            assertThat(first).singleElement().satisfies(f -> {
                assertThat(f.key()).isEqualTo("bad");
                assertThat(f.error()).hasMessage("broken");
            });
            assertThat(batch.requests()).isEqualTo(1);
            while (batch.requests() > 0) {
                batch.step().forEach(f -> assertThat(f.sequences().getFirst().tokenIds())
                        .containsExactly(alone(ok).getFirst().tokenIds()));
            }
        }
    }

    @Test
    void joinChecksItsArguments() {
        try (ToyLanguageModel lm = ToyGolden.model(List.of(), ToyLanguageModel.Mode.INCREMENTAL)) {
            DecodeBatch<String> batch = new DecodeBatch<>(lm, CONSTS.vocabSize());
            assertThatThrownBy(() -> batch.join(List.of("a"), List.of(), ToyLanguageModel.batchOf(List.of(new int[] {BOS}))))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** A decoding that throws at its first step. */
    private static final class FailingDecoding extends RequestDecoding {
        @Override
        public int rows() {
            return 1;
        }

        @Override
        public void advance(float[] logits, int first) {
            throw new IllegalStateException("broken");
        }

        @Override
        public boolean done() {
            return false;
        }

        @Override
        public int[] sources() {
            return new int[0];
        }

        @Override
        public long[] tokens() {
            return new long[0];
        }

        @Override
        public List<GeneratedSequence> result() {
            return List.of();
        }

    }
}
