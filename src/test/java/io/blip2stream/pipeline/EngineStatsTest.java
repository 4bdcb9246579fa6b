package io.blip2stream.pipeline;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.imaging.Png;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine counts its stages the same way on both paths: one vision run per batch of images, one
 * prefill per language-model run over prompts, one decoding step per decoder run with its rows.
 */
class EngineStatsTest {

    /** Exactly {@code n} new tokens, greedy. */
    static GenerationOptions exactly(int n) {
        return GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(n).minNewTokens(n).build());
    }

    /** A VQA request on a picture no other test shows (so the vision cache never has it). */
    static InferenceRequest request(String id, int seed, int tokens) {
        return new InferenceRequest(id, png(seed), new Prompt.Vqa("what is it?"), exactly(tokens));
    }

    static byte[] png(int seed) {
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);   // [40, 48] RGB
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, ((x * 5 + seed * 71) & 0xff) << 16 | ((y * 7 + seed * 29) & 0xff) << 8 | (seed * 113 & 0xff));
            }
        }
        return Png.encode(img);
    }

    @Test
    void aStaticBatchIsOneVisionRunOnePrefillAndOneDecoderRunPerTokenAfterTheFirst() {
        Blip2Engine engine = Fixtures.engine("tiny-opt");
        List<InferenceRequest> two = List.of(request("stats-a", 9001, 4), request("stats-b", 9002, 2));
        EngineStats.Snapshot before = engine.stats();

        assertThat(engine.infer(two)).allMatch(o -> o instanceof InferenceOutcome.Success);

        EngineStats.Snapshot d = engine.stats().minus(before);
        assertThat(d.visionRuns()).isEqualTo(1);
        assertThat(d.visionImages()).isEqualTo(2);
        assertThat(d.imagesPerVisionRun()).isEqualTo(2.0);
        assertThat(d.prefillRuns()).isEqualTo(1);
        assertThat(d.prefillRows()).isEqualTo(2);
        // tokens 2..4 of the first request and token 2 of the second: 2 rows, then 1 row twice
        assertThat(d.steps()).isEqualTo(3);
        assertThat(d.stepRows()).isEqualTo(4);
        assertThat(d.rowsPerStep()).isEqualTo(4.0 / 3);
        assertThat(d.stepNanos()).isPositive();
        assertThat(d.prefillNanos()).isPositive();
    }

    @Test
    void aContinuousSessionCountsEachNewcomersPrefillAndTheRowsOfEveryStep() {
        Blip2Engine engine = Fixtures.engine("tiny-t5");
        EngineStats.Snapshot before = engine.stats();
        List<InferenceOutcome> done = new ArrayList<>();
        try (DecodingSession<String> s = engine.openSession(4)) {
            InferenceRequest first = request("stats-c", 9003, 3);
            InferenceRequest second = request("stats-d", 9004, 3);
            assertThat(s.admit(List.of(first.id()), engine.prepare(List.of(first)))).isEmpty();
            s.step().forEach(c -> done.add(c.outcome()));   // first: token 2 (1 row)
            assertThat(s.admit(List.of(second.id()), engine.prepare(List.of(second)))).isEmpty();
            while (s.requests() > 0) {
                s.step().forEach(c -> done.add(c.outcome()));
            }
        }
        assertThat(done).hasSize(2).allMatch(o -> o instanceof InferenceOutcome.Success);

        EngineStats.Snapshot d = engine.stats().minus(before);
        assertThat(d.visionRuns()).as("one vision run per admission").isEqualTo(2);
        assertThat(d.visionImages()).isEqualTo(2);
        assertThat(d.prefillRuns()).as("one prefill per admission").isEqualTo(2);
        assertThat(d.prefillRows()).isEqualTo(2);
        // step 1: first alone; step 2: first's token 3 with second's token 2; step 3: second's token 3
        assertThat(d.steps()).isEqualTo(3);
        assertThat(d.stepRows()).isEqualTo(4);
    }
}
