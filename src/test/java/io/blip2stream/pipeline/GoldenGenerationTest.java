package io.blip2stream.pipeline;

import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.Fixtures.Case;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every case of every golden file, token for token, against HF's processor and generate. */
class GoldenGenerationTest {

    static Stream<Arguments> cases() {
        return Fixtures.availableBundles().stream()
                .flatMap(b -> Fixtures.golden(b).cases().stream().map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("cases")
    void inputIdsEqualTheProcessors(String bundle, Case c) {
        Blip2Engine engine = Fixtures.engine(bundle);
        List<long[]> texts = c.prompts().stream().map(p -> engine.tokenizer().encodeText(p)).toList();
        TokenizedBatch tb = engine.tokenizer().batch(texts);
        for (int b = 0; b < c.images().size(); b++) {
            assertThat(tb.ids(b)).as("input_ids row %d", b)
                    .containsExactly(c.inputIds().get(b).stream().mapToLong(Long::longValue).toArray());
            assertThat(tb.mask(b)).as("attention_mask row %d", b)
                    .containsExactly(c.attentionMask().get(b).stream().mapToLong(Long::longValue).toArray());
        }
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("cases")
    void sequencesEqualHfGenerate(String bundle, Case c) {
        List<InferenceOutcome> outcomes = Fixtures.engine(bundle).infer(c.requests());
        assertSequences(c, outcomes);
    }

    /** Flattens the outcomes image by image and compares ids, finish reasons and texts. */
    static void assertSequences(Case c, List<InferenceOutcome> outcomes) {
        List<List<Integer>> ids = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (InferenceOutcome o : outcomes) {
            assertThat(o).as("outcome %s", o.id()).isInstanceOf(InferenceOutcome.Success.class);
            InferenceOutcome.Success s = (InferenceOutcome.Success) o;
            assertThat(s.sequences()).hasSize(c.returnSequences());
            for (InferenceOutcome.Sequence q : s.sequences()) {
                ids.add(Arrays.stream(q.tokenIds()).boxed().toList());
                reasons.add(q.finishReason().wire());
                texts.add(q.text());
            }
        }
        assertThat(ids).as("token ids").isEqualTo(c.sequences());
        if (c.finishReasons() != null) {
            assertThat(reasons).as("finish reasons").isEqualTo(c.finishReasons());
        }
        if (c.texts() != null) {
            assertThat(texts).as("texts").isEqualTo(c.texts());
        }
    }
}
