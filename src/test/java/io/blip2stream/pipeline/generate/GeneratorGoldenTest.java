package io.blip2stream.pipeline.generate;

import io.blip2stream.api.GenerationOverrides;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Token-for-token equality with Hugging Face's {@code generate} on the toy LM (golden file from
 * src/test/python/golden_toy_lm.py), for the cached (incremental) and the uncached (recompute)
 * toy model alike. HF ran the toy without a cache, on full sequences; here the loop reorders and
 * drops cache rows, so equality also checks that bookkeeping.
 */
class GeneratorGoldenTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : ToyGolden.cases("cases")) {
            for (ToyLanguageModel.Mode mode : ToyLanguageModel.Mode.values()) {
                out.add(Arguments.of(c.get("name").asText() + " " + mode, c, mode));
            }
        }
        return out.stream();
    }

    @Test
    void goldenFileCoversTheAdvertisedOptions() {
        List<JsonNode> cases = ToyGolden.cases("cases");
        assertThat(cases).hasSizeGreaterThanOrEqualTo(70);
        assertThat(cases).anySatisfy(c -> assertThat(c.get("early_stopping").asText()).isEqualTo("never"));
        assertThat(cases).anySatisfy(c -> assertThat(c.get("eos_token_ids").size()).isEqualTo(2));
        assertThat(cases).anySatisfy(c -> assertThat(c.get("options").path("no_repeat_ngram_size").asInt()).isEqualTo(3));
        long eosFinishes = cases.stream().flatMap(c -> stream(c.get("results")))
                .flatMap(GeneratorGoldenTest::stream).filter(s -> s.get("finish_reason").asText().equals("eos")).count();
        assertThat(eosFinishes).as("sequences ending on eos").isGreaterThan(50);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesHuggingFace(String name, JsonNode c, ToyLanguageModel.Mode mode) {
        JsonNode o = c.get("options");
        int beams = o.path("num_beams").asInt(1);
        GenerationOptions options = GenerationOptions.of(GenerationOverrides.builder()
                .maxNewTokens(o.get("max_new_tokens").asInt()).minNewTokens(o.path("min_new_tokens").asInt(0))
                .numBeams(beams).lengthPenalty(o.path("length_penalty").asDouble(1.0))
                .earlyStopping(c.get("early_stopping").asText().equals("true"))
                .repetitionPenalty(o.path("repetition_penalty").asDouble(1.0))
                .noRepeatNgramSize(o.path("no_repeat_ngram_size").asInt(0))
                .numReturnSequences(o.path("num_return_sequences").asInt(1)).build());
        EarlyStopping es = switch (c.get("early_stopping").asText()) {
            case "true" -> EarlyStopping.TRUE;
            case "never" -> EarlyStopping.NEVER;
            default -> EarlyStopping.FALSE;
        };
        GenerationConstants consts = new GenerationConstants(ToyGolden.ints(c.get("eos_token_ids")), ToyGolden.pad(), ToyGolden.vocab());
        List<RowInput> rows = ToyGolden.intRows(c.get("context_ids")).stream().map(ids -> new RowInput(ids, 0L)).toList();

        List<List<GeneratedSequence>> got;
        try (ToyLanguageModel lm = ToyGolden.model(ToyGolden.intRows(c.get("prompts")), mode)) {
            got = Generator.generate(lm, rows, options, es, consts);
        }

        JsonNode expected = c.get("results");
        assertThat(got).hasSize(expected.size());
        for (int r = 0; r < expected.size(); r++) {
            JsonNode exp = expected.get(r);
            assertThat(got.get(r)).as("row %d", r).hasSize(exp.size());
            for (int j = 0; j < exp.size(); j++) {
                JsonNode e = exp.get(j);
                GeneratedSequence s = got.get(r).get(j);
                assertThat(s.tokenIds()).as("row %d sequence %d tokens", r, j).containsExactly(ToyGolden.ints(e.get("tokens")));
                assertThat(s.finishReason().wire()).as("row %d sequence %d finish", r, j).isEqualTo(e.get("finish_reason").asText());
                if (beams > 1) {
                    double score = e.get("score").asDouble(); // float32; with length_penalty -1 scores reach ~-300
                    assertThat(s.score()).as("row %d sequence %d score", r, j)
                            .isCloseTo(score, within(1e-5 * Math.max(1.0, Math.abs(score))));
                } else {
                    assertThat(s.score()).isNaN();
                }
            }
        }
    }

    static Stream<Arguments> processorCases() {
        return ToyGolden.cases("processor_cases").stream().map(c -> Arguments.of(c.get("name").asText(), c));
    }

    /** HF's processors and sampling warpers applied to fixed score rows. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("processorCases")
    void processorsMatchHuggingFace(String name, JsonNode c) {
        JsonNode spec = c.get("spec");
        boolean beam = spec.path("beam").asBoolean(false);
        GenerationOptions options = GenerationOptions.of(GenerationOverrides.builder()
                .minNewTokens(spec.path("min_new_tokens").asInt(0)).numBeams(beam ? 2 : 1).doSample(true)
                .temperature(spec.path("temperature").asDouble(1.0)).topK(spec.path("top_k").asInt(0))
                .topP(spec.path("top_p").asDouble(1.0)).repetitionPenalty(spec.path("repetition_penalty").asDouble(1.0))
                .noRepeatNgramSize(spec.path("no_repeat_ngram_size").asInt(0)).numReturnSequences(1).seed(1L).build());
        GenerationConstants consts = new GenerationConstants(ToyGolden.ints(c.get("eos_token_ids")), ToyGolden.pad(), ToyGolden.vocab());
        LogitsPipeline pipeline = new LogitsPipeline(options, consts, beam);
        int promptLength = c.get("prompt_length").asInt();
        List<int[]> ids = ToyGolden.intRows(c.get("context_ids"));
        for (int r = 0; r < ids.size(); r++) {
            int[] all = ids.get(r);
            TokenHistory h = new TokenHistory(new RowInput(java.util.Arrays.copyOf(all, promptLength), 0L), 20);
            for (int i = promptLength; i < all.length; i++) {
                h.append(all[i]);
            }
            float[] scores = ToyGolden.floats(c.get("scores").get(r));
            float[] expected = ToyGolden.floats(c.get("processed").get(r));
            pipeline.apply(scores, 0, h);
            for (int v = 0; v < scores.length; v++) {
                if (expected[v] == Float.NEGATIVE_INFINITY) {
                    assertThat(scores[v]).as("row %d token %d removed", r, v).isEqualTo(Float.NEGATIVE_INFINITY);
                } else {
                    assertThat(scores[v]).as("row %d token %d", r, v).isCloseTo(expected[v], within(1e-6f));
                }
            }
        }
    }

    private static Stream<JsonNode> stream(JsonNode arr) {
        List<JsonNode> out = new ArrayList<>();
        arr.forEach(out::add);
        return out.stream();
    }
}
