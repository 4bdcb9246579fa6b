package io.blip2stream.onnx;

import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed fp32 bundles carry the export tool's fused vision operators (com.microsoft
 * Attention, SkipLayerNormalization, BiasGelu), so every golden test on them proves the fused
 * graph token for token against HF; the fp16 bundles keep the plain operators (the contrib
 * kernels are float32 on CPU).
 */
class FusedVisionGraphTest {

    private static String graphText(String bundle) throws IOException {
        // op types and domains are plain strings in the NodeProtos; weights are binary around them
        return new String(Files.readAllBytes(Fixtures.bundle(bundle).resolve("vision.onnx")), StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-opt", "tiny-opt-tied", "tiny-t5", "shapes-opt"})
    void fp32BundlesHaveTheFusedVisionOperators(String bundle) throws IOException {
        String graph = graphText(bundle);
        assertThat(graph).contains("com.microsoft").contains("Attention").contains("SkipLayerNormalization")
                .contains("BiasGelu");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-opt-fp16", "tiny-t5-fp16"})
    void fp16BundlesKeepThePlainOperators(String bundle) throws IOException {
        assertThat(graphText(bundle)).doesNotContain("com.microsoft").doesNotContain("SkipLayerNormalization");
    }
}
