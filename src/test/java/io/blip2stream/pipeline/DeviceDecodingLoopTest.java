package io.blip2stream.pipeline;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.Fixtures.Case;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The device loop ({@code blip2.decode-loop=device}: K/V cache bound through IoBinding in ONNX
 * Runtime's C API, rows gathered by a graph on the same provider) run on CPU, against HF's goldens
 * and against the host loop, for every golden case of every bundle (fp16 K/V included): greedy,
 * beams (reorder every step), sampling and batches whose rows finish early (rows dropped).
 */
class DeviceDecodingLoopTest {

    static Stream<Arguments> cases() {
        return Fixtures.decodingBundles().stream().flatMap(b -> Fixtures.golden(Fixtures.goldenBundle(b)).cases().stream()
                .map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}", allowZeroInvocations = true)
    @MethodSource("cases")
    void deviceLoopEqualsTheHostLoopAndHf(String bundle, Case c) {
        Blip2Engine device = Fixtures.deviceLoopEngine(bundle);
        assertThat(device.kvCacheLocation()).isEqualTo("CPU");
        var outcomes = device.infer(c.requests());
        assertThat(DecodingPathsTest.tokens(outcomes))
                .isEqualTo(DecodingPathsTest.tokens(Fixtures.engine(bundle).infer(c.requests())));
        if (!Fixtures.isFp16(bundle)) {
            GoldenGenerationTest.assertSequences(c, outcomes);
        }
    }

    /** Sampling (no golden): rows expanded for num_return_sequences, then dropped as they finish. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiny-opt", "tiny-t5", "tiny-opt-fp16"})
    void sampledSequencesAreTheHostLoopsForTheSameSeed(String bundle) {
        GenerationOptions sample = GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(12).doSample(true)
                .temperature(0.9).topK(20).topP(0.95).repetitionPenalty(1.1).numReturnSequences(3).seed(7L).build());
        List<InferenceRequest> requests = List.of(
                new InferenceRequest("a", Fixtures.imageBytes("photo_640x480.jpg"), new Prompt.Caption(), sample),
                new InferenceRequest("b", Fixtures.imageBytes("bmp_100x80.bmp"), new Prompt.Raw("Question: what? Answer:"), sample),
                new InferenceRequest("c", Fixtures.imageBytes("anim_96x64.gif"), new Prompt.Caption(), sample));
        var device = Fixtures.deviceLoopEngine(bundle).infer(requests);
        var host = Fixtures.engine(bundle).infer(requests);
        assertThat(DecodingPathsTest.tokens(device)).isEqualTo(DecodingPathsTest.tokens(host))
                .allSatisfy(perImage -> assertThat(perImage).hasSize(3));
    }

    @Test
    void theHostLoopIsTheDefaultOnCpu() {
        assertThat(Fixtures.engine("tiny-opt").kvCacheLocation()).isEqualTo("host");
    }
}
